"""xling-eval sts: correlations of cosine similarity with gold scores, through a plug-in teacher encoder."""
import json

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from fairseq_xling.evaluation import cli
from fairseq_xling.evaluation.sts import StsFormatError, cosine, read_stsb, sts_correlations

WORDS = ["a", "man", "woman", "is", "dancing", "riding", "horse", "cat"]


class BagOfWords:
    """A toy teacher (``tests.evaluation.test_sts:BagOfWords``): word counts over WORDS."""

    dim = len(WORDS)

    def __init__(self, **_):
        pass

    def encode(self, texts):
        return np.array([[t.lower().split().count(w) for w in WORDS] for t in texts], dtype=np.float32)


ROWS = [("A man is dancing", "A man is dancing", 5.0), ("A man is dancing", "A woman is dancing", 3.4),
        ("A man is riding a horse", "A woman is riding a horse", 3.8), ("A cat", "A man is dancing", 0.2),
        ('"A horse", riding', "a horse is riding", 4.0)]


def write_csv(path, rows):
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return str(path)


def test_correlations_of_the_cosine_with_the_gold_scores(tmp_path):
    pairs = read_stsb(write_csv(tmp_path / "sts.csv", ROWS))
    assert pairs.first[4] == '"A horse", riding'  # CSV quoting: a comma inside a sentence
    teacher = BagOfWords()
    a, b = teacher.encode(pairs.first), teacher.encode(pairs.second)
    got = sts_correlations(a, b, pairs.scores)
    assert got["spearman"] == pytest.approx(100 * spearmanr(cosine(a, b), pairs.scores)[0])
    assert got["pearson"] == pytest.approx(100 * pearsonr(cosine(a, b), pairs.scores)[0])
    assert cosine(np.zeros((1, 2)), np.ones((1, 2)))[0] == 0.0


@pytest.mark.parametrize("line,message", [
    ("a,b", "2 fields"), ("a,b,high", "not a number"), (",b,1", "non-empty"), ("", "0 fields"),
    ("\xe9t\xe9,b,2", "byte 0xe9 at column 1 is not valid utf-8")])
def test_a_malformed_row_names_the_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(("x,y,1\n" + line + "\n").encode("latin-1"))
    with pytest.raises(StsFormatError, match=f"bad.csv:2: .*{message}"):
        read_stsb(str(path))


def test_xling_eval_sts_with_a_teacher(tmp_path, capsys):
    path = write_csv(tmp_path / "sts.csv", ROWS)
    cli.main(["sts", "--file", path, "--lang", "en", "--teacher", "tests.evaluation.test_sts:BagOfWords"])
    row = json.loads(capsys.readouterr().out)
    assert row["task"] == "sts" and row["n"] == len(ROWS) and row["spearman"] > 50
    with pytest.raises(SystemExit):
        cli.main(["sts", "--file", path, "--lang", "en"])
    assert "give --checkpoint or --teacher" in capsys.readouterr().err


# --- angular similarity -------------------------------------------------------------------------------

def unit(degrees):
    return [np.cos(np.radians(degrees)), np.sin(np.radians(degrees))]


def test_angular_similarity_against_a_hand_computation():
    from fairseq_xling.evaluation.sts import angular

    # pairs at 0, 45, 60, 90 and 180 degrees: angular similarity 1 - angle / 180
    angles = [0, 45, 60, 90, 180]
    first = np.array([unit(0)] * 5)
    second = 3.0 * np.array([unit(a) for a in angles])  # lengths do not matter
    hand = np.array([1.0, 0.75, 2 / 3, 0.5, 0.0])
    np.testing.assert_allclose(angular(first, second), hand, atol=1e-12)
    gold = np.array([5.0, 4.5, 2.0, 1.0, 0.0])
    got = sts_correlations(first, second, gold, similarity="angular")
    # Pearson by hand on the angular values; the cosine's differs (cos 45 = 0.707.., cos 60 = 0.5, ...)
    hand_pearson = 100 * np.corrcoef(hand, gold)[0, 1]
    assert got["pearson"] == pytest.approx(hand_pearson)
    cos = sts_correlations(first, second, gold, similarity="cosine")
    assert cos["pearson"] == pytest.approx(100 * np.corrcoef([1.0, 0.5 ** 0.5, 0.5, 0.0, -1.0], gold)[0, 1])
    assert abs(got["pearson"] - cos["pearson"]) > 0.1  # 89.77 against 90.19
    # Spearman: the ranks of hand (1 > .75 > .67 > .5 > 0) against gold's ranks, the same as the cosine's
    assert got["spearman"] == pytest.approx(100.0) and cos["spearman"] == pytest.approx(100.0)
    # gold ranks 4 5 2 3 1 against predicted ranks 5 4 3 2 1: sum d^2 = 4, rho = 1 - 6 * 4 / (5 * 24) = 0.8
    gold2 = np.array([3.0, 4.0, 1.0, 2.0, 0.0])
    assert sts_correlations(first, second, gold2, similarity="angular")["spearman"] == pytest.approx(
        sts_correlations(first, second, gold2, similarity="cosine")["spearman"]) == pytest.approx(80.0)


def test_angular_clips_the_cosine():
    from fairseq_xling.evaluation.sts import angular

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 7))
    assert (cosine(x, x) > 1).any()  # rounding: without the clip, arccos would be NaN here
    np.testing.assert_allclose(angular(x, x), 1.0, atol=1e-7)
    np.testing.assert_allclose(angular(x, -x), 0.0, atol=1e-7)
    assert angular(np.zeros((1, 2)), np.ones((1, 2)))[0] == 0.5
    with pytest.raises(ValueError, match="similarity 'dot'"):
        sts_correlations(x[:3], x[:3], np.arange(3.0), similarity="dot")


def test_xling_eval_sts_angular(tmp_path, capsys):
    path = write_csv(tmp_path / "sts.csv", ROWS)
    rows = {}
    for similarity in ("cosine", "angular"):
        cli.main(["sts", "--file", path, "--lang", "en", "--teacher", "tests.evaluation.test_sts:BagOfWords",
                  "--similarity", similarity])
        rows[similarity] = json.loads(capsys.readouterr().out)
        assert rows[similarity]["similarity"] == similarity
    assert rows["angular"]["spearman"] == pytest.approx(rows["cosine"]["spearman"])
    assert rows["angular"]["pearson"] != pytest.approx(rows["cosine"]["pearson"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sts", "--file", path, "--lang", "en", "--teacher", "x", "--similarity", "dot"])
    assert exit_info.value.code == 2 and "invalid choice: 'dot'" in capsys.readouterr().err
