import pytest

from fairseq_xling.text.lines import CorpusError, count_lines, detect_encoding, read_lines, write_lines
from tests.utils_text import write_lines as write_raw


def test_read_lines_strips_crlf_and_reports_bad_bytes(tmp_path):
    path = write_raw(tmp_path / "a.txt", ["eins", "zwei\u00e4"], "utf-8", "\r\n")
    assert list(read_lines(path)) == [(1, "eins"), (2, "zwei\u00e4")]
    latin = write_raw(tmp_path / "b.txt", ["ok", "caf\u00e9"], "latin-1")
    assert list(read_lines(latin, "latin-1"))[1] == (2, "caf\u00e9")
    with pytest.raises(CorpusError) as err:
        list(read_lines(latin, hint=" (see --encoding)"))
    assert str(err.value) == f"{latin}:2: byte 0xe9 at column 4 is not valid utf-8; expected utf-8 text (see --encoding)"
    assert detect_encoding(latin) == ("latin-1", 2) and detect_encoding(path) == ("utf-8", None)


def test_empty_file(tmp_path):
    empty = write_raw(tmp_path / "empty.txt", [])
    with pytest.raises(CorpusError, match=r"empty\.txt:1: empty input"):
        list(read_lines(empty))


def test_line_separators_other_than_newline_stay_in_the_line(tmp_path):
    path = write_raw(tmp_path / "a.txt", ["a\u2028b", "c\x0cd"])
    assert [text for _, text in read_lines(path)] == ["a\u2028b", "c\x0cd"]
    assert count_lines(path) == 2


def test_write_lines(tmp_path):
    path = tmp_path / "out.txt"
    write_lines(str(path), (w for w in ["Straße", "b"]))
    assert path.read_bytes() == "Straße\nb\n".encode("utf-8")
