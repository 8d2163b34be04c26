"""fairseq-train --task xling_multitask end to end: train, reload through the hub, resume, two processes."""
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

from fairseq_xling.hub_interface import XlingHubInterface
from tests.utils import fairseq_cli, make_data_bin, synthetic_corpus, train_args


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_data_bin(str(tmp_path_factory.mktemp("data")), synthetic_corpus(48),
                         valid_pairs=synthetic_corpus(12, seed=7),
                         mono={"de": [p[0] for p in synthetic_corpus(16, seed=5)],
                               "en": [p[1] for p in synthetic_corpus(16, seed=6)]})


def train(*args):
    result = fairseq_cli("train", *args, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def params(path):
    state = torch.load(path, map_location="cpu", weights_only=False)["model"]
    return {k: v for k, v in state.items()}


@pytest.mark.parametrize("arch", ["xling_sent_lstm_tiny", "xling_sent_avg_tiny"])
def test_train_then_encode_through_the_hub(data, tmp_path, arch):
    log = train(*train_args(data, tmp_path / "ckpt", "--max-epoch", "2", arch=arch))
    assert "similarity_de-en:loss" in log and "skipgram_de-en:loss" in log  # validation reports each objective
    hub = XlingHubInterface.from_pretrained(str(tmp_path / "ckpt"), "checkpoint_best.pt")
    sentences = ["d1 d2 d3", "d4 d5", "d6 d7 d8 d9 d10"]
    emb = hub.encode(sentences, lang="de", tokenized=True)
    assert emb.shape == (3, 16) and emb.dtype == np.float32
    # the same vectors as the model's own forward pass, one sentence at a time
    for i, sentence in enumerate(sentences):
        tokens = hub.task.vocab.dicts["de"].encode_line(sentence, add_if_not_exist=False, append_eos=False)
        out = hub.model(tokens.long()[None], torch.tensor([len(tokens)]), "de")["sentence_emb"][0]
        assert np.allclose(emb[i], out.detach().numpy(), atol=1e-5)
    features = hub.extract_features(sentences, lang="de", tokenized=True)
    assert [f.shape for f in features] == [(3, 16), (2, 16), (5, 16)]
    # word vectors out in word2vec format, as a tagger reads them in
    from fairseq_xling.text.word_vectors import read_word2vec_text

    assert hub.save_word_vectors(str(tmp_path / "de.vec"), "de") == len(hub.task.vocab.dicts["de"]) - 4
    words, vectors = read_word2vec_text(str(tmp_path / "de.vec"))
    row = hub.model.word_vectors("de")[hub.task.vocab.dicts["de"].index(words[0])]
    assert np.allclose(vectors[0], row.detach().numpy(), atol=1e-5)


def test_resume_equals_uninterrupted(data, tmp_path):
    extra = ["--update-freq", "2", "--schedule", "weighted", "--no-epoch-checkpoints"]
    train(*train_args(data, tmp_path / "straight", "--max-update", "9", *extra))
    train(*train_args(data, tmp_path / "resumed", "--max-update", "4", *extra))
    half = params(tmp_path / "resumed" / "checkpoint_last.pt")  # the resumed run overwrites it
    log = train(*train_args(data, tmp_path / "resumed", "--max-update", "9", *extra))
    assert "checkpoint_last.pt (epoch 1 @ 4 updates)" in log
    assert torch.load(tmp_path / "resumed" / "checkpoint_last.pt", weights_only=False)[
        "optimizer_history"][-1]["num_updates"] == 9
    a, b = params(tmp_path / "straight" / "checkpoint_last.pt"), params(tmp_path / "resumed" / "checkpoint_last.pt")
    assert a.keys() == b.keys() == half.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    # Equal would say little if updates 5-9 (both objectives: encoder and skip-gram contexts) changed nothing.
    for k in a:
        assert not torch.equal(half[k], a[k]), f"{k} did not move after update 4"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# fairseq saves checkpoints on rank 0 only (per-rank saving needs FSDP or model parallelism, neither installed here),
# so each rank runs fairseq-train under this wrapper: it notes the objective and example ids of every batch the rank
# trains and, when training ends, saves the rank's parameters to the path given as its first argument. It observes,
# it changes nothing.
RANK_RECORDER = """
import sys

import torch
from fairseq_cli.train import cli_main
from fairseq.trainer import Trainer

out, seen, train_step = sys.argv.pop(1), {"batches": []}, Trainer.train_step


def recording_train_step(self, samples, raise_oom=False):
    seen["trainer"] = self
    seen["batches"].append([(sample["objective"], sample["id"].tolist()) if sample else None  # {}: a dummy batch
                            for sample in samples])
    return train_step(self, samples, raise_oom)


Trainer.train_step = recording_train_step
cli_main()
torch.save({"batches": seen["batches"], "model": seen["trainer"].get_model().state_dict()}, out)
"""


def test_two_processes_on_cpu(data, tmp_path):
    """Both ranks train the same objective at every update (through an epoch boundary) on batches of their own,
    and end with the same parameters: the ones rank 0 saves."""
    port, procs = free_port(), []
    for rank in range(2):
        args = train_args(data, tmp_path / "ddp", "--max-update", "12", "--distributed-backend", "gloo",
                          "--ddp-backend", "legacy_ddp", "--distributed-no-spawn", "--distributed-world-size", "2",
                          "--distributed-init-method", f"tcp://127.0.0.1:{port}", "--distributed-rank", str(rank))
        cmd = [sys.executable, "-c", RANK_RECORDER, tmp_path / f"rank{rank}.pt", *args]
        procs.append(subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        logs = [p.communicate(timeout=120)[0] for p in procs]
    finally:  # a rank that waits for the other forever must not outlive the test
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], logs[0][-3000:] + logs[1][-3000:]
    assert "distributed init (rank 1)" in logs[1]
    ranks = [torch.load(tmp_path / f"rank{rank}.pt", weights_only=False) for rank in range(2)]

    batches = [rank["batches"] for rank in ranks]  # per update, (objective, ids) of each batch (--update-freq 1)
    assert len(batches[0]) == len(batches[1]) == 12 and None not in sum(batches[0] + batches[1], [])  # no dummy
    objectives = [[objective for objective, _ in update] for update in batches[0]]
    assert {name for update in objectives for name in update} == {"similarity_de-en", "skipgram_de-en"}
    assert [[objective for objective, _ in update] for update in batches[1]] == objectives
    for update0, update1 in zip(*batches):
        assert not set(update0[0][1]) & set(update1[0][1]), (update0, update1)  # each rank its own examples
    # Rank 0's log sums the ranks' logging outputs, so two objectives in one update would both show a loss there.
    logged = {int(n): set(re.findall(r"([\w-]+):loss=(?!None)", line))
              for line in logs[0].splitlines() if "train_inner" in line
              for n in re.findall(r"num_updates=(\d+)", line)}
    assert logged == {i + 1: set(update) for i, update in enumerate(objectives)}

    saved = torch.load(tmp_path / "ddp" / "checkpoint_last.pt", weights_only=False)
    assert saved["optimizer_history"][-1]["num_updates"] == 12
    assert saved["model"].keys() == ranks[0]["model"].keys() == ranks[1]["model"].keys()
    for k in saved["model"]:
        assert torch.equal(ranks[0]["model"][k], saved["model"][k]), k
        assert torch.equal(ranks[1]["model"][k], saved["model"][k]), k


def test_validate_loads_the_checkpoint(data, tmp_path):
    train(*train_args(data, tmp_path / "ckpt", "--max-update", "3"))
    result = fairseq_cli("validate", data, "--user-dir", os.path.dirname(__import__("fairseq_xling").__file__),
                         "--task", "xling_multitask", "--path", tmp_path / "ckpt" / "checkpoint_last.pt",
                         "--batch-size", "8", "--cpu", check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "similarity_de-en:loss" in result.stdout + result.stderr


def test_xling_eval_retrieval_on_a_trained_checkpoint(data, tmp_path):
    """Held-out pairs of the word-for-word corpus: chance P@1 is 0.1 with 9 distractors, and an untrained model
    (--lr 0) scores about that; 6 epochs of training reach 0.9 and more."""
    train(*train_args(data, tmp_path / "ckpt", "--max-epoch", "6"))
    training = synthetic_corpus(48)
    pairs = synthetic_corpus(28, seed=11) + training[:2]  # two training pairs: counted as seen in training
    seen = {" ".join(p[0]) for p in training} | {" ".join(p[1]) for p in training}
    in_train = sum(" ".join(p[0]) in seen or " ".join(p[1]) in seen for p in pairs)
    (tmp_path / "test.de").write_text("".join(" ".join(p[0]) + "\n" for p in pairs))
    (tmp_path / "test.en").write_text("".join(" ".join(p[1]) + "\n" for p in pairs))
    result = subprocess.run(
        [sys.executable, "-m", "fairseq_xling.evaluation.cli", "retrieval", "--checkpoint",
         str(tmp_path / "ckpt" / "checkpoint_last.pt"), "--data", data, "--src-file", str(tmp_path / "test.de"),
         "--tgt-file", str(tmp_path / "test.en"), "--src-lang", "de", "--tgt-lang", "en", "--num-distractors", "9"],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    import json
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(r["direction"], r["scoring"]) for r in lines] == [
        ("de->en", "cosine"), ("de->en", "margin"), ("en->de", "cosine"), ("en->de", "margin")]
    assert all(r["n"] == 30 and r["pool_size"] == 10 and r["in_train"] == in_train >= 2 for r in lines)
    assert f"warning: {in_train} of 30 pairs of" in result.stderr
    assert all(r["p@1"] >= 0.7 and r["error"] == pytest.approx(100 * (1 - r["p@1"])) for r in lines), lines
