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
