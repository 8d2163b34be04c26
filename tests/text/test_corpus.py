import pytest

from fairseq_xling.text import corpus
from tests.utils_text import write_lines


def test_read_lines_strips_crlf_and_reports_bad_bytes(tmp_path):
    path = write_lines(tmp_path / "a.txt", ["eins", "zwei\u00e4"], "utf-8", "\r\n")
    assert list(corpus.read_lines(path)) == [(1, "eins"), (2, "zwei\u00e4")]
    latin = write_lines(tmp_path / "b.txt", ["ok", "caf\u00e9"], "latin-1")
    assert list(corpus.read_lines(latin, "latin-1"))[1] == (2, "caf\u00e9")
    with pytest.raises(corpus.CorpusError, match=r"b\.txt:2: byte 0xe9 at column 4 is not valid utf-8"):
        list(corpus.read_lines(latin))


def test_empty_file_and_line_count_mismatch(tmp_path):
    empty = write_lines(tmp_path / "empty.txt", [])
    with pytest.raises(corpus.CorpusError, match=r"empty\.txt:1: empty input"):
        list(corpus.read_lines(empty))
    a = write_lines(tmp_path / "a.txt", ["1", "2", "3"])
    b = write_lines(tmp_path / "b.txt", ["1", "2"])
    with pytest.raises(corpus.CorpusError, match=r"b\.txt:3: missing line 3.*a\.txt has 3 lines, .*b\.txt has 2"):
        list(corpus.read_parallel(a, b))


def test_parse_alignment_checks_and_swaps():
    assert corpus.parse_alignment("0-1 2-0", "f", 1, 3, 2) == [(0, 1), (2, 0)]
    assert corpus.parse_alignment("1-0 0-2", "f", 1, 3, 2, swap=True) == [(0, 1), (2, 0)]
    assert corpus.parse_alignment("", "f", 1, 3, 2) == []
    with pytest.raises(corpus.CorpusError, match="f:4: malformed alignment '1:2'"):
        corpus.parse_alignment("0-0 1:2", "f", 4, 3, 3)
    with pytest.raises(corpus.CorpusError, match="f:4: alignment '3-0' is out of range"):
        corpus.parse_alignment("3-0", "f", 4, 3, 3)
    with pytest.raises(corpus.CorpusError, match="malformed"):
        corpus.parse_alignment("-1-0", "f", 4, 3, 3)


def test_language_codes():
    for code in "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv ace ckb".split():
        assert corpus.check_lang(code) == code
    for code in ("english", "EN", "e"):
        with pytest.raises(corpus.CorpusError, match=f"--src: '{code}' is not a language code"):
            corpus.check_lang(code, "--src")


def test_fairseq_dict_round_trip(tmp_path):
    counts = corpus.count_tokens(["a b a", "c a <unk> b", "d"])
    path = tmp_path / "dict.txt"
    assert corpus.write_fairseq_dict(counts, str(path), min_count=2) == 2
    assert path.read_text() == "a 3\nb 2\n"
    import fairseq.data as fairseq_data

    d = fairseq_data.Dictionary.load(str(path))
    assert d.index("a") == d.nspecial and d.index("c") == d.unk()
