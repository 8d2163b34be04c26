
from fairseq_xling.text import align as xalign
from tests.utils_text import synthetic_pairs


def reversed_corpus(n=60):
    """German sentence, English translation in reverse word order: gold links i-(len-1-i)."""
    pairs = synthetic_pairs(n, seed=3)
    return [de for de, _ in pairs], [en[::-1] for _, en in pairs]


def test_ibm1_recovers_known_one_to_one_links():
    src, tgt = reversed_corpus()
    links = xalign.align(src, tgt, method="ibm1")
    for sent, sent_links in zip(src, links):
        n = len(sent)
        assert sent_links == [(i, n - 1 - i) for i in range(n)]


def test_ibm1_viterbi_aligns_unknown_words_to_something_or_null():
    best = xalign.ibm1_viterbi([["a", "b"], ["a"]], [["x", "y", "z"], ["x"]], iterations=3)
    assert [len(b) for b in best] == [3, 1]
    assert all(-1 <= int(i) < 2 for i in best[0])


def test_eflomal_recovers_diagonal_links():
    pairs = synthetic_pairs(60, seed=4)
    src, tgt = [de for de, _ in pairs], [en for _, en in pairs]
    links = xalign.align(src, tgt, method="eflomal")
    correct = sum(sent_links == [(i, i) for i in range(len(s))] for s, sent_links in zip(src, links))
    assert correct >= 55  # the sampler is not seeded; allow a few misses


def test_grow_diag_final_and_and_intersect():
    fwd = [(0, 0), (1, 1), (2, 1)]
    rev = [(0, 0), (1, 1), (2, 2)]
    assert xalign.intersect(fwd, rev) == [(0, 0), (1, 1)]
    # (2, 1) and (2, 2) neighbour (1, 1); (2, 1) comes first and covers the unaligned source word 2,
    # then (2, 2) still covers the unaligned target word 2
    assert xalign.grow_diag_final_and(fwd, rev) == [(0, 0), (1, 1), (2, 1), (2, 2)]
    assert xalign.grow_diag_final_and([(0, 1)], [(1, 0)]) == [(0, 1), (1, 0)]


def test_cli_writes_one_file_per_input_and_records_method(tmp_path):
    import json

    src, tgt = reversed_corpus(20)
    paths = {}
    for name, sents in (("a.de", src[:15]), ("b.de", src[15:]), ("a.en", tgt[:15]), ("b.en", tgt[15:])):
        paths[name] = tmp_path / name
        paths[name].write_text("".join(" ".join(s) + "\n" for s in sents))
    meta = tmp_path / "preprocess.json"
    meta.write_text(json.dumps({"aligner": "auto"}))
    rc = xalign.main(["--method", "ibm1", "--src", str(paths["a.de"]), str(paths["b.de"]),
                      "--tgt", str(paths["a.en"]), str(paths["b.en"]),
                      "--out", str(tmp_path / "a.align"), str(tmp_path / "b.align"), "--meta-dir", str(tmp_path)])
    assert rc == 0
    assert len((tmp_path / "a.align").read_text().splitlines()) == 15
    assert len((tmp_path / "b.align").read_text().splitlines()) == 5
    assert json.loads(meta.read_text())["aligner"] == "ibm1+grow-diag-final-and"
