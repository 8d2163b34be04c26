"""fairseq-train of the Lin et al. (2018) tagger through xling_multitask, on tiny data."""
import json
import shutil
import subprocess
import sys

import torch
from fairseq import checkpoint_utils

from tests.utils import USER_DIR, fairseq_cli, make_tagging_data_bin, tagging_corpus


def test_tagger_learns_its_training_sentences(tmp_path):
    nl = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(8, seed=1, lang="nl"), lang="nl")
    es = make_tagging_data_bin(str(tmp_path / "es"), tagging_corpus(8, seed=2, lang="es"))
    result = fairseq_cli(
        "train", nl, "--user-dir", USER_DIR, "--task", "xling_multitask",
        "--objectives", f"tagging:nl:task=ner:data={nl},tagging:es:task=ner:data={es}",
        "--schedule", "mixing:target=ner_nl", "--criterion", "xling_multitask", "--arch", "xling_char_cnn_tagger_tiny",
        "--optimizer", "adam", "--lr", "0.02", "--batch-size", "8", "--max-update", "150", "--save-dir",
        tmp_path / "ckpt", "--cpu", "--no-progress-bar", "--num-workers", "0", "--seed", "1",
        "--no-epoch-checkpoints", "--best-checkpoint-metric", "ner_nl:f1", "--maximize-best-checkpoint-metric",
        check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert "ner_nl:accuracy" in log and "ner_nl:f1" in log and "ner_es:f1" in log  # dev span F1 while training
    assert (tmp_path / "ckpt" / "checkpoint_best.pt").exists()  # selected on it
    models, cfg, task = checkpoint_utils.load_model_ensemble_and_task([str(tmp_path / "ckpt" / "checkpoint_last.pt")])
    model = models[0].eval()
    task.load_dataset("train")
    dataset = task.dataset("train")
    for k in range(len(dataset.datasets)):
        batch = dataset.collater([dataset[int(i)] for i in range(dataset.offsets[k], dataset.offsets[k + 1])])
        with torch.no_grad():
            out = model(**batch["net_input"])
        mask = batch["tag_mask"]
        assert torch.equal(out["predictions"][mask], batch["target"][mask]), batch["objective"]
    # the same sentences through the hub and xling-eval, as a CoNLL-2002 file with IOB2 tags
    from fairseq_xling.text.tag_conversion import convert_tags

    conll = tmp_path / "nl.conll"
    with open(conll, "w") as f:
        for tokens, tags in tagging_corpus(8, seed=1, lang="nl"):
            for token, tag in zip(tokens, convert_tags(tags, "BIOES", "IOB2")[0]):
                f.write(f"{token} {tag}\n")
            f.write("\n")
    result = subprocess.run([sys.executable, "-m", "fairseq_xling.evaluation.cli", "tagging", "--checkpoint",
                             str(tmp_path / "ckpt" / "checkpoint_last.pt"), "--input", str(conll), "--format",
                             "conll2002", "--lang", "nl", "--predict", str(tmp_path / "pred.tsv")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    row = json.loads(result.stdout.strip().splitlines()[-1])
    assert row["f1"] == 1.0 and row["sentences"] == 8 and row["f1_per_type"] == {"LOC": 1.0, "PER": 1.0}
    assert "B-LOC\n" in (tmp_path / "pred.tsv").read_text()  # predictions written back in IOB2
    assert row["in_train"] == 8 and "warning: 8 of 8 sentences of" in result.stderr  # they are training sentences

    # with the data-bins moved away: the checkpoint carries its dictionaries (words, characters, tags), not their
    # data= paths; whether the file was seen in training is then unknown
    for data in (nl, es):
        shutil.move(data, data + ".moved")

    # gold with an I- tag after O (as esp.testa has): stops at its line unless --repair, then counted
    bad = tmp_path / "bad.conll"
    bad.write_text("x O\nJan O\nPeeters I-PER\n\n")
    command = [sys.executable, "-m", "fairseq_xling.evaluation.cli", "tagging", "--checkpoint",
               str(tmp_path / "ckpt" / "checkpoint_last.pt"), "--input", str(bad), "--format", "conll2002",
               "--lang", "nl"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode != 0 and f"{bad}:3:" in result.stderr and "--repair" in result.stderr
    result = subprocess.run(command + ["--repair"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    row = json.loads(result.stdout.strip().splitlines()[-1])
    assert row["gold_repaired"] == 1 and "in_train" not in row
