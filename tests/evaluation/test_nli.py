"""Zero-shot NLI with a frozen encoder: features, the feed-forward classifier, the SICK / XNLI readers and
``xling-eval nli``, with toy encoders (text -> vector functions), no checkpoints."""
import json

import numpy as np
import pytest

from fairseq_xling.evaluation import cli
from fairseq_xling.evaluation.nli import (
    LABELS,
    FeedForwardClassifier,
    NliFormatError,
    encode_pairs,
    pair_features,
    read_nli,
    read_sick,
    read_xnli,
    zero_shot_classification,
)
from tests import utils

# --- a toy problem: bag of words over an English vocabulary; German words are translated first, so the encoder
# is perfectly cross-lingual. A hypothesis equal to the premise entails it, one with "not" contradicts it, one
# about other things is neutral.
GERMAN = {"ein": "a", "hund": "dog", "katze": "cat", "mann": "man", "frau": "woman", "ist": "is", "nicht": "not",
          "rot": "red", "klein": "small", "gross": "big", "schläft": "sleeps", "rennt": "runs"}
VOCAB = sorted(set(GERMAN.values()))


class BagOfWords:
    """``tests.evaluation.test_nli:BagOfWords``: word counts over VOCAB, German read through GERMAN."""

    dim = len(VOCAB)

    def __init__(self, **_):
        pass

    def encode(self, texts):
        rows = []
        for text in texts:
            words = [GERMAN.get(w, w) for w in text.lower().split()]
            rows.append([words.count(v) for v in VOCAB])
        return np.array(rows, dtype=np.float32)


def toy_pairs(lang, seed):
    rng = np.random.default_rng(seed)
    subjects, predicates = ["dog", "cat", "man", "woman"], ["red", "small", "big", "sleeps", "runs"]
    rows = []
    for _ in range(60):
        s, p = rng.choice(subjects), rng.choice(predicates)
        other_s, other_p = rng.choice([x for x in subjects if x != s]), rng.choice([x for x in predicates if x != p])
        premise = f"a {s} is {p}"
        rows += [(premise, premise, "entailment"), (premise, f"a {s} is not {p}", "contradiction"),
                 (premise, f"a {other_s} is {other_p}", "neutral")]
    if lang == "de":
        english = {v: k for k, v in GERMAN.items()}
        rows = [(" ".join(english[w] for w in a.split()), " ".join(english[w] for w in b.split()), label)
                for a, b, label in rows]
    return rows


def write_xnli(path, rows):
    path.write_text("".join(f"{a}\t{b}\t{label}\n" for a, b, label in rows), encoding="utf-8")
    return str(path)


SICK_HEADER = ("pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\tentailment_AB\tentailment_BA\t"
               "sentence_A_original\tsentence_B_original\tsentence_A_dataset\tsentence_B_dataset\tSemEval_set")


def write_sick(path, rows):
    """rows: (premise, hypothesis, LABEL, SemEval_set); CRLF as the release file."""
    lines = [SICK_HEADER] + [f"{i}\t{a}\t{b}\t{label}\t4.5\tx\tx\t{a}\t{b}\tFLICKR\tFLICKR\t{split}"
                             for i, (a, b, label, split) in enumerate(rows, start=1)]
    path.write_bytes("\r\n".join(lines).encode("utf-8"))  # the release file has no line end after its last row
    return str(path)


def test_pair_features():
    u, v = np.array([[1.0, -2.0]]), np.array([[3.0, 5.0]])
    np.testing.assert_allclose(pair_features(u, v), [[1, -2, 3, 5, 2, 7, 3, -10]])
    assert pair_features(u, v).dtype == np.float32
    with pytest.raises(ValueError, match="same shape"):
        pair_features(u, np.ones((2, 2)))


def test_encode_pairs_encodes_each_sentence_once():
    seen = []

    def encode(sentences):
        seen.append(list(sentences))
        return np.array([[len(s), s.count("a")] for s in sentences], dtype=np.float32)

    from fairseq_xling.evaluation.nli import NliPairs

    pairs = NliPairs(["aa", "b", "aa"], ["b", "aa", "ccc"], np.array([0, 1, 2]))
    X = encode_pairs(pairs, encode)
    assert seen == [["aa", "b", "ccc"]]
    np.testing.assert_allclose(X[2], pair_features(np.array([[2.0, 2.0]]), np.array([[3.0, 0.0]]))[0])


def test_a_separable_toy_problem_is_learned_and_transfers():
    teacher = BagOfWords()
    features = {}
    for name, lang, seed in (("train", "en", 0), ("dev", "en", 1), ("test", "de", 2)):
        rows = toy_pairs(lang, seed)
        u, v = teacher.encode([r[0] for r in rows]), teacher.encode([r[1] for r in rows])
        features[name] = (pair_features(u, v), np.array([LABELS.index(r[2]) for r in rows]))
    lines = []
    result, = zero_shot_classification(*features["train"], [features["test"]], *features["dev"], epochs=15,
                                       seed=0, log=lines.append)
    assert result["accuracy"] == 1.0 and result["dev_accuracy"] == 1.0
    assert result["num_train"] == 180 and result["num_test"] == 180 and 1 <= result["epochs"] <= 15
    assert len(lines) == 15 and lines[0].startswith("epoch 1/15: train loss ")
    # seeded: the same seed gives the same classifier
    a = FeedForwardClassifier(3, features["train"][0].shape[1], hidden=8, epochs=2, seed=5).fit(*features["train"])
    b = FeedForwardClassifier(3, features["train"][0].shape[1], hidden=8, epochs=2, seed=5).fit(*features["train"])
    np.testing.assert_array_equal(a.decision_function(features["test"][0]), b.decision_function(features["test"][0]))
    assert a.best_epoch == 2 and a.dev_accuracies == []


def test_the_dev_set_chooses_the_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    # dev labels the opposite of training: the first epoch (least fitted) is the best one, kept on ties
    model = FeedForwardClassifier(2, 3, hidden=4, epochs=6, lr=0.05, seed=0).fit(X, y, X, 1 - y)
    assert len(model.dev_accuracies) == 6
    assert model.best_epoch == int(np.argmax(model.dev_accuracies)) + 1
    assert model.score(X, 1 - y) == pytest.approx(max(model.dev_accuracies))


def test_read_xnli(tmp_path):
    path = write_xnli(tmp_path / "dev-de.tsv", [("Er schläft.", "Er ist wach.", "contradiction"),
                                                ("A", "B", "Entailment"), ("A", "C", "contradictory")])
    pairs = read_xnli(path)
    assert pairs.premises == ["Er schläft.", "A", "A"] and pairs.labels.tolist() == [2, 0, 2]
    assert read_nli(path, "test").hypotheses == ["Er ist wach.", "B", "C"]


@pytest.mark.parametrize("content,message", [
    ("a\tb\tneutral\na\tb\n", r"x.tsv:2: 2 tab-separated fields; expected premise<TAB>hypothesis<TAB>label"),
    ("a\tb\tneutral\na\tb\tmaybe\n", r"x.tsv:2: label 'maybe'; expected one of entailment, neutral, contradiction"),
    ("a\t \tneutral\n", r"x.tsv:1: empty premise or hypothesis"),
    ("", r"x.tsv:1: empty input"),
])
def test_xnli_reader_errors(tmp_path, content, message):
    (tmp_path / "x.tsv").write_text(content, encoding="utf-8")
    with pytest.raises(NliFormatError, match=message):
        read_xnli(str(tmp_path / "x.tsv"))


def test_read_sick_splits_and_never_reads_test(tmp_path):
    path = write_sick(tmp_path / "SICK.txt", [
        ("A dog runs", "A dog is running", "ENTAILMENT", "TRAIN"),
        ("A man sleeps", "Nobody sleeps", "CONTRADICTION", "TRIAL"),
        ("held", "", "NOT A LABEL", "TEST"),  # malformed, but TEST rows are skipped unread
        ("A cat", "A dog", "NEUTRAL", "TRAIN"),
    ])
    train = read_sick(path, "TRAIN")
    assert train.premises == ["A dog runs", "A cat"] and train.labels.tolist() == [0, 1]
    assert train.hypotheses[-1] == "A dog"  # CRLF stripped; the last row has no line end
    dev = read_nli(path, "dev")
    assert dev.premises == ["A man sleeps"] and dev.labels.tolist() == [2]
    assert read_nli(path, "train").premises == train.premises
    with pytest.raises(NliFormatError, match="TEST is held out"):
        read_sick(path, "TEST")
    with pytest.raises(NliFormatError, match="SICK.txt: a SICK file cannot be a test set"):
        read_nli(path, "test")


@pytest.mark.parametrize("rows,header,message", [
    ([("a", "b", "MAYBE", "TRAIN")], SICK_HEADER, r"SICK.txt:2: entailment_label 'MAYBE'"),
    ([("a", "b", "NEUTRAL", "DEV")], SICK_HEADER, r"SICK.txt:2: SemEval_set 'DEV'; expected one of TRAIN, TRIAL"),
    ([("", "b", "NEUTRAL", "TRAIN")], SICK_HEADER, r"SICK.txt:2: an empty sentence"),
    ([("a", "b", "NEUTRAL", "TRIAL")], SICK_HEADER, r"SICK.txt: no TRAIN pairs"),
    ([("a", "b", "NEUTRAL", "TRAIN")], SICK_HEADER.replace("SemEval_set", "split"),
     r"SICK.txt:1: expected SICK's header .*missing SemEval_set"),
])
def test_sick_reader_errors(tmp_path, rows, header, message):
    path = write_sick(tmp_path / "SICK.txt", rows)
    (tmp_path / "SICK.txt").write_bytes((tmp_path / "SICK.txt").read_bytes().replace(SICK_HEADER.encode(),
                                                                                     header.encode()))
    with pytest.raises(NliFormatError, match=message):
        read_sick(path, "TRAIN")
    bad = tmp_path / "short.txt"
    bad.write_bytes((SICK_HEADER + "\r\n1\ta\tb\tNEUTRAL\r\n").encode())
    with pytest.raises(NliFormatError, match=r"short.txt:2: 4 tab-separated fields; expected 12 as in the header"):
        read_sick(str(bad), "TRAIN")


# --- xling-eval nli -------------------------------------------------------------------------------------

TEACHER = ["--teacher", "tests.evaluation.test_nli:BagOfWords"]


def test_xling_eval_nli_sick_to_xnli(tmp_path, capsys):
    english = toy_pairs("en", 0)
    sick_rows = [(a, b, label.upper(), "TRAIN") for a, b, label in english[:150]]
    sick_rows += [(a, b, label.upper(), "TRIAL") for a, b, label in english[150:]]
    sick_rows += [("never", "read", "??", "TEST")]
    sick = write_sick(tmp_path / "SICK.txt", sick_rows)
    de = write_xnli(tmp_path / "dev-de.tsv", toy_pairs("de", 2))
    en = write_xnli(tmp_path / "dev-en.tsv", toy_pairs("en", 3))
    output = tmp_path / "nli.tsv"
    code, out, err = utils.run_main(cli.main, capsys, "nli", "--train", sick, "--train-lang", "en", "--dev", sick,
                                    "--test", f"{de}:de", f"{en}:en", *TEACHER, "--epochs", 15, "--output", output)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["task"], r["test_lang"], r["test"]) for r in rows] == [("nli", "de", de), ("nli", "en", en)]
    for row in rows:
        assert row["accuracy"] == 1.0 and row["num_train"] == 150 and row["num_test"] == 180
        assert row["train_lang"] == "en" and row["dev_accuracy"] == 1.0
    assert "nli: epoch 15/15" in err and "train " in err
    assert len(output.read_text().splitlines()) == 3


def test_xling_eval_nli_errors(tmp_path, capsys):
    de = write_xnli(tmp_path / "dev-de.tsv", toy_pairs("de", 2))
    sick = write_sick(tmp_path / "SICK.txt", [("a", "b", "NEUTRAL", "TRAIN"), ("a", "b", "NEUTRAL", "TEST")])
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\tneutral\na b neutral\n", encoding="utf-8")

    def run(*args):
        return utils.run_main(cli.main, capsys, "nli", "--train-lang", "en", *args)

    code, out, err = run("--train", sick, "--test", f"{bad}:de", *TEACHER)
    assert (code, out) == (2, "") and "bad.tsv:2: 1 tab-separated fields; expected premise<TAB>hypothesis<TAB>label" \
        in err and "Traceback" not in err
    code, _, err = run("--train", sick, "--test", f"{sick}:en", *TEACHER)
    assert code == 2 and "a SICK file cannot be a test set" in err
    code, _, err = run("--train", sick, "--dev", sick, "--test", f"{de}:de", *TEACHER)
    assert code == 2 and "SICK.txt: no TRIAL pairs" in err
    code, _, err = run("--train", sick, "--test", de, *TEACHER)
    assert code == 2 and "expected FILE:LANG (e.g. dev-de.tsv:de)" in err
    code, _, err = run("--train", sick, "--test", f"{de}:de")
    assert code == 2 and "give --checkpoint or --teacher" in err
    code, _, err = run("--train", tmp_path / "missing.tsv", "--test", f"{de}:de", *TEACHER)
    assert code == 2 and "missing.tsv" in err
