"""preprocess/europarl.sh end to end on tiny Europarl- and ComTrans-layout corpora (no network)."""
import json
import os

import pytest

from tests.utils_text import make_comtrans, make_europarl, run_europarl, synthetic_pairs, write_lines

import fairseq.data.data_utils as fairseq_data_utils  # noqa: E402


def parallel_files(src, tgt, align=True):
    names = {"dict.{}.txt".format(lang) for lang in (src, tgt)} | {"preprocess.json", "request.txt",
                                                                   "train_fingerprints.npz"}
    for split in ("train", "valid"):
        for lang in (src, tgt):
            names |= {f"{split}.{src}-{tgt}.{lang}.bin", f"{split}.{src}-{tgt}.{lang}.idx"}
        if align:
            names |= {f"{split}.align.{src}-{tgt}.bin", f"{split}.align.{src}-{tgt}.idx"}
    return names


def load(prefix):
    dataset = fairseq_data_utils.load_indexed_dataset(str(prefix), None, dataset_impl="mmap")
    assert dataset is not None, prefix
    return dataset


def assert_no_leftovers(parent, dest_name):
    leftovers = [name for name in os.listdir(parent) if name.startswith(f".{dest_name}.tmp")]
    assert not leftovers


def test_europarl_layout_with_mono_and_aligner(tmp_path):
    data = tmp_path / "release"
    make_europarl(data, n=40, empty_at=(5,))
    dest = tmp_path / "bin"
    result = run_europarl("--src", "de", "--tgt", "en", "--dest", dest, "--data-dir", data, "--max-pairs", 30,
                          "--mono-lines", 4, "--min-count", 1, "--lowercase", "--aligner", "ibm1")
    assert result.returncode == 0, result.stderr

    names = set(os.listdir(dest))
    assert names == parallel_files("de", "en") | {"mono.de.bin", "mono.de.idx", "mono.en.bin", "mono.en.idx",
                                                  "text"}
    meta = json.loads((dest / "preprocess.json").read_text())
    assert meta["tokenizer"] == "moses" and meta["lowercase"] and not meta["joined_dictionary"]
    assert meta["aligner"] == "ibm1+grow-diag-final-and"
    # 30 non-empty pairs out of lines 1-31 (line 5 is empty), 10% valid; mono from lines 32-35 / 36-39
    assert meta["counts"] == {"train": 27, "valid": 3, "dropped_empty": 1, "dropped_long": 0, "valid_in_train": 0,
                              "mono.de": 4, "mono.en": 4}
    assert "dropped 1 pairs" in result.stderr and "lines 5" in result.stderr

    assert len(load(dest / "train.de-en.de")) == 27
    assert len(load(dest / "valid.de-en.en")) == 3
    assert len(load(dest / "mono.en")) == 4
    train_de = (dest / "text" / "train.de").read_text().splitlines()
    assert train_de[0] == train_de[0].lower() and train_de[0].endswith(" .")  # moses split off the stop
    # the mono text follows the parallel range and the two sides do not overlap
    mono_de = (dest / "text" / "mono.de").read_text().splitlines()
    expected = [" ".join(de) + " ." for de, _ in synthetic_pairs(40)[31:35]]
    assert mono_de == expected

    aligns = load(dest / "train.align.de-en")
    assert len(aligns) == 27
    src = load(dest / "train.de-en.de")
    for k in range(27):
        links = aligns[k].view(-1, 2)
        assert len(links) > 0
        assert int(links[:, 0].max()) < len(src[k]) - 1  # minus </s>
    # vocabulary: everything occurring in train or mono, min count 1
    dict_de = (dest / "dict.de.txt").read_text().split("\n")
    assert {line.split()[0] for line in dict_de if line} >= {"haus", "katze", "."}

    again = run_europarl("--src", "de", "--tgt", "en", "--dest", dest, "--data-dir", data, "--max-pairs", 30,
                         "--mono-lines", 4, "--min-count", 1, "--lowercase", "--aligner", "ibm1")
    assert again.returncode == 0 and "nothing to do" in again.stderr
    assert_no_leftovers(tmp_path, "bin")


def test_comtrans_layout_swaps_alignments_and_joins_dict(tmp_path):
    data = make_comtrans(tmp_path / "comtrans", n_train=30, n_dev=10)
    dest = tmp_path / "ct"
    result = run_europarl("--src", "en", "--tgt", "de", "--dest", dest, "--layout", "comtrans",
                          "--data-dir", data, "--valid-pairs", 6, "--min-count", 1, "--joined", "--no-text")
    assert result.returncode == 0, result.stderr
    assert set(os.listdir(dest)) == parallel_files("en", "de")
    meta = json.loads((dest / "preprocess.json").read_text())
    assert meta["tokenizer"] == "none" and meta["aligner"] == "given (comtrans.a)"
    assert meta["counts"]["train"] == 30 and meta["counts"]["valid"] == 6
    assert (dest / "dict.en.txt").read_text() == (dest / "dict.de.txt").read_text()
    assert "café" in (dest / "dict.en.txt").read_text()  # latin-1 input decoded

    # the .a file is German-English; with --src en the indices are swapped to en-de
    pairs = synthetic_pairs(30, 0)
    aligns = load(dest / "train.align.en-de")
    for k in (0, 7):
        n_de = len(pairs[k][0])
        assert aligns[k].view(-1, 2).tolist() == [[i, i] for i in range(n_de)]
    en = load(dest / "train.en-de.en")
    assert len(en[0]) == len(pairs[0][1]) + 2  # words + café + </s>


def _bad_inputs(tmp_path):
    """(description, extra arguments, file name and line expected in the error message)."""
    d = tmp_path / "in"
    d.mkdir()
    good_de = write_lines(d / "good.de", ["Ein Haus .", "Eine Katze .", "Ein Hund ."])
    good_en = write_lines(d / "good.en", ["A house .", "A cat .", "A dog ."])
    short_en = write_lines(d / "short.en", ["A house .", "A cat ."])
    latin1_de = write_lines(d / "latin1.de", ["Ein Haus .", "Eine große Katze .", "Ein Hund ."], "latin-1")
    empty_de = write_lines(d / "empty.de", [])
    empty_en = write_lines(d / "empty.en", [])
    bad_align = write_lines(d / "bad.align", ["0-0 1-1", "0-0 1x1", "0-0"])
    far_align = write_lines(d / "far.align", ["0-0 1-1", "0-0", "0-0 5-1"])
    base = ["--src", "de", "--tgt", "en", "--min-count", 1]
    return [
        ("line counts", base + ["--src-file", good_de, "--tgt-file", short_en], "short.en:3"),
        ("latin-1 byte", base + ["--src-file", latin1_de, "--tgt-file", good_en], "latin1.de:2"),
        ("empty input", base + ["--src-file", empty_de, "--tgt-file", empty_en], "empty.de:1"),
        ("bad language", ["--src", "deu1", "--tgt", "en", "--src-file", good_de, "--tgt-file", good_en],
         "'deu1' is not a language code"),
        ("malformed alignment", base + ["--src-file", good_de, "--tgt-file", good_en, "--align-file", bad_align,
                                        "--pretokenized"], "bad.align:2"),
        ("alignment out of range", base + ["--src-file", good_de, "--tgt-file", good_en, "--align-file",
                                           far_align, "--pretokenized"], "far.align:3"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_bad_input_stops_with_file_and_line(tmp_path, case):
    description, args, where = _bad_inputs(tmp_path)[case]
    dest = tmp_path / "out" / "bin"
    result = run_europarl(*args, "--dest", dest)
    assert result.returncode != 0, description
    assert where in result.stderr, (description, result.stderr)
    assert "Traceback" not in result.stderr
    assert not dest.exists()
    assert_no_leftovers(tmp_path / "out", "bin")


@pytest.mark.parametrize("option, value, message", [
    ("--src-encoding", "klingon", "--src-encoding klingon: unknown text encoding"),
    ("--workers", "0", "--workers 0: expected an integer >= 1"),
    ("--valid-ratio", "abc", "--valid-ratio abc: expected a number in (0, 1)"),
    ("--valid-ratio", "1.5", "--valid-ratio 1.5: expected a number in (0, 1)"),
    ("--max-pairs", "ten", "--max-pairs ten: expected a non-negative integer"),
])
def test_bad_option_values_stop_with_one_line(tmp_path, option, value, message):
    de, en = tmp_path / "a.de", tmp_path / "a.en"
    write_lines(de, ["ein Haus", "zwei"])
    write_lines(en, ["a house", "two"])
    dest = tmp_path / "out" / "bin"
    result = run_europarl("--src", "de", "--tgt", "en", "--src-file", de, "--tgt-file", en, "--dest", dest,
                          option, value)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not dest.exists()
