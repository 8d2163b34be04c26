import pytest

from fairseq_xling.text.lines import (CorpusError, count_lines, detect_encoding, is_utf8_with_non_ascii, read_lines,
                                     write_lines)
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


def test_a_nul_byte_is_no_text(tmp_path):
    path = write_raw(tmp_path / "a.txt", ["eins", "zw\x00ei"])
    with pytest.raises(CorpusError, match=r"a\.txt:2: NUL byte at column 3; expected text"):
        list(read_lines(path))
    utf16 = tmp_path / "b.txt"
    utf16.write_text("Haus\n", encoding="utf-16")
    with pytest.raises(CorpusError, match=r"b\.txt:1: NUL byte .*UTF-16"):
        list(read_lines(str(utf16)))


def test_utf8_with_non_ascii_is_recognised(tmp_path):
    assert is_utf8_with_non_ascii(write_raw(tmp_path / "a.txt", ["gro\u00dfe Katze"]))
    assert not is_utf8_with_non_ascii(write_raw(tmp_path / "b.txt", ["a cat"]))  # ASCII reads alike in all
    assert not is_utf8_with_non_ascii(write_raw(tmp_path / "c.txt", ["gro\u00dfe Katze"], "latin-1"))
    # a multi-byte character across the 1 MiB read boundary is still valid UTF-8
    assert is_utf8_with_non_ascii(write_raw(tmp_path / "d.txt", ["x" * ((1 << 20) - 1) + "\u00df"]))


def test_write_lines(tmp_path):
    path = tmp_path / "out.txt"
    write_lines(str(path), (w for w in ["Straße", "b"]))
    assert path.read_bytes() == "Straße\nb\n".encode("utf-8")
