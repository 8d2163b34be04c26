"""xling-eval end to end: subprocesses on .npy/.npz inputs; error paths and --checkpoint (with a fake hub)
in process, to avoid paying the fairseq import once per case."""
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from fairseq_xling.evaluation import cli
from tests import utils

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cli.__file__))))


def run_cli(*args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "fairseq_xling.evaluation.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def run_main(capsys, *args):
    """xling-eval in process (no fairseq start-up cost): (exit status, stdout, stderr)."""
    return utils.run_main(cli.main, capsys, *args)


def json_lines(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.fixture
def permuted_embeddings(tmp_path):
    """de rows are one-hot; en rows are a permutation of them with 3 of 10 pairs in place."""
    src = np.eye(10, dtype=np.float32)
    perm = np.array([0, 1, 2, 4, 3, 6, 5, 8, 9, 7])
    np.save(tmp_path / "de.npy", src)
    np.save(tmp_path / "en.npy", src[perm])
    return str(tmp_path / "de.npy"), str(tmp_path / "en.npy")


def test_retrieval_end_to_end(tmp_path, permuted_embeddings):
    src, tgt = permuted_embeddings
    output = tmp_path / "results.tsv"
    proc = run_cli(
        "retrieval", "--src-emb", src, "--tgt-emb", tgt, "--src-lang", "de", "--tgt-lang", "en",
        "--output", str(output),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = json_lines(proc.stdout)
    assert [(r["direction"], r["scoring"]) for r in rows] == [
        ("de->en", "cosine"), ("de->en", "margin"), ("en->de", "cosine"), ("en->de", "margin")
    ]  # fmt: skip
    for row in rows:  # one-hot rows: every k-NN mean is 1/4, so the margin ranks as the cosine does
        assert row["task"] == "retrieval"
        assert row["p@1"] == pytest.approx(0.3) and row["p@5"] == pytest.approx(0.3) and row["error"] == 70.0
        assert row["num_distractors"] == "all" and row["n"] == 10  # 999 asked, 9 possible: reported as done
    table = output.read_text(encoding="utf-8").splitlines()
    assert table[0].split("\t") == [
        "task", "direction", "scoring", "p@1", "p@5", "error", "num_distractors", "n", "pool_size"
    ]  # fmt: skip
    assert len(table) == 5 and table[1] == "retrieval\tde->en\tcosine\t0.3\t0.3\t70.0\tall\t10\t10"
    assert "--num-distractors 999: 10 pairs give at most 9 distractors" in proc.stderr
    assert table[2].startswith("retrieval\tde->en\tmargin\t0.3\t")


def test_retrieval_all_distractors_and_max_sentences(permuted_embeddings):
    src, tgt = permuted_embeddings
    proc = run_cli(
        "retrieval", "--src-emb", src, "--tgt-emb", tgt, "--src-lang", "de", "--tgt-lang", "en",
        "--num-distractors", "all", "--max-sentences", "3", "--k", "1", "--progress",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = json_lines(proc.stdout)
    assert [(r["p@1"], r["error"], r["num_distractors"], r["n"]) for r in rows] == [(1.0, 0.0, "all", 3)] * 4
    assert "p@5" not in rows[0]


@pytest.fixture
def hub_embeddings(tmp_path):
    """4 one-hot de rows; en rows 2, 3 are exact translations, en row 1 a weak one (cosine 0.4) and en row 0
    a hub at cosine 0.5 with every de row (test_retrieval.py's hub_example)."""
    src = np.eye(4, 5, dtype=np.float32)
    tgt = np.eye(4, 5, dtype=np.float32)
    tgt[0] = [0.5, 0.5, 0.5, 0.5, 0.0]
    tgt[1] = [0.0, 0.4, 0.0, 0.0, np.sqrt(1 - 0.4**2)]
    np.save(tmp_path / "de.npy", src)
    np.save(tmp_path / "en.npy", tgt)
    return str(tmp_path / "de.npy"), str(tmp_path / "en.npy")


def test_retrieval_margin_scoring(tmp_path, hub_embeddings, capsys):
    """The hub takes a query from cosine in each direction (error 25%); both margins retrieve every pair."""
    src, tgt = hub_embeddings
    output = tmp_path / "results.tsv"
    code, out, err = run_main(
        capsys, "retrieval", "--src-emb", src, "--tgt-emb", tgt, "--src-lang", "de", "--tgt-lang", "en",
        "--num-distractors", "all", "--k", "1", "--scoring", "cosine", "margin", "margin-distance",
        "--margin-k", "2", "--output", str(output),
    )  # fmt: skip
    assert code == 0, err
    rows = json_lines(out)
    assert [(r["direction"], r["scoring"], r["p@1"], r["error"]) for r in rows] == [
        ("de->en", "cosine", 0.75, 25.0), ("de->en", "margin", 1.0, 0.0), ("de->en", "margin-distance", 1.0, 0.0),
        ("en->de", "cosine", 0.75, 25.0), ("en->de", "margin", 1.0, 0.0), ("en->de", "margin-distance", 1.0, 0.0),
    ]  # fmt: skip
    table = output.read_text(encoding="utf-8").splitlines()
    assert table[0] == "task\tdirection\tscoring\tp@1\terror\tnum_distractors\tn\tpool_size"
    assert table[1:3] == [
        "retrieval\tde->en\tcosine\t0.75\t25.0\tall\t4\t4", "retrieval\tde->en\tmargin\t1.0\t0.0\tall\t4\t4"
    ]  # fmt: skip

    code, out, err = run_main(
        capsys, "retrieval", "--src-emb", src, "--tgt-emb", tgt, "--src-lang", "de", "--tgt-lang", "en",
        "--scoring", "margin", "--margin-k", "50",
    )  # fmt: skip
    assert code == 0 and [r["scoring"] for r in json_lines(out)] == ["margin", "margin"]  # k clamped to 4


@pytest.mark.parametrize("option, message", [
    (["--margin-k", "0"], "--margin-k must be >= 1"),
    (["--scoring", "csls"], "invalid choice: 'csls'"),
])  # fmt: skip
def test_retrieval_rejects_bad_scoring_options(hub_embeddings, capsys, option, message):
    src, tgt = hub_embeddings
    code, out, err = run_main(
        capsys, "retrieval", "--src-emb", src, "--tgt-emb", tgt, "--src-lang", "de", "--tgt-lang", "en", *option
    )
    assert code == 2 and message in err and out == ""


def test_retrieval_rejects_files_of_different_length(tmp_path, permuted_embeddings, capsys):
    src_file = write_lines(tmp_path / "test.de", ["a", "b", "c"])
    tgt_file = write_lines(tmp_path / "test.en", ["a", "b"])
    src, tgt = permuted_embeddings
    code, out, err = run_main(
        capsys, "retrieval", "--src-file", src_file, "--tgt-file", tgt_file, "--src-emb", src, "--tgt-emb", tgt,
        "--src-lang", "de", "--tgt-lang", "en",
    )  # fmt: skip
    assert code == 2
    assert f"{src_file} has 3 lines" in err and f"{tgt_file} has 2" in err
    assert out == ""


def test_retrieval_rejects_an_empty_line(tmp_path, permuted_embeddings, capsys):
    src_file = write_lines(tmp_path / "test.de", ["a", "", "c"])
    tgt_file = write_lines(tmp_path / "test.en", ["a", "b", "c"])
    src, tgt = permuted_embeddings
    code, out, err = run_main(
        capsys, "retrieval", "--src-file", src_file, "--tgt-file", tgt_file, "--src-emb", src, "--tgt-emb", tgt,
        "--src-lang", "de", "--tgt-lang", "en",
    )  # fmt: skip
    assert code == 2
    assert f"{src_file}:2: empty line" in err


def test_retrieval_checks_embedding_rows_against_the_files(tmp_path, permuted_embeddings, capsys):
    src_file = write_lines(tmp_path / "test.de", ["a", "b", "c"])
    tgt_file = write_lines(tmp_path / "test.en", ["a", "b", "c"])
    src, tgt = permuted_embeddings
    code, out, err = run_main(
        capsys, "retrieval", "--src-file", src_file, "--tgt-file", tgt_file, "--src-emb", src, "--tgt-emb", tgt,
        "--src-lang", "de", "--tgt-lang", "en",
    )  # fmt: skip
    assert code == 2 and f"{src} has 10 rows but {src_file} has 3 lines" in err
    code, out, err = run_main(
        capsys, "retrieval", "--src-file", src_file, "--tgt-file", tgt_file, "--src-emb", src, "--tgt-emb", tgt,
        "--src-lang", "de", "--tgt-lang", "en", "--max-sentences", "3",
    )  # fmt: skip
    assert code == 0 and len(json_lines(out)) == 4  # 2 directions x 2 scorings


def test_retrieval_needs_embeddings_or_checkpoint(capsys):
    code, out, err = run_main(capsys, "retrieval", "--src-lang", "de", "--tgt-lang", "en")
    assert code == 2 and "--src-emb" in err


def synthetic_npz(path, rng, centers, labels_as_strings=False):
    y = np.repeat(np.arange(len(centers)), 20)
    X = centers[y] + 0.5 * rng.normal(size=(len(y), centers.shape[1]))
    if labels_as_strings:
        y = np.array(["CCAT", "ECAT", "GCAT", "MCAT"])[y]
    np.savez(path, X=X.astype(np.float32), y=y)
    return str(path)


@pytest.mark.parametrize("labels_as_strings", [False, True])
def test_doc_classification_end_to_end(tmp_path, labels_as_strings):
    rng = np.random.default_rng(0)
    centers = 3.0 * np.eye(4, 6)
    train = synthetic_npz(tmp_path / "en.npz", rng, centers, labels_as_strings)
    test = synthetic_npz(tmp_path / "de.npz", rng, centers, labels_as_strings)
    proc = run_cli(
        "doc-classification", "--train-emb", train, "--test-emb", test, "--train-lang", "en", "--test-lang", "de",
        "--epochs", "3",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (row,) = json_lines(proc.stdout)
    assert row["task"] == "doc-classification"
    assert (row["train_lang"], row["test_lang"]) == ("en", "de")
    assert row["accuracy"] == 1.0 and row["num_test"] == 80


def test_doc_classification_rejects_npz_without_arrays(tmp_path, capsys):
    np.savez(tmp_path / "bad.npz", features=np.zeros((2, 2)))
    code, out, err = run_main(
        capsys, "doc-classification", "--train-emb", str(tmp_path / "bad.npz"), "--test-emb", str(tmp_path / "bad.npz"),
        "--train-lang", "en", "--test-lang", "de",
    )  # fmt: skip
    assert code == 2 and "expected arrays 'X'" in err


def test_evaluation_imports_without_fairseq_or_torch():
    # Stub the parent package (its __init__ loads fairseq) and make fairseq/torch imports fail.
    code = (
        "import sys, types\n"
        "sys.modules['fairseq'] = None\n"
        "sys.modules['torch'] = None\n"
        "pkg = types.ModuleType('fairseq_xling')\n"
        f"pkg.__path__ = [{os.path.join(REPO_ROOT, 'fairseq_xling')!r}]\n"
        "sys.modules['fairseq_xling'] = pkg\n"
        "import fairseq_xling.evaluation.cli\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# --- --checkpoint paths, in process, with a fake hub ------------------------------------------------------


class FakeHub:
    """Encodes a sentence as the one-hot of its first word in ``vocab[lang]`` (same index = aligned)."""

    def __init__(self, vocab):
        self.vocab = vocab  # lang -> list of words
        self.calls = []
        self.task = SimpleNamespace(objectives=[])  # trained on no data-bin it can name: overlap unknown

    def tokenize(self, sentence, lang):
        return sentence

    def encode(self, sentences, lang, progress=False):  # as XlingHubInterface.encode
        self.calls.append((lang, len(sentences)))
        rows = [self.vocab[lang].index(sentence.split()[0]) for sentence in sentences]
        return np.eye(max(len(v) for v in self.vocab.values()), dtype=np.float32)[rows]  # N x V


def test_retrieval_through_checkpoint(tmp_path, monkeypatch, capsys):
    hub = FakeHub({"de": ["eins", "zwei", "drei"], "en": ["one", "two", "three"]})
    loaded = {}
    monkeypatch.setattr(cli, "load_hub", lambda checkpoint: loaded.update(c=checkpoint) or hub)
    src = write_lines(tmp_path / "test.de", ["eins a", "zwei b", "drei c"])
    tgt = write_lines(tmp_path / "test.en", ["one a", "two b", "three c"])
    cli.main([
        "retrieval", "--src-file", src, "--tgt-file", tgt, "--src-lang", "de", "--tgt-lang", "en",
        "--checkpoint", "ckpt/checkpoint_best.pt", "--data", "data-bin",
    ])  # fmt: skip
    rows = json_lines(capsys.readouterr().out)
    assert [(r["direction"], r["scoring"], r["p@1"], r["n"]) for r in rows] == [
        ("de->en", "cosine", 1.0, 3), ("de->en", "margin", 1.0, 3), ("en->de", "cosine", 1.0, 3),
        ("en->de", "margin", 1.0, 3),
    ]  # fmt: skip
    assert hub.calls == [("de", 3), ("en", 3)]
    assert loaded == {"c": "ckpt/checkpoint_best.pt"}


def test_doc_classification_through_checkpoint(tmp_path, monkeypatch, capsys):
    en, de = ["profit", "rate", "vote", "gold"], ["gewinn", "zins", "wahl", "kupfer"]
    labels = ["CCAT", "ECAT", "GCAT", "MCAT"]

    def mldoc(words):
        return [f"{label}\t{word} up. {word} again." for label, word in zip(labels * 3, words * 3)]

    train = write_lines(tmp_path / "english.train.1000", mldoc(en))
    test = write_lines(tmp_path / "german.test", mldoc(de)[:4])
    argv = [
        "doc-classification", "--train", train, "--test", test, "--train-lang", "en", "--test-lang", "de",
        "--format", "mldoc", "--checkpoint", "ckpt/checkpoint_best.pt", "--data", "data-bin",
    ]  # fmt: skip

    # An aligned "encoder": each German word lands on its English counterpart's dimension.
    hub = FakeHub({"en": en, "de": de})
    monkeypatch.setattr(cli, "load_hub", lambda checkpoint: hub)
    cli.main(argv)
    (row,) = json_lines(capsys.readouterr().out)
    assert hub.calls == [("en", 24), ("de", 8)]  # 2 sentences per document
    assert row["task"] == "doc-classification" and (row["train_lang"], row["test_lang"]) == ("en", "de")
    assert row["num_train"] == 12 and row["num_test"] == 4 and row["accuracy"] == 1.0

    # A misaligned one: German words land on the dimension of the next English word.
    hub = FakeHub({"en": en, "de": de[-1:] + de[:-1]})
    monkeypatch.setattr(cli, "load_hub", lambda checkpoint: hub)
    cli.main(argv)
    (row,) = json_lines(capsys.readouterr().out)
    assert row["accuracy"] == 0.0


def test_doc_classification_reader_error_names_the_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "load_hub", lambda checkpoint: FakeHub({"en": ["x"]}))
    bad = write_lines(tmp_path / "english.train.1000", ["CCAT\tok.", "no tab"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main([
            "doc-classification", "--train", bad, "--test", bad, "--train-lang", "en", "--test-lang", "de",
            "--checkpoint", "c.pt", "--data", "d",
        ])  # fmt: skip
    assert exit_info.value.code == 2
    assert f"{bad}:2: expected 'LABEL<TAB>document text'" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["empty_file", "bad_columns", "unknown_encoding", "missing_output_dir",
                                  "corrupt_checkpoint", "missing_checkpoint"])
def test_user_errors_are_one_message_and_no_traceback(tmp_path, capsys, case):
    """Every user error of xling-eval tagging ends in exit status 2 and one line naming the problem."""
    good = write_lines(tmp_path / "ok.conll", ["Jan B-PER", "loopt O"])
    checkpoint = tmp_path / "model.pt"
    checkpoint.write_bytes(b"\x80\x02 truncated")
    args = {"--input": good, "--checkpoint": str(checkpoint)}
    extra, expected = [], None
    if case == "empty_file":
        args["--input"] = write_lines(tmp_path / "empty.conll", [])
        expected = "empty.conll"
    elif case == "bad_columns":
        args["--input"] = write_lines(tmp_path / "bad.conll", ["Jan B-PER", "one two three four five"])
        expected = "bad.conll:2"
    elif case == "unknown_encoding":
        extra, expected = ["--encoding", "klingon"], "--encoding 'klingon': not a known text encoding"
    elif case == "missing_output_dir":
        extra, expected = ["--output", str(tmp_path / "no" / "such" / "r.tsv")], f"{tmp_path}/no/such does not exist"
    elif case == "corrupt_checkpoint":
        expected = "model.pt: not a readable fairseq checkpoint"
    else:
        args["--checkpoint"], expected = str(tmp_path / "nothing.pt"), "nothing.pt: no such checkpoint file"
    argv = ["tagging", "--format", "conll2002", "--lang", "nl", *[x for kv in args.items() for x in kv], *extra]
    code, out, err = run_main(capsys, *argv)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert expected in err and out == ""


def test_output_tables_are_written_whole(tmp_path, monkeypatch):
    """A failure while writing leaves no half-written table behind."""
    path = tmp_path / "r.tsv"

    class Boom(dict):
        def keys(self):
            raise OSError("disk full")

    with pytest.raises(OSError):
        cli.write_tsv(str(path), [{"a": 1}, Boom()])
    assert os.listdir(tmp_path) == []
    cli.write_tsv(str(path), [{"a": 1, "b": 2}])
    assert path.read_text() == "a\tb\n1\t2\n" and os.listdir(tmp_path) == ["r.tsv"]


NER_TAGS = ["O", "B-PER", "I-PER", "E-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "S-LOC"]


def test_tag_sets_with_nothing_in_common_stop_the_evaluation():
    """An NER model scored on a UPOS file would report accuracy 0.0 and exit 0."""
    with pytest.raises(cli.InputError, match=r"dev.conllu: its tags \(DET, NOUN\) and the model's .* nothing in"):
        cli.check_tag_sets("dev.conllu", [["DET", "NOUN"]], NER_TAGS, spans=False)
    with pytest.raises(cli.InputError, match=r"its entity types \(MISC, ORG\)"):
        cli.check_tag_sets("x.conll", [["B-ORG", "O", "B-MISC"]], NER_TAGS, spans=True)


def test_tags_the_model_cannot_predict_are_counted_in_a_warning(capsys):
    # IOB2 gold against a BIOES model: entity types compare, whatever the scheme
    cli.check_tag_sets("a.conll", [["B-PER", "I-PER", "O"], ["B-LOC"]], NER_TAGS, spans=True)
    assert capsys.readouterr().err == ""
    cli.check_tag_sets("a.conll", [["B-PER", "B-ORG", "I-ORG"], ["B-ORG"]], NER_TAGS, spans=True)
    assert "entity types the model cannot predict: ORG (3)" in capsys.readouterr().err


def test_sentence_files_break_lines_at_lf_only(tmp_path):
    """A CR inside a line is a space, as the pipelines read it, so line numbers agree with theirs."""
    path = tmp_path / "de.txt"
    path.write_bytes(b"eins\rzwei\r\ndrei\n\nvier\n")
    assert cli.count_lines(str(path)) == 4
    with pytest.raises(cli.InputError, match=r"de.txt:3: empty line"):
        cli.read_sentences(str(path))
    assert cli.read_sentences(str(path), max_sentences=2) == ["eins zwei", "drei"]
