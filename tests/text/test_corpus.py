import pytest

from fairseq_xling.text import corpus
from fairseq_xling.text.languages import check_lang
from fairseq_xling.text.lines import CorpusError
from tests.utils_text import write_lines


def test_line_count_mismatch(tmp_path):
    a = write_lines(tmp_path / "a.txt", ["1", "2", "3"])
    b = write_lines(tmp_path / "b.txt", ["1", "2"])
    with pytest.raises(CorpusError, match=r"b\.txt:3: missing line 3.*a\.txt has 3 lines, .*b\.txt has 2"):
        list(corpus.read_parallel(a, b))


def test_parse_alignment_checks_and_swaps():
    assert corpus.parse_alignment("0-1 2-0", "f", 1, 3, 2) == [(0, 1), (2, 0)]
    assert corpus.parse_alignment("1-0 0-2", "f", 1, 3, 2, swap=True) == [(0, 1), (2, 0)]
    assert corpus.parse_alignment("", "f", 1, 3, 2) == []
    with pytest.raises(CorpusError, match="f:4: malformed alignment '1:2'"):
        corpus.parse_alignment("0-0 1:2", "f", 4, 3, 3)
    with pytest.raises(CorpusError, match="f:4: alignment '3-0' is out of range"):
        corpus.parse_alignment("3-0", "f", 4, 3, 3)
    with pytest.raises(CorpusError, match="malformed"):
        corpus.parse_alignment("-1-0", "f", 4, 3, 3)


def test_language_codes():
    for code in "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv ace ckb".split():
        assert check_lang(code) == code
    for code in ("english", "EN", "e"):
        with pytest.raises(CorpusError, match=f"--src: '{code}' is not a language code"):
            check_lang(code, "--src")


def test_cli_errors_exit_1(capsys):
    assert corpus.main(["check-langs", "de", "en"]) == 0
    assert corpus.main(["check-langs", "de", "x1"]) == 1
    assert "error: language: 'x1' is not a language code" in capsys.readouterr().err


def _prepare(tmp_path, src_lines, tgt_lines, *options, src_encoding="utf-8"):
    src = write_lines(tmp_path / "in.de", src_lines, src_encoding)
    tgt = write_lines(tmp_path / "in.en", tgt_lines)
    out = tmp_path / "out"
    code = corpus.main(["prepare", "--src-lang", "de", "--tgt-lang", "en", "--src-file", src, "--tgt-file", tgt,
                        "--tokenizer", "none", "--min-count", "1", "--out-dir", str(out), *map(str, options)])
    return code, out


def test_long_and_unbalanced_training_pairs_are_dropped_and_counted(tmp_path, capsys):
    import json

    src = ["ein Haus", "w " * 30, "eine Katze", "a b c d e f g h", "ein Hund", "eins zwei drei vier"]
    tgt = ["a house", "w " * 30, "a cat", "x", "a dog", "one"]  # valid (split off last): 1 pair, ratio 4
    code, out = _prepare(tmp_path, src, tgt, "--max-len", 20, "--max-len-ratio", 3, "--valid-ratio", 0.2)
    assert code == 0
    log = capsys.readouterr().err
    assert "2 train pairs longer than 20 tokens or with a length ratio above 3 in" in log and "(lines 2, 4)" in log
    assert "1 valid pairs longer than 20 tokens or with a length ratio above 3" in log and "kept" in log
    assert (out / "text" / "train.de").read_text().splitlines() == ["ein Haus", "eine Katze", "ein Hund"]
    assert (out / "text" / "valid.de").read_text().splitlines() == ["eins zwei drei vier"]
    meta = json.loads((out / "preprocess.json").read_text())
    assert meta["counts"]["dropped_long"] == 2 and meta["max_len"] == 20 and meta["max_len_ratio"] == 3
    (tmp_path / "off").mkdir()
    code, out = _prepare(tmp_path / "off", src, tgt, "--max-len", 0, "--valid-ratio", 0.2)  # no filter
    assert code == 0 and len((out / "text" / "train.de").read_text().splitlines()) == 5


def test_utf8_read_as_latin1_warns(tmp_path, capsys):
    code, _ = _prepare(tmp_path, ["eine gro\u00dfe Katze", "ein Haus"], ["a big cat", "a house"],
                       "--src-encoding", "latin-1")
    assert code == 0
    assert "in.de is valid UTF-8 but read as latin-1 (--src-encoding): its accented letters will be garbled" in \
        capsys.readouterr().err


def test_a_nul_byte_stops_pretokenized_text(tmp_path, capsys):
    code, out = _prepare(tmp_path, ["ein Haus", "ein \x00 Hund"], ["a house", "a dog"])
    assert code == 1 and "in.de:2: NUL byte at column 5" in capsys.readouterr().err


def test_valid_pairs_seen_in_training_are_counted_and_dropped_on_request(tmp_path, capsys):
    import json

    src = ["ein Haus", "eine Katze", "ein Hund", "ein Haus", "zwei Hunde"]
    tgt = ["a house", "a cat", "a dog", "one house", "two dogs"]  # valid (last 2): line 4 repeats line 1's German
    code, out = _prepare(tmp_path, src, tgt, "--valid-ratio", 0.4)
    assert code == 0
    assert "warning: 1 of 2 valid pairs in" in capsys.readouterr().err
    meta = json.loads((out / "preprocess.json").read_text())
    assert meta["counts"]["valid_in_train"] == 1 and meta["counts"]["valid"] == 2 and not meta["drop_overlap"]
    from fairseq_xling.text.fingerprints import read_fingerprints, seen_in

    table = read_fingerprints(str(out))  # the training lines (train split only), as the model reads them
    assert meta["train_fingerprints"] == "train_fingerprints.npz" and sorted(table) == ["de", "en"]
    assert seen_in(["ein Haus", "eine Katze", "zwei Hunde", "ein  Haus"], table["de"]).tolist() == [
        True, True, False, False]
    assert len(table["de"]) == 3 and seen_in(["a dog"], table["en"]).tolist() == [True]
    (tmp_path / "drop").mkdir()
    code, out = _prepare(tmp_path / "drop", src, tgt, "--valid-ratio", 0.4, "--drop-overlap")
    assert code == 0 and "dropped 1 of 2 valid pairs in" in capsys.readouterr().err
    assert (out / "text" / "valid.de").read_text().splitlines() == ["zwei Hunde"]
    meta = json.loads((out / "preprocess.json").read_text())
    assert meta["counts"]["valid_in_train"] == 1 and meta["counts"]["valid"] == 1 and meta["drop_overlap"]
