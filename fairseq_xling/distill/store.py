"""Teacher vectors on disk, next to the data-bin they belong to, row i for sentence i of a binarised dataset.

    DATA_BIN/teacher.<teacher_dir_name(teacher)>/<prefix>.npy    N x D float16
    DATA_BIN/teacher.<teacher_dir_name(teacher)>/<prefix>.json   {"teacher", "dim", "rows", "dataset_idx_blake2b",
                                                                 ...what the writer adds, e.g. "text"}

``prefix`` is the binarised dataset's name without ``.bin``/``.idx`` (``train.de-en.en``, ``mono.en``). float16
halves the disk and page-cache cost of the 384-768-d vectors, whose cosines need no more precision. The json is
written last, so a pair without it is incomplete; its hash of ``DATA_BIN/<prefix>.idx`` (which holds the sizes
of all sentences) tells when the data-bin was rebuilt after the vectors were made.
"""
import hashlib
import json
import os
from typing import Optional

import numpy as np

from fairseq_xling.distill.teachers import canonical_spec, teacher_dir_name
from fairseq_xling.errors import UserError


def vectors_path(data_dir: str, teacher: str, prefix: str) -> str:
    """``DATA_BIN/teacher.<name>/<prefix>.npy`` for a teacher spec and a binarised dataset."""
    return os.path.join(data_dir, f"teacher.{teacher_dir_name(teacher)}", f"{prefix}.npy")


def _info_path(npy_path: str) -> str:
    return os.path.splitext(npy_path)[0] + ".json"


def _idx_hash(data_dir: str, prefix: str) -> Optional[str]:
    """blake2b of ``DATA_BIN/<prefix>.idx``; None without that file."""
    path = os.path.join(data_dir, f"{prefix}.idx")
    if not os.path.isfile(path):
        return None
    digest = hashlib.blake2b()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _build_command(data_dir: str, teacher: str, prefix: str) -> str:
    split, lang = prefix.split(".")[0], prefix.rsplit(".", 1)[-1]
    return f"xling-teacher {data_dir} --teacher {teacher} --langs {lang} --splits {split}"


def write_vectors(data_dir: str, teacher: str, prefix: str, vectors: np.ndarray, info: dict) -> str:
    """Store ``vectors`` (N x D, row i for sentence i of ``DATA_BIN/<prefix>``) as float16, with their json.

    Both files are written to temporary names and renamed, the json last (an older json is removed first), so
    an interruption leaves either the old complete pair, or no json (incomplete), never a half-written file.
    Values that are not finite in float16 (NaN, inf, beyond +-65504) are refused. Returns the .npy path.
    """
    path = vectors_path(data_dir, teacher, prefix)
    info_path = _info_path(path)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise UserError(f"{path}: teacher {teacher} gave an array of shape {vectors.shape}; expected N x D")
    with np.errstate(over="ignore"):  # overflow shows up as inf, reported below
        vectors = vectors.astype(np.float16, copy=False)
    bad_rows = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
    if len(bad_rows):
        raise UserError(f"{path}: teacher {teacher} gave non-finite values (NaN, inf, or beyond float16's +-65504) "
                        f"in {len(bad_rows)} rows, the first row {bad_rows[0]} (sentence {bad_rows[0] + 1} of "
                        f"{prefix}); nothing written")
    meta = {"teacher": canonical_spec(teacher), "dim": int(vectors.shape[1]), "rows": int(vectors.shape[0])}
    idx_hash = _idx_hash(data_dir, prefix)
    if idx_hash is not None:
        meta["dataset_idx_blake2b"] = idx_hash
    meta.update(info)

    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    temps = []
    try:
        for final in (path, info_path):
            tmp = f"{final}.tmp{os.getpid()}"  # open() rather than mkstemp: the umask's permissions, not 0600
            temps.append(tmp)
            with open(tmp, "wb") as f:
                if final == path:
                    np.save(f, vectors, allow_pickle=False)
                else:
                    f.write((json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        if os.path.exists(info_path):
            os.remove(info_path)  # from here until the last rename, the pair reads as incomplete
        os.replace(temps[0], path)
        os.replace(temps[1], info_path)
    finally:
        for tmp in temps:
            if os.path.exists(tmp):
                os.remove(tmp)
    return path


def _read_info(data_dir: str, teacher: str, prefix: str) -> dict:
    path = vectors_path(data_dir, teacher, prefix)
    info_path = _info_path(path)
    if not os.path.exists(path):
        raise UserError(f"{path}: no teacher vectors for {os.path.join(data_dir, prefix)}; build them with: "
                        f"{_build_command(data_dir, teacher, prefix)}")
    if not os.path.exists(info_path):
        raise UserError(f"{info_path}: missing, so {path} is incomplete (an interrupted write?); rebuild it with: "
                        f"{_build_command(data_dir, teacher, prefix)}")
    try:
        with open(info_path, encoding="utf-8") as f:
            info = json.load(f)
    except (ValueError, OSError) as e:
        raise UserError(f"{info_path}: cannot read it ({e}); rebuild it with: "
                        f"{_build_command(data_dir, teacher, prefix)} --force") from None
    if not isinstance(info, dict) or not isinstance(info.get("dim"), int):
        raise UserError(f"{info_path}: expected a json object with teacher, dim and rows; rebuild it with: "
                        f"{_build_command(data_dir, teacher, prefix)} --force")
    return info


def vectors_dim(data_dir: str, teacher: str, prefix: str) -> int:
    """The size D of the stored vectors, from their json (without reading the vectors)."""
    return _read_info(data_dir, teacher, prefix)["dim"]


def teacher_dim(data_dir: str, teacher: str) -> int:
    """The size D of every vector a teacher stored in a data-bin (they must agree), from the jsons; a UserError
    when there are none (with the command that builds them) or when their sizes differ."""
    folder = os.path.dirname(vectors_path(data_dir, teacher, "x"))
    prefixes = sorted(name[:-len(".json")] for name in os.listdir(folder) if name.endswith(".json")) \
        if os.path.isdir(folder) else []
    if not prefixes:
        raise UserError(f"no vectors of teacher {teacher!r} in {data_dir} (expected {folder}/*.npy): build them "
                        f"with xling-teacher {data_dir} --teacher {teacher} --langs LANG")
    dims = {prefix: _read_info(data_dir, teacher, prefix)["dim"] for prefix in prefixes}
    if len(set(dims.values())) > 1:
        raise UserError(f"teacher {teacher!r}: vectors of different sizes in {folder}: "
                        + ", ".join(f"{prefix} {dim}" for prefix, dim in dims.items()) + "; rebuild them with --force")
    return next(iter(dims.values()))


def load_vectors(data_dir: str, teacher: str, prefix: str, rows: int) -> np.ndarray:
    """The stored vectors of ``DATA_BIN/<prefix>`` (memory-mapped, read-only, float16, ``rows`` x D).

    Checks everything that is cheap: both files exist and parse, the json names this teacher, the dataset's
    .idx is the one the vectors were made for, and the array is float16, 2-D, ``rows`` x dim. Non-finite values
    are not scanned for (write_vectors refuses them). Any problem is a UserError naming the file.
    """
    path = vectors_path(data_dir, teacher, prefix)
    info = _read_info(data_dir, teacher, prefix)
    rebuild = f"rebuild them with: {_build_command(data_dir, teacher, prefix)} --force"
    if info.get("teacher") != canonical_spec(teacher):
        raise UserError(f"{path}: made by teacher {info.get('teacher')!r}, not {teacher!r}; {rebuild}")
    recorded, current = info.get("dataset_idx_blake2b"), _idx_hash(data_dir, prefix)
    if current is not None and recorded != current:
        raise UserError(f"{path}: stale: {os.path.join(data_dir, prefix)}.idx changed since the vectors were made "
                        f"(the data-bin was rebuilt); rebuild them with: {_build_command(data_dir, teacher, prefix)}")
    try:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:  # truncated, not .npy, or pickled objects
        raise UserError(f"{path}: cannot read it as a .npy array ({e}); {rebuild}") from None
    if vectors.dtype != np.float16 or vectors.ndim != 2:
        raise UserError(f"{path}: expected a 2-D float16 array, got {vectors.dtype} of shape {vectors.shape}; "
                        f"{rebuild}")
    if vectors.shape[1] != info["dim"]:
        raise UserError(f"{path}: its vectors have {vectors.shape[1]} dimensions, its json says {info['dim']}; "
                        f"{rebuild}")
    if vectors.shape[0] != rows:
        raise UserError(f"{path}: has {vectors.shape[0]} rows; {os.path.join(data_dir, prefix)} has {rows} "
                        f"sentences; {rebuild}")
    return vectors
