"""The static cross-lingual baseline of examples/contextual (van der Heijden et al. 2020 use MUSE vectors): the word
vectors of a JMT model with one dictionary for every language, frozen, as the word features of a tagger over
word-level data (conll.sh --word-dict of that dictionary), which then reads another language zero-shot."""
import json
import subprocess
import sys

import pytest
import torch

from fairseq_xling.hub_interface import XlingHubInterface
from fairseq_xling.text.tag_conversion import convert_tags
from tests.test_subword_tagging import CONLL_SH, tagged_sentences, write_conll
from tests.utils import USER_DIR, fairseq_cli
from tests.utils_text import DE_EN, MULTILINGUAL_SH, finish_script, start_script, write_lines

TINY = ["--arch", "xling_sent_avg_tiny"]
STATIC_TAGGER = "tagging:de:task=ner:features=bow:tagger=transformer:tagger_dim=16:tagger_layers=1:tagger_dropout=0"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A joined word-level de-en data-bin, a tiny JMT model (similarity + skip-gram per language) trained on it, and
    the word-level tagging data-bin made with its dictionary."""
    base = tmp_path_factory.mktemp("static_features")
    german = [" ".join(tokens) for tokens, _ in tagged_sentences(80, seed=5)]
    english = [" ".join(DE_EN.get(t, "city" if t == "stadt" else t) for t in line.split()) for line in german]
    src, tgt = write_lines(base / "train.de", german), write_lines(base / "train.en", english)
    jmt_bin = base / "jmt_bin"
    result = finish_script(start_script(
        MULTILINGUAL_SH, "--dest", jmt_bin, "--subword", "none", "--joined", "--lowercase", "--workers", 1,
        "--train", "de-en", src, tgt, "--valid", "de-en", src, tgt, "--mono", "de", src, "--mono", "en", tgt,
        log_dir=base / "log"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert (jmt_bin / "dict.de.txt").read_text() == (jmt_bin / "dict.en.txt").read_text()
    jmt = base / "jmt"
    training = fairseq_cli("train", jmt_bin, "--user-dir", USER_DIR, "--task", "xling_multitask", "--objectives",
                           "similarity:de-en:margin=1,skipgram:de:negatives=20,skipgram:en:negatives=20",
                           "--schedule", "alternate", *TINY, "--optimizer", "adam", "--lr", "0.01", "--batch-size",
                           "16", "--max-update", "12", "--save-dir", jmt, "--cpu", "--no-progress-bar",
                           "--num-workers", "0", "--no-epoch-checkpoints", check=False)
    assert training.returncode == 0, training.stderr[-3000:]
    train = tagged_sentences(10, seed=1)
    conll = write_conll(base / "train.conll", train)
    tagging = base / "tag"
    result = finish_script(start_script(
        CONLL_SH, "--format", "conll2002", "--lang", "de", "--train", conll, "--valid", conll, "--dest", tagging,
        "--word-dict", jmt_bin / "dict.en.txt", "--lowercase", log_dir=base / "log_conll"))
    assert result.returncode == 0, result.stderr[-3000:]
    return {"base": base, "jmt": jmt / "checkpoint_last.pt", "tagging": tagging, "conll": conll, "train": train}


def test_frozen_jmt_word_vectors_train_a_tagger_that_reads_another_language(made):
    save = made["base"] / "tagger"
    result = fairseq_cli(
        "train", made["tagging"], "--user-dir", USER_DIR, "--task", "xling_multitask", "--objectives", STATIC_TAGGER,
        *TINY, "--restore-encoder", made["jmt"], "--freeze-encoder", "--decoder", "none", "--optimizer", "adam",
        "--lr", "0.01", "--batch-size", "10", "--max-update", "150", "--save-dir", save, "--cpu",
        "--no-progress-bar", "--num-workers", "0", "--seed", "1", "--no-epoch-checkpoints", "--log-interval", "150",
        check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert "encoder restored from" in log and "ner_de:f1 1" in log, log[-3000:]
    # the word vectors are the JMT model's, row for row (the dictionaries are the same file), and stayed frozen
    jmt = torch.load(made["jmt"], map_location="cpu", weights_only=False)["model"]
    tagger = torch.load(save / "checkpoint_last.pt", map_location="cpu", weights_only=False)["model"]
    assert torch.equal(tagger["encoder.embed_tokens.weight"], jmt["encoder.embed_tokens.weight"])
    command = [sys.executable, "-m", "fairseq_xling.evaluation.cli", "tagging", "--checkpoint",
               str(save / "checkpoint_last.pt"), "--input", str(made["conll"]), "--format", "conll2002"]
    evaluated = subprocess.run(command + ["--lang", "de"], capture_output=True, text=True)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert json.loads(evaluated.stdout.strip().splitlines()[-1])["f1"] == 1.0
    # zero-shot: another language's text is read through the one dictionary (lowercased as the data was)
    hub = XlingHubInterface.from_pretrained(str(save), "checkpoint_last.pt")
    tokens = [t for t, _ in made["train"]]
    gold = [convert_tags(g, "IOB2", "BIOES")[0] for _, g in made["train"]]
    assert hub.tag(tokens, "nl") == hub.tag(tokens, "de") == gold
    upper = [[t.upper() for t in sentence] for sentence in tokens]
    assert hub.tag(upper, "nl") == gold  # "ANNA" is the dictionary's "anna"
    evaluated = subprocess.run(command + ["--lang", "nl"], capture_output=True, text=True)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert json.loads(evaluated.stdout.strip().splitlines()[-1])["f1"] == 1.0
