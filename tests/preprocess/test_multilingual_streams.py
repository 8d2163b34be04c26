"""preprocess/multilingual.sh beside its pairs: word-level data (--subword none), quick-thought triplets (--qt),
response pairs (--response) and NLI pairs (--nli) in one data-bin; the streams decoded back through the
dictionaries, aligned with their inputs; bad lines stop with FILE:LINE; re-runs; the stream binariser against
fairseq-preprocess."""
import json
import os

import pytest
import torch
from fairseq.data import Dictionary, data_utils

from fairseq_xling.data.text_encoder import RawTextEncoder, portable_metadata
from fairseq_xling.text import multilingual
from tests.utils_text import run_multilingual, synthetic_pairs, write_lines

# two documents of English (the second has a blank-only line and two blank lines before it), one too short
QT = ["The house is big.", "The cat sleeps.", "The dog barks.", "A tree grows.", "", " \t", "",
      "It is green.", "It is small.", "It is red.", "", "Only one."]
QT_DOCS = [["The house is big.", "The cat sleeps.", "The dog barks.", "A tree grows."],
           ["It is green.", "It is small.", "It is red."], ["Only one."]]
VALID_QT = ["The street is nice.", "The cat is purple.", "The dog is small.", "", "Two.", "Three."]
RSP = ["How big is the house?\tThe house is big.", "Where is the cat?\tOver the street.",
       "Is the dog tired?\tThe dog is tired."]
NLI = ["A cat sleeps.\tAn animal sleeps.\tENTAILMENT", "A dog barks.\tA cat sleeps.\tcontradiction",
       "A tree grows.\tA big tree grows.\tNeutral", "The house is red.\tThe house has a colour.\tentailment"]
VALID_NLI = ["A dog sleeps.\tA dog rests.\tneutral"]
LABEL_IDS = {"entailment": 4, "neutral": 5, "contradiction": 6}  # after fairseq's 4 special symbols


def make_inputs(directory):
    os.makedirs(directory, exist_ok=True)
    pairs = synthetic_pairs(12, seed=0)
    raw = {"train.de": [" ".join(de).capitalize() + "." for de, _ in pairs],
           "train.en": [" ".join(en).capitalize() + "." for _, en in pairs],
           "qt.en": QT, "valid_qt.en": VALID_QT, "rsp.en": RSP, "nli.en": NLI, "valid_nli.en": VALID_NLI,
           "qt.de": ["Das Haus ist groß.", "Die Katze schläft.", "Der Hund bellt.", "Ein Baum wächst."]}
    return {name: write_lines(os.path.join(directory, name), lines) for name, lines in raw.items()}


def stream_args(paths):
    return ["--train", "de-en", paths["train.de"], paths["train.en"],
            "--qt", "en", paths["qt.en"], "--qt", "de", paths["qt.de"], "--valid-qt", "en", paths["valid_qt.en"],
            "--response", "en", paths["rsp.en"], "--nli", "en", paths["nli.en"],
            "--valid-nli", "en", paths["valid_nli.en"]]


@pytest.fixture(scope="module")
def word_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("streams")
    paths = make_inputs(base / "in")
    dest = base / "out" / "bin"
    result = run_multilingual("--dest", dest, "--subword", "none", "--lowercase", *stream_args(paths))
    assert result.returncode == 0, result.stderr
    return dest, paths, result


def decode(dest, name, dict_file):
    dictionary = Dictionary.load(str(dest / dict_file))
    dataset = data_utils.load_indexed_dataset(str(dest / name), dictionary, dataset_impl="mmap")
    return dictionary, [dataset[k] for k in range(len(dataset))]


def words(dest, name, lang):
    dictionary, items = decode(dest, name, f"dict.{lang}.txt")
    return [dictionary.string(item) for item in items]


def test_word_level_layout_and_metadata(word_run):
    dest, _, result = word_run
    streams = {f"{split}.qt.{role}.{lang}" for split, lang in (("train", "en"), ("train", "de"), ("valid", "en"))
               for role in ("prev", "cur", "next")}
    streams |= {"train.rsp.input.en", "train.rsp.response.en"}
    streams |= {f"{split}.nli.{role}.en" for split in ("train", "valid") for role in ("premise", "hypothesis", "label")}
    expected = {"preprocess.json", "request.txt", "train_fingerprints.npz", "text", "dict.de.txt", "dict.en.txt",
                "dict.nli_label.txt"}
    expected |= {f"train.de-en.{lang}.{ext}" for lang in ("de", "en") for ext in ("bin", "idx")}
    expected |= {f"{name}.{ext}" for name in streams for ext in ("bin", "idx")}
    assert set(os.listdir(dest)) == expected
    meta = json.loads((dest / "preprocess.json").read_text())
    assert (meta["subword"], meta["bpe"], meta["tokenizer"], meta["lowercase"]) == ("none", "none", "moses", True)
    assert "bpe_model" not in meta and "sampling" not in meta
    assert set(meta["streams"]) == streams
    assert meta["streams"]["train.nli.label.en"] == "dict.nli_label.txt"
    assert meta["streams"]["train.qt.cur.de"] == "dict.de.txt"
    counts = meta["counts"]
    assert counts["qt.en"] == {
        "train": 3, "train_documents": 3, "train_sentences": 8, "train_short_documents": 1,
        "valid": 1, "valid_documents": 2, "valid_sentences": 5, "valid_short_documents": 1,
        "dropped_empty": 0, "dropped_long": 0, "valid_long": 0, "valid_in_train": 0}
    assert counts["qt.de"]["train"] == 2
    assert counts["rsp.en"]["train"] == 3 and counts["rsp.en"]["valid"] == 0
    assert counts["nli.en"]["labels"] == {"train": {"entailment": 2, "neutral": 1, "contradiction": 1},
                                          "valid": {"entailment": 0, "neutral": 1, "contradiction": 0}}
    # one dictionary per language, each over its own training text: pairs and streams
    en = {line.split()[0] for line in (dest / "dict.en.txt").read_text().splitlines()}
    de = {line.split()[0] for line in (dest / "dict.de.txt").read_text().splitlines()}
    assert {"house", "tree", "grows", "green", "colour", "?", "."} <= en and "haus" not in en
    assert {"haus", "baum", "wächst"} <= de and "tree" not in de
    assert "colour" in en and "rests" not in en  # valid text is not in the dictionary
    assert "3 triplets from 3 documents (1 with fewer than 3 sentences give none)" in result.stderr


def test_qt_triplets_follow_the_documents(word_run):
    dest, _, _ = word_run
    tokenizer = RawTextEncoder("en", portable_metadata(str(dest)))
    expected = [(doc[i - 1], doc[i], doc[i + 1]) for doc in QT_DOCS for i in range(1, len(doc) - 1)]
    assert len(expected) == 3
    got = list(zip(*(words(dest, f"train.qt.{role}.en", "en") for role in ("prev", "cur", "next"))))
    assert got == [tuple(tokenizer(s) for s in triplet) for triplet in expected]
    assert got[0] == ("the house is big .", "the cat sleeps .", "the dog barks .")
    valid = list(zip(*(words(dest, f"valid.qt.{role}.en", "en") for role in ("prev", "cur", "next"))))
    assert valid == [("the street is nice .", "the cat is <unk> .", "the dog is small .")]
    # the text kept in text/ is what was binarised
    assert (dest / "text" / "train.qt.cur.en").read_text().splitlines() == [t[1] for t in got]


def test_response_and_nli_streams_are_aligned(word_run):
    dest, _, _ = word_run
    tokenizer = RawTextEncoder("en", portable_metadata(str(dest)))
    assert words(dest, "train.rsp.input.en", "en") == [tokenizer(line.split("\t")[0]) for line in RSP]
    assert words(dest, "train.rsp.response.en", "en") == [tokenizer(line.split("\t")[1]) for line in RSP]
    assert words(dest, "train.nli.premise.en", "en") == [tokenizer(line.split("\t")[0]) for line in NLI]
    assert words(dest, "train.nli.hypothesis.en", "en") == [tokenizer(line.split("\t")[1]) for line in NLI]
    labels, items = decode(dest, "train.nli.label.en", "dict.nli_label.txt")
    assert [labels[k] for k in range(labels.nspecial, len(labels))] == ["entailment", "neutral", "contradiction"]
    assert [item.tolist() for item in items] == [[LABEL_IDS[line.split("\t")[2].lower()], labels.eos()]
                                                 for line in NLI]
    # fairseq's sentence_prediction reads labels as id - nspecial after stripping </s>: 0, 1, 2
    assert [int(item[0]) - labels.nspecial for item in items] == [0, 2, 1, 0]
    _, valid = decode(dest, "valid.nli.label.en", "dict.nli_label.txt")
    assert [int(item[0]) for item in valid] == [LABEL_IDS["neutral"]]


def test_the_hub_reads_word_level_text_like_the_pipeline(word_run):
    dest, paths, _ = word_run
    meta = portable_metadata(str(dest))
    assert "bpe_model_b64" not in meta
    encoder = RawTextEncoder("de", meta)
    with open(paths["train.de"], encoding="utf-8") as f:
        raw = f.read().splitlines()
    assert [encoder(line) for line in raw] == (dest / "text" / "train.de-en.de").read_text().splitlines()
    assert encoder("Das Haus.") == "das haus ."


def test_rerun_is_a_no_op_and_a_changed_request_is_refused(word_run):
    dest, paths, _ = word_run
    before = {name: os.path.getmtime(dest / name) for name in os.listdir(dest)}
    again = run_multilingual("--dest", dest, "--subword", "none", "--lowercase", *stream_args(paths))
    assert again.returncode == 0 and "nothing to do" in again.stderr
    changed = run_multilingual("--dest", dest, "--subword", "none", *stream_args(paths))
    assert changed.returncode == 1 and "made by another request" in changed.stderr
    assert {name: os.path.getmtime(dest / name) for name in os.listdir(dest)} == before


def test_the_stream_binariser_writes_what_fairseq_preprocess_writes(word_run, tmp_path):
    from fairseq import options
    from fairseq_cli import preprocess

    dest, _, _ = word_run
    for name, dict_file in (("train.qt.prev.en", "dict.en.txt"), ("train.nli.label.en", "dict.nli_label.txt")):
        prefix = str(dest / "text" / name.rsplit(".", 1)[0])
        parser = options.get_preprocessing_parser()
        args = parser.parse_args(["--only-source", "--source-lang", name.rsplit(".", 1)[1], "--trainpref", prefix,
                                  "--srcdict", str(dest / dict_file), "--destdir", str(tmp_path / name),
                                  "--dataset-impl", "mmap", "--workers", "1"])
        preprocess.main(args)
        made = [f for f in os.listdir(tmp_path / name) if f.endswith(".bin")]
        assert len(made) == 1
        for ext in ("bin", "idx"):
            theirs = (tmp_path / name / made[0].replace(".bin", f".{ext}")).read_bytes()
            assert (dest / f"{name}.{ext}").read_bytes() == theirs, (name, ext)


# ---------------------------------------------------------------------------------------------------
# The prepare step in this process: bad lines, options, sub-words over the streams


def _prepare(tmp_path, *args):
    out = tmp_path / "work"
    code = multilingual.main(["prepare", *map(str, args), "--out-dir", str(out)])
    return code, out


BAD = [
    ("rsp.en", "--response", ["Hi.\tHello.", "no tab here"], "rsp.en:2: 0 TAB(s); expected input<TAB>response"),
    ("rsp.en", "--response", ["Hi.\tHello.\textra"], "rsp.en:1: 2 TAB(s); expected input<TAB>response"),
    ("rsp.en", "--response", ["Hi.\t  "], "rsp.en:1: empty response; expected input<TAB>response"),
    ("rsp.en", "--valid-response", ["", "a\tb"], "rsp.en:1: 0 TAB(s)"),
    ("nli.en", "--nli", ["A.\tB.\tentailment", "A.\tB.\tmaybe"],
     "nli.en:2: label 'maybe'; expected one of entailment, neutral, contradiction"),
    ("nli.en", "--nli", ["A.\tB."], "nli.en:1: 1 TAB(s); expected premise<TAB>hypothesis<TAB>label"),
    ("nli.en", "--nli", ["\tB.\tneutral"], "nli.en:1: empty premise"),
    ("qt.en", "--qt", ["", "  "], "qt.en:1: only blank lines; expected documents"),
    ("qt.en", "--qt", ["One.", "Two."], "no train triplets (documents of 3 or more sentences) left"),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_stream_lines_stop_with_file_and_line(tmp_path, capsys, case):
    name, option, lines, expected = BAD[case]
    path = write_lines(tmp_path / name, lines)
    extra = ["--qt", "en", write_lines(tmp_path / "ok.en", QT)] if option.startswith("--valid") else []
    code, out = _prepare(tmp_path, "--subword", "none", "--tokenizer", "none", *extra, option, "en", path)
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and err[-1].startswith("error: ") and expected in err[-1], err
    assert not (out / "preprocess.json").exists()


def test_bad_options_stop_prepare(tmp_path, capsys):
    qt = write_lines(tmp_path / "qt.en", QT)
    for args, expected in (
        (["--valid-qt", "de", qt, "--qt", "en", qt], "--valid-qt de"),
        (["--valid-qt", "en", qt], "no training text"),
        (["--qt", "english", qt], "'english' is not a language code"),
        (["--qt", "en", qt, "--joined"], "--joined with --subword spm"),
    ):
        code, out = _prepare(tmp_path, *args)
        err = capsys.readouterr().err.splitlines()
        assert code == 1 and expected in err[-1], (args, err)


def test_sub_words_learn_from_the_streams_and_long_items_are_dropped(tmp_path):
    """--subword bpe without --train: the streams alone are the training text; --max-len drops training triplets and
    pairs with an over-long sentence (counted, line numbers), keeps valid ones."""
    long = " ".join(["word"] * 40) + "."
    qt = write_lines(tmp_path / "qt.en", QT[:4] + [long, "The end.", "", "One.", "Two.", "Three."])
    rsp = write_lines(tmp_path / "rsp.en", RSP + [f"{long}\tShort."])
    vrsp = write_lines(tmp_path / "vrsp.en", ["Brief.\t" + " ".join(["words"] * 40)])
    code, out = _prepare(tmp_path, "--subword", "bpe", "--vocab-size", 30, "--max-len", 20, "--qt", "en", qt,
                         "--response", "en", rsp, "--valid-response", "en", vrsp)
    assert code == 0
    meta = json.loads((out / "preprocess.json").read_text())
    assert meta["pairs"] == [] and meta["langs"] == ["en"] and meta["bpe"] == "subword_nmt"
    # document 1: 6 sentences -> 4 triplets, 2 of them hold the long sentence (line 5); document 2: 1 triplet
    assert meta["counts"]["qt.en"]["train"] == 3 and meta["counts"]["qt.en"]["dropped_long"] == 2
    assert meta["counts"]["rsp.en"] == {"train": 3, "valid": 1, "dropped_empty": 0, "dropped_long": 1,
                                        "valid_long": 1, "valid_in_train": 0}
    cur = (out / "text" / "train.qt.cur.en").read_text().splitlines()
    assert len(cur) == 3 and all(len(line.split()) <= 20 for line in cur) and any("@@" in line for line in cur)
    assert [i["dropped_long"] for i in meta["inputs"]] == [2, 1, 0]


def test_the_dual_encoder_objectives_read_the_streams(word_run):
    """The pipeline's data-bin feeds every objective of the dual encoder: one batch each, scored by its
    criterion, with the labels and roles the pipeline meant."""
    from tests.utils import build_in_process, first_batches

    dest = word_run[0]
    _, task, model, criterion = build_in_process(
        str(dest), "/tmp/unused", arch="xling_dual_encoder_tiny",
        objectives="ranking:de-en,quick_thought:en,quick_thought:de,response:en,nli:en")
    seen = {}
    for batch in first_batches(task, max_sentences=4):
        loss, size, log = criterion(model, batch)
        assert torch.isfinite(loss) and size > 0
        seen[batch["objective"]] = batch
    assert set(seen) == {"ranking_de-en", "quick_thought_en", "quick_thought_de", "response_en", "nli_en"}
    assert [side["role"] for side in seen["quick_thought_en"]["candidate_inputs"]] == ["prev", "next"]
    labels = {"entailment": 0, "neutral": 1, "contradiction": 2}
    nli = seen["nli_en"]
    assert nli["target"].tolist() == [labels[NLI[i].split("\t")[2].lower()] for i in nli["id"].tolist()]
