"""xling-teacher on tiny data-bins of both pipeline layouts, with a toy plug-in teacher whose vector is a hash of
the text, so that row i can be checked against line i of the kept text."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from typing import List

import numpy as np
import pytest

from fairseq_xling.distill import cli
from fairseq_xling.distill.store import load_vectors, vectors_path
from fairseq_xling.errors import UserError
from tests import utils
from tests.utils import _write_dataset, make_data_bin, make_translation_data_bin, synthetic_corpus

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HASH = f"{__name__}:HashTeacher"  # tests.distill.test_cli:HashTeacher


def hash_vector(text: str, dim: int = 8) -> np.ndarray:
    """A vector that differs for every text: the first ``dim`` bytes of its blake2b, scaled to [0, 1)."""
    return np.frombuffer(hashlib.blake2b(text.encode("utf-8")).digest()[:dim], dtype=np.uint8) / np.float32(256)


class HashTeacher:
    """A plug-in teacher that does not subclass Teacher (only dim and encode); counts how often it is built."""

    dim = 8
    built = 0

    def __init__(self):
        HashTeacher.built += 1

    def encode(self, texts: List[str]) -> np.ndarray:
        return np.stack([hash_vector(t) for t in texts]).astype(np.float32) if texts else np.zeros((0, 8), np.float32)


class WrongShapeTeacher(HashTeacher):
    def encode(self, texts):
        return super().encode(texts)[:, :4]


def write_text(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)


@pytest.fixture
def europarl_bin(tmp_path):
    """preprocess/europarl.sh's layout: {train,valid}.de-en.{de,en}, mono.en, *.align.*, text/{split}.{lang}."""
    pairs = synthetic_corpus(num_pairs=20)
    mono = [["e1", "e2", "e3"], ["e4", "e5"], ["e6"]]
    dest = make_data_bin(str(tmp_path / "bin"), pairs, valid_pairs=pairs[:6], mono={"en": mono})
    for split, split_pairs in (("train", pairs), ("valid", pairs[:6])):
        for side, lang in ((0, "de"), (1, "en")):
            write_text(os.path.join(dest, "text", f"{split}.{lang}"), [" ".join(p[side]) for p in split_pairs])
        write_text(os.path.join(dest, "text", f"{split}.align"), ["0-0"] * len(split_pairs))
    write_text(os.path.join(dest, "text", "mono.en"), [" ".join(words) for words in mono])
    return dest


def run_main(capsys, *args):
    """xling-teacher in process: (exit status, stdout, stderr)."""
    return utils.run_main(cli.main, capsys, *args)


def text_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def assert_aligned(data_bin, prefix, text, decode=lambda line: line):
    """Row i of the stored vectors is the teacher's vector of line i of ``text``."""
    lines = text_lines(os.path.join(data_bin, "text", text))
    stored = load_vectors(data_bin, HASH, prefix, rows=len(lines))
    expected = np.stack([hash_vector(decode(line)) for line in lines]).astype(np.float16)
    np.testing.assert_array_equal(stored, expected)
    with open(vectors_path(data_bin, HASH, prefix)[:-4] + ".json") as f:
        assert json.load(f)["text"] == f"text/{text}"


def teacher_files(data_bin):
    folder = os.path.join(data_bin, "teacher.tests.distill.test_cli.HashTeacher")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_vectors_for_the_listed_language(europarl_bin, capsys):
    code, out, err = run_main(capsys, europarl_bin, "--teacher", HASH, "--langs", "en")
    assert code == 0, err
    assert teacher_files(europarl_bin) == ["mono.en.json", "mono.en.npy", "train.de-en.en.json",
                                           "train.de-en.en.npy", "valid.de-en.en.json", "valid.de-en.en.npy"]
    assert_aligned(europarl_bin, "train.de-en.en", "train.en")
    assert_aligned(europarl_bin, "valid.de-en.en", "valid.en")
    assert_aligned(europarl_bin, "mono.en", "mono.en")
    summary = out.splitlines()
    assert len(summary) == 3 and summary[0].startswith("mono.en: 3 rows x 8 -> ")
    assert "train.de-en.en: 20 rows x 8" in out and "valid.de-en.en: 6 rows x 8" in out


def test_every_language_and_chosen_splits(europarl_bin, capsys):
    code, out, err = run_main(capsys, europarl_bin, "--teacher", HASH, "--splits", "train", "--batch-size", "3")
    assert code == 0, err
    assert [f for f in teacher_files(europarl_bin) if f.endswith(".npy")] == ["train.de-en.de.npy",
                                                                             "train.de-en.en.npy"]
    assert_aligned(europarl_bin, "train.de-en.de", "train.de")


def test_skip_when_current_and_force(europarl_bin, capsys):
    run_main(capsys, europarl_bin, "--teacher", HASH, "--langs", "en")
    path = vectors_path(europarl_bin, HASH, "train.de-en.en")
    mtime, built = os.stat(path).st_mtime_ns, HashTeacher.built
    code, out, err = run_main(capsys, europarl_bin, "--teacher", HASH, "--langs", "en")
    assert code == 0 and out.count("up to date") == 3 and "--force" in out
    assert os.stat(path).st_mtime_ns == mtime and HashTeacher.built == built  # the teacher was not even built
    code, out, err = run_main(capsys, europarl_bin, "--teacher", HASH, "--langs", "en", "--force")
    assert code == 0 and "up to date" not in out and out.count(" rows x 8 ") == 3
    assert os.stat(path).st_mtime_ns != mtime
    assert_aligned(europarl_bin, "train.de-en.en", "train.en")


def test_stale_after_the_data_bin_changed(europarl_bin, capsys):
    run_main(capsys, europarl_bin, "--teacher", HASH, "--langs", "en")
    new = [["e7", "e8"], ["e9"], ["e1", "e1"]]  # mono.en rebuilt with other sentences
    _write_dataset(os.path.join(europarl_bin, "mono.en"), _english_dictionary(europarl_bin), new)
    write_text(os.path.join(europarl_bin, "text", "mono.en"), [" ".join(words) for words in new])
    with pytest.raises(UserError, match="stale"):
        load_vectors(europarl_bin, HASH, "mono.en", rows=3)
    code, out, err = run_main(capsys, europarl_bin, "--teacher", HASH, "--langs", "en")
    assert code == 0, err
    assert out.count("up to date") == 2 and "mono.en: 3 rows x 8" in out
    assert "mono.en.npy is stale or incomplete; rebuilding it" in err
    assert_aligned(europarl_bin, "mono.en", "mono.en")


def _english_dictionary(data_bin):
    from fairseq.data import Dictionary

    return Dictionary.load(os.path.join(data_bin, "dict.en.txt"))


def test_text_of_another_length_is_an_error(europarl_bin, capsys):
    with open(os.path.join(europarl_bin, "text", "valid.en"), "a") as f:
        f.write("one line too many\n")
    code, out, err = run_main(capsys, europarl_bin, "--teacher", HASH, "--langs", "en")
    assert code == 1
    text, idx = os.path.join(europarl_bin, "text", "valid.en"), os.path.join(europarl_bin, "valid.de-en.en.idx")
    assert err == f"xling-teacher: error: {text} has 7 lines but {idx} has 6 sentences; the text does not belong " \
                  f"to this data-bin (rebuild the data-bin)\n"
    assert teacher_files(europarl_bin) == []  # checked before encoding anything


def test_missing_text_folder_is_an_error(europarl_bin, capsys):
    shutil.rmtree(os.path.join(europarl_bin, "text"))
    code, out, err = run_main(capsys, europarl_bin, "--teacher", HASH)
    assert code == 1 and err.startswith("xling-teacher: error: ") and "--no-text" in err and err.count("\n") == 1


@pytest.mark.parametrize("args, match", [
    (["--splits", "test"], "no dataset of split.s. test.*it has: mono.en, train.de-en.de"),
    (["--langs", "en,fr"], "--langs fr: .* has no dataset of fr"),
    (["--teacher", "labse"], "unknown teacher 'labse'"),
    (["--teacher", f"{__name__}:WrongShapeTeacher"], r"returned shape \(3, 4\); expected \(3, 8\)"),
])
def test_user_errors_are_one_line(europarl_bin, capsys, args, match):
    options = ["--teacher", HASH] if "--teacher" not in args else []
    code, out, err = run_main(capsys, europarl_bin, *options, *args)
    assert code == 1 and err.count("\n") == 1 and err.startswith("xling-teacher: error: "), err
    assert re.search(match, err), err


def test_subword_text_is_decoded(tmp_path, capsys):
    """preprocess/multilingual.sh's layout, text/{split}.{pair}.{lang} in sub-words: the teacher reads the
    sub-words joined (here subword-nmt's "@@ ")."""
    pairs = [(de, [w + "@@" for w in en[:-1]] + en[-1:], links) for de, en, links in synthetic_corpus(12)]
    dest = make_translation_data_bin(str(tmp_path / "bin"), pairs, meta={
        "pipeline": "multilingual", "tokenizer": "none", "bpe": "subword_nmt", "bpe_model": "bpe.codes"})
    write_text(os.path.join(dest, "bpe.codes"), ["#version: 0.2", "e 1"])
    for split, split_pairs in (("train", pairs), ("valid", pairs[:8])):
        for side, lang in ((0, "de"), (1, "en")):
            write_text(os.path.join(dest, "text", f"{split}.de-en.{lang}"), [" ".join(p[side]) for p in split_pairs])
    code, out, err = run_main(capsys, dest, "--teacher", HASH)
    assert code == 0, err
    assert_aligned(dest, "train.de-en.en", "train.de-en.en", decode=lambda line: line.replace("@@ ", ""))
    assert_aligned(dest, "valid.de-en.de", "valid.de-en.de")
    assert "@@" not in "".join(text_lines(os.path.join(dest, "text", "train.de-en.en"))).replace("@@ ", "")


def test_installed_console_script(europarl_bin):
    script = os.path.join(os.path.dirname(sys.executable), "xling-teacher")
    assert os.path.exists(script), "xling-teacher is not installed: run make install"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run([script, europarl_bin, "--teacher", HASH, "--langs", "en", "--splits", "valid"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("valid.de-en.en: 6 rows x 8 -> ")
    assert_aligned(europarl_bin, "valid.de-en.en", "valid.en")
    proc = subprocess.run([script, europarl_bin, "--teacher", "nope"], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 1 and proc.stderr.startswith("xling-teacher: error: unknown teacher 'nope'")
    assert "Traceback" not in proc.stderr


class InterruptedTeacher(HashTeacher):
    """Ctrl-C while encoding the second dataset."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        if self.calls == 2:
            raise KeyboardInterrupt
        return super().encode(texts)


def test_ctrl_c_leaves_no_half_written_dataset(europarl_bin, capsys):
    spec = f"{__name__}:InterruptedTeacher"
    code, out, err = run_main(capsys, europarl_bin, "--teacher", spec, "--langs", "en")
    assert code == 130 and "interrupted" in err
    folder = os.path.dirname(vectors_path(europarl_bin, spec, "mono.en"))
    assert sorted(os.listdir(folder)) == ["mono.en.json", "mono.en.npy"]  # the first dataset is whole, no temp files
    assert out.splitlines()[0].startswith("mono.en: 3 rows x 8")


class CountingTeacher(HashTeacher):
    """Records every text it encodes."""

    seen: List[str] = []

    def encode(self, texts):
        CountingTeacher.seen += list(texts)
        return super().encode(texts)


def test_each_distinct_sentence_is_encoded_once_per_run(europarl_bin, capsys):
    """The valid pairs repeat training pairs here (as a 5-way corpus repeats its English side in every pair):
    they are encoded once and still stored, aligned, for every dataset."""
    CountingTeacher.seen = []
    spec = f"{__name__}:CountingTeacher"
    code, out, err = run_main(capsys, europarl_bin, "--teacher", spec, "--langs", "en", "--batch-size", "4")
    assert code == 0, err
    lines = {text: text_lines(os.path.join(europarl_bin, "text", text)) for text in ("train.en", "valid.en", "mono.en")}
    assert sorted(CountingTeacher.seen) == sorted(set(sum(lines.values(), [])))
    for prefix, text in (("train.de-en.en", "train.en"), ("valid.de-en.en", "valid.en"), ("mono.en", "mono.en")):
        stored = load_vectors(europarl_bin, spec, prefix, rows=len(lines[text]))
        np.testing.assert_array_equal(stored, np.stack([hash_vector(t) for t in lines[text]]).astype(np.float16))
    assert "valid.de-en.en: 6 rows x 8" in out and "(0 distinct sentences encoded" in out
