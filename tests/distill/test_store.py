"""The teacher-vector store: round trip, every refusal of load_vectors as a UserError naming the file, and
atomic writes."""
import json
import os

import numpy as np
import pytest

from fairseq_xling.distill import store
from fairseq_xling.distill.store import load_vectors, teacher_dim, vectors_dim, vectors_path, write_vectors
from fairseq_xling.errors import UserError

TEACHER, PREFIX = "use-m3", "train.de-en.en"


@pytest.fixture
def data_bin(tmp_path):
    """A data-bin with one dataset's .idx (its bytes are all the store reads of it)."""
    (tmp_path / f"{PREFIX}.idx").write_bytes(b"idx of 5 sentences")
    return str(tmp_path)


def vectors(rows=5, dim=8):
    return np.random.default_rng(0).standard_normal((rows, dim)).astype(np.float32)


def test_vectors_path_layout(data_bin):
    assert vectors_path(data_bin, "use-m3", "mono.en") == os.path.join(data_bin, "teacher.use-m3", "mono.en.npy")
    assert vectors_path(data_bin, "mypkg.teachers:toy", "valid.de-en.de") == os.path.join(
        data_bin, "teacher.mypkg.teachers.toy", "valid.de-en.de.npy")


def test_round_trip(data_bin):
    original = vectors()
    path = write_vectors(data_bin, TEACHER, PREFIX, original, {"text": "text/train.en"})
    assert path == vectors_path(data_bin, TEACHER, PREFIX)
    loaded = load_vectors(data_bin, TEACHER, PREFIX, rows=5)
    assert loaded.dtype == np.float16 and loaded.shape == (5, 8)
    assert isinstance(loaded, np.memmap) and not loaded.flags.writeable
    np.testing.assert_allclose(loaded, original, rtol=1e-3, atol=1e-3)
    assert vectors_dim(data_bin, TEACHER, PREFIX) == 8
    with open(path[:-4] + ".json") as f:
        info = json.load(f)
    assert info["teacher"] == TEACHER and info["dim"] == 8 and info["rows"] == 5
    assert info["text"] == "text/train.en" and len(info["dataset_idx_blake2b"]) == 128
    assert sorted(os.listdir(os.path.dirname(path))) == [f"{PREFIX}.json", f"{PREFIX}.npy"]  # no temp files


def test_overwrite_replaces_both_files(data_bin):
    write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    write_vectors(data_bin, TEACHER, PREFIX, vectors(dim=4), {})
    assert load_vectors(data_bin, TEACHER, PREFIX, 5).shape == (5, 4)


def test_without_idx_no_hash_is_recorded(tmp_path):
    write_vectors(str(tmp_path), TEACHER, "mono.en", vectors(), {})
    with open(vectors_path(str(tmp_path), TEACHER, "mono.en")[:-4] + ".json") as f:
        assert "dataset_idx_blake2b" not in json.load(f)
    assert load_vectors(str(tmp_path), TEACHER, "mono.en", 5).shape == (5, 8)


def expect_error(data_bin, match, rows=5, teacher=TEACHER):
    """load_vectors refuses with a message that names the file and says ``match``."""
    with pytest.raises(UserError, match=match) as info:
        load_vectors(data_bin, teacher, PREFIX, rows)
    assert os.path.join(data_bin, f"teacher.{teacher}", PREFIX) in str(info.value)
    return str(info.value)


def test_missing_vectors_say_how_to_build_them(data_bin):
    message = expect_error(data_bin, "no teacher vectors")
    assert f"xling-teacher {data_bin} --teacher {TEACHER} --langs en" in message
    with pytest.raises(UserError, match="no teacher vectors"):
        vectors_dim(data_bin, TEACHER, PREFIX)


def test_missing_json_is_incomplete(data_bin):
    path = write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    os.remove(path[:-4] + ".json")
    expect_error(data_bin, "incomplete")
    with pytest.raises(UserError, match="incomplete"):
        vectors_dim(data_bin, TEACHER, PREFIX)


def test_corrupt_json(data_bin):
    path = write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    with open(path[:-4] + ".json", "w") as f:
        f.write("{not json")
    expect_error(data_bin, "cannot read it")


@pytest.mark.parametrize("damage", ["truncated", "header only", "garbage", "empty"])
def test_unreadable_npy(data_bin, damage):
    path = write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    with open(path, "rb") as f:
        data = f.read()
    data = {"truncated": data[:-20], "header only": data[:40], "garbage": b"not a numpy file" * 8, "empty": b""}[damage]
    with open(path, "wb") as f:
        f.write(data)
    expect_error(data_bin, "cannot read it as a .npy array")


@pytest.mark.parametrize("array", [np.zeros((5, 8), np.float32), np.zeros(40, np.float16)], ids=["float32", "1-D"])
def test_wrong_dtype_or_ndim(data_bin, array):
    path = write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    np.save(path, array)
    expect_error(data_bin, "expected a 2-D float16 array")


def test_wrong_row_count(data_bin):
    write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    message = expect_error(data_bin, "has 5 rows", rows=6)
    assert f"{os.path.join(data_bin, PREFIX)} has 6 sentences" in message


def test_stale_after_the_data_bin_was_rebuilt(data_bin):
    write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    with open(os.path.join(data_bin, f"{PREFIX}.idx"), "ab") as f:
        f.write(b"rebuilt")
    expect_error(data_bin, "stale.*rebuilt")


def test_vectors_of_another_teacher_spec_with_the_same_folder(data_bin):
    write_vectors(data_bin, "mypkg.teachers:toy", PREFIX, vectors(), {})
    load_vectors(data_bin, "mypkg.teachers.toy", PREFIX, rows=5)  # the same teacher, spelt with a dot
    expect_error(data_bin, "made by teacher 'mypkg.teachers.toy'", teacher="mypkg.teachers.toy/")  # the same folder


@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e6], ids=["nan", "inf", "float16 overflow"])
def test_non_finite_values_are_refused_at_write(data_bin, bad):
    array = vectors()
    array[3, 2] = bad
    with pytest.raises(UserError, match="non-finite.*row 3") as info:
        write_vectors(data_bin, TEACHER, PREFIX, array, {})
    assert vectors_path(data_bin, TEACHER, PREFIX) in str(info.value)
    assert not os.path.exists(os.path.dirname(vectors_path(data_bin, TEACHER, PREFIX)))


def test_write_refuses_a_non_matrix(data_bin):
    with pytest.raises(UserError, match="expected N x D"):
        write_vectors(data_bin, TEACHER, PREFIX, np.zeros(5, np.float32), {})


def test_a_failed_write_leaves_nothing(data_bin, monkeypatch):
    """A failure while writing (disk full, Ctrl-C) leaves no .npy, no .json and no temporary file."""
    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.np, "save", fail)
    with pytest.raises(KeyboardInterrupt):
        write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    assert os.listdir(os.path.dirname(vectors_path(data_bin, TEACHER, PREFIX))) == []


def test_a_failed_rewrite_keeps_the_old_pair_or_none(data_bin, monkeypatch):
    """Interrupted between the renames: the new .npy without a json reads as incomplete, never as current."""
    write_vectors(data_bin, TEACHER, PREFIX, vectors(), {})
    real_replace = os.replace

    def replace(src, dst):
        if dst.endswith(".json"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)
    with pytest.raises(OSError):
        write_vectors(data_bin, TEACHER, PREFIX, vectors(dim=4), {})
    monkeypatch.undo()
    expect_error(data_bin, "incomplete")
    assert sorted(os.listdir(os.path.dirname(vectors_path(data_bin, TEACHER, PREFIX)))) == [f"{PREFIX}.npy"]


def test_teacher_dim_is_the_one_size_of_its_vectors(data_bin):
    with pytest.raises(UserError, match="no vectors of teacher 'use-m3'.*xling-teacher"):
        teacher_dim(data_bin, "use-m3")
    write_vectors(data_bin, "use-m3", PREFIX, vectors(dim=8), {})
    write_vectors(data_bin, "use-m3", "valid.de-en.en", vectors(dim=8), {})
    assert teacher_dim(data_bin, "use-m3") == 8
    write_vectors(data_bin, "use-m3", "valid.de-en.en", vectors(dim=4), {})
    with pytest.raises(UserError, match="different sizes.*train.de-en.en 8.*valid.de-en.en 4"):
        teacher_dim(data_bin, "use-m3")
