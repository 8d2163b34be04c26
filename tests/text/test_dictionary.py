import pytest

from fairseq_xling.text.dictionary import (
    by_count,
    count_tokens,
    merge_dicts,
    read_dict,
    read_dict_counts,
    write_dict,
    write_merged_dict,
)
from fairseq_xling.text.lines import CorpusError


def test_fairseq_dict_round_trip(tmp_path):
    counts = count_tokens(["a b a", "c a <unk> b", "d"])
    path = tmp_path / "dict.txt"
    assert write_dict(by_count(counts, min_count=2), str(path)) == 2
    assert path.read_text() == "a 3\nb 2\n"
    import fairseq.data as fairseq_data

    d = fairseq_data.Dictionary.load(str(path))
    assert d.index("a") == d.nspecial and d.index("c") == d.unk()


def test_by_count_orders_ties_by_symbol_and_drops_special_symbols():
    assert by_count(count_tokens(["b a </s> <pad> c c"])) == [("c", 2), ("a", 1), ("b", 1)]
    assert by_count(count_tokens(["b a"]), min_count=2) == []


def test_read_dict_accepts_the_overwrite_flag(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("de 5\n<w> 3 #fairseq:overwrite\nB-PER 0\n")
    assert read_dict_counts(str(path)) == [("de", 5), ("<w>", 3), ("B-PER", 0)]
    assert read_dict(str(path)) == ["de", "<w>", "B-PER"]


def test_merge_dicts_and_write_merged_dict(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("de 5\nKamer 2\nB-PER 0\n")
    b.write_text("Kamer 4\nRusland 1\n")
    assert merge_dicts([str(a)]) == [("de", 5), ("Kamer", 2), ("B-PER", 0)]
    out = tmp_path / "out.txt"
    assert write_merged_dict([str(a), str(b)], str(out)) == 4
    assert out.read_text() == "Kamer 6\nde 5\nRusland 1\nB-PER 0\n"
    with pytest.raises(CorpusError, match=r"a.txt .*b.txt: no entry '<w>'; expected char dictionaries$"):
        write_merged_dict([str(a), str(b)], str(out), must_hold=["<w>"], expected="char dictionaries")
    b.write_text("Kamer\n")
    with pytest.raises(CorpusError, match=r"b.txt:1: .*expected 'symbol count'"):
        merge_dicts([str(a), str(b)])
