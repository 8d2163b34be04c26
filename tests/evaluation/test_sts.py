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
