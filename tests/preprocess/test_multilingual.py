"""preprocess/multilingual.sh: temperature sampling against its formula, end to end on tiny 3-language corpora
(SentencePiece and subword-nmt), the hub's sub-word encoder against the training text, bad inputs, and a smoke
run on the first lines of the real LibreOffice help corpus when it is present."""
import json
import os

import numpy as np
import pytest
from fairseq.data import Dictionary, data_utils

from fairseq_xling.data.text_encoder import RawTextEncoder, portable_metadata
from fairseq_xling.text import multilingual
from fairseq_xling.text.multilingual import sample_counts, sample_lines, sampling_probabilities
from tests.utils_text import (MULTILINGUAL_SH, REPO, finish_script, run_multilingual, start_script,
                              synthetic_pairs, write_lines)

EN_FR = {
    "house": "maison", "cat": "chat", "dog": "chien", "big": "grand", "small": "petit", "red": "rouge",
    "green": "vert", "tree": "arbre", "street": "rue", "over": "sur", "tired": "fatigué", "nice": "beau",
}
LONG = " ".join(["haus katze hund baum"] * 30) + "."  # 120 words: over --max-len 60 in any segmentation
LONG_EN = " ".join(["house cat dog tree"] * 30) + "."
DATA = os.environ.get("XLING_DATA", os.path.join(REPO, "..", "shared", "data"))


# ---------------------------------------------------------------------------------------------------
# Temperature sampling


def test_temperature_one_samples_in_proportion():
    probs = sampling_probabilities({"de": 100, "en": 300, "fr": 600}, 1.0)
    assert probs == pytest.approx({"de": 0.1, "en": 0.3, "fr": 0.6})


def test_a_high_temperature_approaches_uniform():
    probs = sampling_probabilities({"de": 100, "en": 300, "fr": 600}, 1e6)
    assert probs == pytest.approx({"de": 1 / 3, "en": 1 / 3, "fr": 1 / 3}, abs=1e-5)


def test_temperature_five_against_the_formula():
    sizes = {"de": 1000, "en": 9000}
    probs = sampling_probabilities(sizes, 5.0)
    # q = (0.1, 0.9); q ** (1/5) = (0.630957, 0.979148); normalised by their sum 1.610105
    assert probs == pytest.approx({"de": 0.391873, "en": 0.608127}, abs=1e-6)
    sizes = {"de": 120, "en": 4000, "es": 35, "nl": 800}
    total = sum(sizes.values())
    weights = {lang: (n / total) ** 0.2 for lang, n in sizes.items()}
    expected = {lang: w / sum(weights.values()) for lang, w in weights.items()}
    assert sampling_probabilities(sizes, 5.0) == pytest.approx(expected, rel=1e-12)
    # a higher temperature moves weight from the large language to the small ones
    assert probs["de"] > 0.1 and sampling_probabilities(sizes, 5.0)["es"] > sampling_probabilities(sizes, 2.0)["es"]


@pytest.mark.parametrize("sizes,temperature", [({"de": 0, "en": 3}, 1.0), ({"de": 3}, 0.0), ({}, 1.0)])
def test_sampling_probabilities_reject_bad_arguments(sizes, temperature):
    with pytest.raises(ValueError):
        sampling_probabilities(sizes, temperature)


def test_sample_counts_round_p_times_total():
    probs = sampling_probabilities({"de": 1000, "en": 9000}, 5.0)
    assert sample_counts(probs, 10000) == {"de": 3919, "en": 6081}
    assert sample_counts({"a": 0.25, "b": 0.75}, 6) == {"a": 2, "b": 4}  # round(1.5) = 2, round(4.5) = 4


def test_sample_lines_without_and_with_replacement():
    lines = [f"line {k}" for k in range(10)]
    few = sample_lines(lines, 4, np.random.default_rng(1))
    assert len(few) == 4 and len(set(few)) == 4 and set(few) <= set(lines)
    assert few == sorted(few, key=lines.index)  # input order kept
    assert few == sample_lines(lines, 4, np.random.default_rng(1))  # seeded
    assert sorted(sample_lines(lines, 10, np.random.default_rng(1))) == sorted(lines)
    many = sample_lines(lines, 23, np.random.default_rng(1))  # every line twice, 3 more once
    counts = {line: many.count(line) for line in lines}
    assert len(many) == 23 and sorted(counts.values()) == [2] * 7 + [3] * 3


# ---------------------------------------------------------------------------------------------------
# End to end on tiny corpora: de-en (60 pairs, German line 5 empty, line 7 over-long; 10 valid pairs, line 3
# over-long) and fr-en (30 pairs, French in ISO-8859-1); the English of fr-en repeats the first 30 of de-en.


def make_corpora(directory):
    """Write the corpora; returns {name: path} and the raw lines {name: [...]}."""
    os.makedirs(directory, exist_ok=True)
    raw = {}
    pairs = synthetic_pairs(60, seed=0)
    raw["train.de"] = [" ".join(de).capitalize() + "." for de, _ in pairs]
    raw["train.en"] = [" ".join(en).capitalize() + "." for _, en in pairs]
    raw["train.de"][4] = ""
    raw["train.de"][6], raw["train.en"][6] = LONG, LONG_EN
    valid = synthetic_pairs(10, seed=1)
    raw["valid.de"] = [" ".join(de).capitalize() + "." for de, _ in valid]
    raw["valid.en"] = [" ".join(en).capitalize() + "." for _, en in valid]
    raw["valid.de"][2], raw["valid.en"][2] = LONG, LONG_EN
    raw["fr.fr"] = [" ".join(EN_FR[w] for w in en).capitalize() + "." for _, en in synthetic_pairs(30, seed=0)]
    raw["fr.en"] = [" ".join(en).capitalize() + "." for _, en in synthetic_pairs(30, seed=0)]
    paths = {name: write_lines(os.path.join(directory, name), lines, "latin-1" if name == "fr.fr" else "utf-8")
             for name, lines in raw.items()}
    return paths, raw


def corpus_args(paths):
    return ["--train", "de-en", paths["train.de"], paths["train.en"],
            "--train", "fr-en", paths["fr.fr"], paths["fr.en"],
            "--valid", "de-en", paths["valid.de"], paths["valid.en"],
            "--encoding", f"{paths['fr.fr']}=latin-1"]


def smoke_inputs(directory):
    """The first 300 train / 50 valid lines of LibreOffice help de and en (None when the corpus is absent)."""
    corpus = os.path.join(DATA, "libreoffice_help")
    if not os.path.isfile(os.path.join(corpus, "train.de")):
        return None
    os.makedirs(directory, exist_ok=True)
    heads = {}
    for split, n in (("train", 300), ("valid", 50)):
        for lang in ("de", "en"):
            with open(os.path.join(corpus, f"{split}.{lang}"), encoding="utf-8") as f:
                lines = [next(f).rstrip("\n") for _ in range(n)]
            heads[f"{split}.{lang}"] = write_lines(os.path.join(directory, f"{split}.{lang}"), lines)
    return heads


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The end-to-end runs, started together so that they overlap on two cores (each is mostly start-up).

    ``spm`` and ``bpe``: (dest, paths, raw lines, CompletedProcess) on the tiny corpora; ``smoke``: (dest, heads,
    CompletedProcess) on the LibreOffice help lines, or None without the corpus.
    """
    base = tmp_path_factory.mktemp("runs")
    options = {"spm": ["--vocab-size", 60], "bpe": ["--vocab-size", 40, "--lowercase"]}
    started, inputs = {}, {}
    for subword, extra in options.items():
        paths, raw = make_corpora(base / subword / "in")
        dest = base / subword / "out" / "bin"
        inputs[subword] = (dest, paths, raw)
        started[subword] = start_script(MULTILINGUAL_SH, "--dest", dest, "--subword", subword, "--max-len", 60,
                                        *corpus_args(paths), *extra, log_dir=base / subword / "log")
    heads = smoke_inputs(base / "smoke" / "in")
    if heads is not None:
        dest = base / "smoke" / "bin"
        inputs["smoke"] = (dest, heads)
        started["smoke"] = start_script(
            MULTILINGUAL_SH, "--dest", dest, "--vocab-size", 400, "--no-text", "--workers", 1,
            "--train", "de-en", heads["train.de"], heads["train.en"], "--valid", "de-en", heads["valid.de"],
            heads["valid.en"], log_dir=base / "smoke" / "log")
    results = {name: (*inputs[name], finish_script(job)) for name, job in started.items()}
    results.setdefault("smoke", None)
    return results


@pytest.fixture(scope="module")
def spm_run(runs):
    result = runs["spm"][-1]
    assert result.returncode == 0, result.stderr
    return runs["spm"]


@pytest.fixture(scope="module")
def bpe_run(runs):
    result = runs["bpe"][-1]
    assert result.returncode == 0, result.stderr
    return runs["bpe"]


def layout(langs, pairs_with_valid, pairs_without_valid, model_files):
    names = {"preprocess.json", "request.txt", "train_fingerprints.npz", "text", *model_files}
    names |= {f"dict.{lang}.txt" for lang in langs}
    for pair in pairs_with_valid + pairs_without_valid:
        splits = ("train", "valid") if pair in pairs_with_valid else ("train",)
        for split in splits:
            for lang in pair.split("-"):
                names |= {f"{split}.{pair}.{lang}.bin", f"{split}.{pair}.{lang}.idx"}
    return names


def text_lines(dest, name):
    return (dest / "text" / name).read_text(encoding="utf-8").splitlines()


def assert_binaries_decode_to_text(dest, pair, split):
    for lang in pair.split("-"):
        dictionary = Dictionary.load(str(dest / f"dict.{lang}.txt"))
        dataset = data_utils.load_indexed_dataset(str(dest / f"{split}.{pair}.{lang}"), dictionary,
                                                  dataset_impl="mmap")
        expected = [" ".join(t if dictionary.index(t) != dictionary.unk() else "<unk>" for t in line.split())
                    for line in text_lines(dest, f"{split}.{pair}.{lang}")]
        assert len(dataset) == len(expected)
        assert [dictionary.string(dataset[k]) for k in range(len(dataset))] == expected


def kept(raw_lines, dropped_linenos):
    return [line for k, line in enumerate(raw_lines, start=1) if k not in dropped_linenos]


@pytest.mark.parametrize("run", ["spm_run", "bpe_run"])
def test_layout_dictionaries_and_binaries(run, request):
    dest, _, _, _ = request.getfixturevalue(run)
    model = {"spm_run": ["spm.model", "spm.vocab"], "bpe_run": ["bpe.codes"]}[run]
    assert set(os.listdir(dest)) == layout(["de", "en", "fr"], ["de-en"], ["fr-en"], model)
    assert sorted(os.listdir(dest / "text")) == sorted(
        f"{split}.{pair}.{lang}" for split, pair in (("train", "de-en"), ("valid", "de-en"), ("train", "fr-en"))
        for lang in pair.split("-"))
    dicts = {lang: (dest / f"dict.{lang}.txt").read_text() for lang in ("de", "en", "fr")}
    assert dicts["de"] == dicts["en"] == dicts["fr"]
    # it ends with the target-language tokens of xling_mmte, which no text contains
    assert [line.split()[0] for line in dicts["de"].splitlines()[-3:]] == ["<2de>", "<2en>", "<2fr>"]
    for split, pair in (("train", "de-en"), ("valid", "de-en"), ("train", "fr-en")):
        assert_binaries_decode_to_text(dest, pair, split)
    assert not [name for name in os.listdir(dest.parent) if name.startswith(".bin.tmp")]


def test_spm_metadata_counts_and_sampling(spm_run):
    dest, _, raw, result = spm_run
    meta = json.loads((dest / "preprocess.json").read_text())
    assert list(meta)[0] == "pipeline" and meta["pipeline"] == "multilingual"
    assert meta["langs"] == ["de", "en", "fr"] and meta["pairs"] == ["de-en", "fr-en"]
    assert (meta["tokenizer"], meta["lowercase"], meta["bpe"], meta["bpe_model"]) == (
        "none", False, "sentencepiece", "spm.model")
    assert (meta["vocab_size"], meta["character_coverage"], meta["spm_model_type"]) == (60, 1.0, "unigram")
    assert (meta["sample_temperature"], meta["max_len"], meta["min_count"], meta["seed"]) == (5.0, 60, 1, 1)
    # valid pairs with a side among the kept training lines (the over-long valid pair is train line 7, dropped)
    final_de, final_en = set(kept(raw["train.de"], {5, 7})), set(kept(raw["train.en"], {5, 7})) | set(raw["fr.en"])
    in_train = sum(de in final_de or en in final_en for de, en in zip(raw["valid.de"], raw["valid.en"]))
    assert meta["counts"] == {
        "de-en": {"train": 58, "valid": 10, "dropped_empty": 1, "dropped_long": 1, "valid_long": 1,
                  "valid_in_train": in_train},
        "fr-en": {"train": 30, "valid": 0, "dropped_empty": 0, "dropped_long": 0, "valid_long": 0,
                  "valid_in_train": 0},
    }
    assert "dropped 1 pairs with an empty side" in result.stderr and "(lines 5)" in result.stderr
    assert "longer than 60 sub-words" in result.stderr and "(lines 7)" in result.stderr
    assert "valid pairs are never dropped" in result.stderr and "(lines 3)" in result.stderr
    assert [(i["split"], i["pair"], i["lines"], i["kept"], i["dropped_empty"], i["dropped_long"], i["tgt_encoding"],
             i["src_encoding"]) for i in meta["inputs"]] == [
        ("train", "de-en", 60, 58, 1, 1, "utf-8", "utf-8"), ("train", "fr-en", 30, 30, 0, 0, "utf-8", "latin-1"),
        ("valid", "de-en", 10, 10, 0, 0, "utf-8", "utf-8")]
    # D_l: distinct non-empty training lines; English of fr-en repeats de-en's (line 5 is only in fr-en's)
    sizes = {"de": len(set(kept(raw["train.de"], {5}))),
             "en": len(set(kept(raw["train.en"], {5})) | set(raw["fr.en"])),
             "fr": len(set(raw["fr.fr"]))}
    probs = sampling_probabilities(sizes, 5.0)
    total = sum(sizes.values())
    assert meta["sampling"] == {lang: {"lines": sizes[lang], "prob": round(probs[lang], 6),
                                       "sampled": round(probs[lang] * total)} for lang in sizes}
    assert meta["subword_sample_lines"] == sum(round(probs[lang] * total) for lang in sizes)
    assert meta["dictionary_size"] == len((dest / "dict.de.txt").read_text().splitlines())
    # the French side was read as ISO-8859-1
    assert any("é" in line for line in text_lines(dest, "train.fr-en.fr"))


def test_bpe_metadata_and_moses(bpe_run):
    dest, _, _, _ = bpe_run
    meta = json.loads((dest / "preprocess.json").read_text())
    assert (meta["tokenizer"], meta["lowercase"], meta["bpe"], meta["bpe_model"], meta["vocab_size"]) == (
        "moses", True, "subword_nmt", "bpe.codes", 40)
    assert "character_coverage" not in meta
    assert meta["counts"]["de-en"]["train"] == 58 and meta["counts"]["fr-en"]["train"] == 30
    train_de = text_lines(dest, "train.de-en.de")
    assert train_de[0] == train_de[0].lower() and train_de[0].endswith(" .")  # Moses split off the stop
    assert any("@@" in line for line in train_de)


@pytest.mark.parametrize("run", ["spm_run", "bpe_run"])
def test_the_hub_encoder_gives_the_training_text(run, request):
    """RawTextEncoder (fairseq's registered encoders, from the data-bin's metadata) on raw lines == text/."""
    dest, _, raw, _ = request.getfixturevalue(run)
    meta = portable_metadata(str(dest))
    for lang, raw_lines, name in (("de", kept(raw["train.de"], {5, 7}), "train.de-en.de"),
                                  ("en", kept(raw["train.en"], {5, 7}), "train.de-en.en"),
                                  ("fr", raw["fr.fr"], "train.fr-en.fr"),
                                  ("en", raw["valid.en"], "valid.de-en.en")):
        encoder = RawTextEncoder(lang, meta)
        assert [encoder(line) for line in raw_lines] == text_lines(dest, name), (run, name)


def test_a_second_run_is_a_no_op(spm_run):
    dest, paths, _, _ = spm_run
    before = {name: os.path.getmtime(dest / name) for name in os.listdir(dest)}
    again = run_multilingual("--dest", dest, "--subword", "spm", "--max-len", 60, *corpus_args(paths),
                             "--vocab-size", 60)
    assert again.returncode == 0 and "nothing to do" in again.stderr
    assert {name: os.path.getmtime(dest / name) for name in os.listdir(dest)} == before


# ---------------------------------------------------------------------------------------------------
# Bad inputs and options: exit 1, a message naming the file (and line) or the option, no DEST. Each run of the
# script that reaches Python costs a fairseq import (the package imports its components), so the script runs
# for bad line counts (Python's error, through the script's clean-up) and for the options it checks itself; the
# other checks of the Python half run in this process, through the entry point the script calls.


def _script_cases(tmp_path):
    """(description, arguments, strings expected in stderr)."""
    paths, _ = make_corpora(tmp_path / "in")
    short = write_lines(tmp_path / "in" / "short.en", ["A house.", "A cat."])
    de, en = paths["train.de"], paths["train.en"]
    base = ["--train", "de-en", de, en]
    return [
        ("line counts", ["--train", "de-en", de, short], [f"{short}:3: missing line 3", f"{short} has 2 lines"]),
        ("missing file", ["--train", "de-en", de, str(tmp_path / "nope.en")], ["nope.en: no such file"]),
        ("encoding without =", base + ["--encoding", "latin-1"], ["expected FILE=ENCODING"]),
        ("subword", base + ["--subword", "wordpiece"], ["--subword wordpiece: expected spm, bpe or none"]),
        ("temperature 0", base + ["--sample-temperature", "0"], ["expected a positive number"]),
        ("temperature -1", base + ["--sample-temperature", "-1"], ["expected a positive number"]),
        ("temperature abc", base + ["--sample-temperature", "abc"], ["expected a positive number"]),
        ("workers 0", base + ["--workers", "0"], ["--workers 0: expected an integer >= 1"]),
        ("max-len", base + ["--max-len", "-3"], ["--max-len -3: expected a non-negative integer"]),
        ("vocab size", base + ["--vocab-size", "0"], ["--vocab-size 0: expected an integer >= 1"]),
        ("coverage", base + ["--character-coverage", "1.5"], ["expected a number in (0, 1]"]),
        ("tokenizer", base + ["--tokenizer", "spacy"], ["--tokenizer spacy: expected moses"]),
    ]


SCRIPT_CASES = 12


def test_the_script_case_list_is_complete(tmp_path):
    assert len(_script_cases(tmp_path)) == SCRIPT_CASES


@pytest.mark.parametrize("case", range(SCRIPT_CASES))
def test_bad_input_stops_the_script(tmp_path, case):
    description, args, expected = _script_cases(tmp_path)[case]
    dest = tmp_path / "out" / "bin"
    result = run_multilingual("--dest", dest, *args)
    assert result.returncode == 1, (description, result.stderr)
    for text in expected:
        assert text in result.stderr, (description, result.stderr)
    assert "Traceback" not in result.stderr
    assert not dest.exists()
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")


def _prepare_cases(tmp_path):
    paths, raw = make_corpora(tmp_path / "in")
    de, en, fr, fr_en = paths["train.de"], paths["train.en"], paths["fr.fr"], paths["fr.en"]
    lineno, line = next((k, line) for k, line in enumerate(raw["fr.fr"], start=1) if "é" in line)
    base = ["--train", "de-en", de, en]
    return [
        (["--train", "fr-en", fr, fr_en],
         f"{fr}:{lineno}: byte 0xe9 at column {line.index('é') + 1} is not valid utf-8; expected utf-8 text "
         f"(declare the file's encoding with --encoding FILE=ENC, e.g. --encoding comtrans.e=latin-1)"),
        (base + ["--valid", "fr-en", fr, fr_en], "--valid fr-en: no --train data for this pair"),
        (base + ["--train", "en-de", en, de],
         "--train en-de: de-en is given too; expected each language pair in one direction only (one direction's "
         "data serves both directions"),
        (base + ["--valid", "en-de", en, de], "--valid en-de: de-en is given too"),
        (["--train", "de_en", de, en], "--train de_en: expected a language pair L1-L2"),
        (["--train", "deu1-en", de, en], "'deu1' is not a language code"),
        (["--train", "de-de", de, en], "--train de-de: both sides are 'de'"),
        (["--train", "fr-en", fr, fr_en, "--encoding", f"{fr}=latin-99"], "unknown encoding 'latin-99'"),
        (base + ["--encoding", f"{fr}=latin-1"], f"--encoding {fr}=latin-1: {fr} is not a --train"),
        (base + ["--vocab-size", "5000"], "--vocab-size 5000: too many pieces for the sampled text"),
        (base + ["--min-count", "100000"], "--min-count 100000: no sub-word occurs that often"),
    ]


@pytest.mark.parametrize("case", range(11))
def test_bad_input_stops_prepare(tmp_path, capsys, case):
    args, expected = _prepare_cases(tmp_path)[case]
    out = tmp_path / "work"
    argv = ["prepare", *map(str, args), "--out-dir", str(out)]
    if "--vocab-size" not in args:
        argv += ["--vocab-size", "40"]
    assert multilingual.main(argv) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("error: ") and expected in err[-1], err
    assert not (out / "preprocess.json").exists()


def test_monolingual_text_becomes_mono_lang(tmp_path):
    """--mono de FILE: its kept lines are binarised as mono.de (empty and over-long lines dropped and counted),
    with the shared dictionary, and they count as training text (fingerprints)."""
    from fairseq_xling.text.fingerprints import read_fingerprints, seen_in

    paths, _ = make_corpora(tmp_path / "in")
    mono = write_lines(str(tmp_path / "in" / "mono.de"), ["Ein Zebra geht.", "", LONG, "Noch ein Satz."])
    dest = tmp_path / "bin"
    result = run_multilingual("--dest", dest, "--vocab-size", 60, "--max-len", 60, *corpus_args(paths),
                              "--mono", "de", mono)
    assert result.returncode == 0, result.stderr
    meta = json.loads((dest / "preprocess.json").read_text())
    assert meta["mono_langs"] == ["de"]
    assert meta["counts"]["mono.de"] == {"sentences": 2, "dropped_empty": 1, "dropped_long": 1}
    assert meta["inputs"][-1] == {"split": "mono", "lang": "de", "file": mono, "encoding": "utf-8", "lines": 4,
                                  "bytes": os.path.getsize(mono), "kept": 2, "dropped_empty": 1,
                                  "dropped_long": 1}
    assert "dropped 1 empty lines from mono de" in result.stderr and "(lines 3)" in result.stderr
    dictionary = Dictionary.load(str(dest / "dict.de.txt"))
    dataset = data_utils.load_indexed_dataset(str(dest / "mono.de"), dictionary, dataset_impl="mmap")
    text = text_lines(dest, "mono.de")
    assert [dictionary.string(dataset[k]) for k in range(len(dataset))] == text and len(text) == 2
    assert RawTextEncoder("de", portable_metadata(str(dest))).decode(text[0]) == "Ein Zebra geht."
    assert seen_in(text, read_fingerprints(str(dest))["de"]).all()
    bad = run_multilingual("--dest", tmp_path / "bad", "--vocab-size", 60, *corpus_args(paths), "--mono", "es", mono)
    assert bad.returncode == 1 and "--mono es" in bad.stderr and "es is in no --train pair" in bad.stderr


# ---------------------------------------------------------------------------------------------------
# Real data: a smoke run on the first 300 lines of the 5-way LibreOffice help corpus


def test_libreoffice_help_smoke(runs):
    if runs["smoke"] is None:
        pytest.skip(f"{os.path.join(DATA, 'libreoffice_help')} is absent (set XLING_DATA to the folder holding "
                    f"libreoffice_help/)")
    dest, heads, result = runs["smoke"]
    assert result.returncode == 0, result.stderr
    assert set(os.listdir(dest)) == layout(["de", "en"], ["de-en"], [], ["spm.model", "spm.vocab"]) - {"text"}
    meta = json.loads((dest / "preprocess.json").read_text())
    counts = meta["counts"]["de-en"]
    assert counts["valid"] == 50 and counts["valid_in_train"] == 0
    assert counts["train"] + counts["dropped_empty"] + counts["dropped_long"] == 300 and counts["train"] > 250
    assert {lang: meta["sampling"][lang]["lines"] for lang in ("de", "en")} == {"de": 300, "en": 299}
    assert sum(meta["sampling"][lang]["sampled"] for lang in ("de", "en")) == meta["subword_sample_lines"]
    encoder = RawTextEncoder("de", portable_metadata(str(dest)))
    dictionary = Dictionary.load(str(dest / "dict.de.txt"))
    valid = data_utils.load_indexed_dataset(str(dest / "valid.de-en.de"), dictionary, dataset_impl="mmap")
    with open(heads["valid.de"], encoding="utf-8") as f:
        first = f.readline().rstrip("\n")
    assert dictionary.string(valid[0]) == " ".join(
        t if dictionary.index(t) != dictionary.unk() else "<unk>" for t in encoder.tokens(first))
