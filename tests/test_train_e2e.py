"""fairseq-train --task xling_multitask end to end: train, reload through the hub, resume, two processes."""
import os
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
    hub = XlingHubInterface.from_pretrained(str(tmp_path / "ckpt"), "checkpoint_best.pt", data)
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
    row = hub.model.word_vectors("de", len(hub.task.vocab.dicts["de"]))[hub.task.vocab.dicts["de"].index(words[0])]
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


def test_two_processes_on_cpu(data, tmp_path):
    port = free_port()
    procs = []
    for rank in range(2):
        args = train_args(data, tmp_path / "ddp", "--max-update", "6", "--distributed-backend", "gloo",
                          "--ddp-backend", "legacy_ddp", "--distributed-no-spawn", "--distributed-world-size", "2",
                          "--distributed-init-method", f"tcp://127.0.0.1:{port}", "--distributed-rank", str(rank))
        cmd = [sys.executable, "-c", "import sys; from fairseq_cli.train import cli_main; sys.exit(cli_main())",
               *map(str, args)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    logs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs[0][-3000:] + logs[1][-3000:]
    assert "distributed init (rank 1)" in "".join(logs)
    assert "num_updates 6" in logs[0]
    assert (tmp_path / "ddp" / "checkpoint_last.pt").exists()


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
    pairs = synthetic_corpus(30, seed=11)
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
    assert [r["direction"] for r in lines] == ["de->en", "en->de"]
    assert all(r["n"] == 30 and r["pool_size"] == 10 for r in lines)
    assert all(r["p@1"] >= 0.7 for r in lines), lines
