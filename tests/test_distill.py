"""The distill objective: its loss, a student that learns a toy teacher through fairseq-train, any encoder as
the student, teacher vectors that stay aligned with the binarised sentences, and mis-sized teacher files."""
import json

import numpy as np
import pytest
import torch

from fairseq_xling.criterions.distill import DistillCriterion, distill_loss
from fairseq_xling.distill.store import vectors_path, write_vectors
from fairseq_xling.errors import UserError
from fairseq_xling.hub_interface import XlingHubInterface
from tests.utils import (build_in_process, fairseq_cli, first_batches, make_data_bin, make_translation_data_bin,
                         synthetic_corpus, train_args)

DIM = 16  # the tiny encoders' sentence size: no projection


def toy_teacher(sentences, dim=DIM, seed=0):
    """A teacher whose vector of a sentence is the mean of fixed random vectors of its words: e<i> and d<i> get
    the same vector, so a student can reproduce it in both languages."""
    table = np.random.default_rng(seed).normal(size=(100, dim))
    return np.stack([table[[int(w[1:]) for w in words]].mean(0) for words in sentences]).astype(np.float16)


def data_with_teacher(root, pairs=40, teacher="toy", joined=False, dim=DIM):
    train, valid = synthetic_corpus(pairs), synthetic_corpus(8, seed=7)
    make = make_translation_data_bin if joined else make_data_bin  # one vocabulary for every language, or one each
    data = make(str(root / "data"), train, valid_pairs=valid)
    for split, split_pairs in (("train", train), ("valid", valid)):
        write_vectors(data, teacher, f"{split}.de-en.en", toy_teacher([p[1] for p in split_pairs], dim), {})
    return data, train, valid


def test_the_loss_is_the_mean_squared_error_per_sentence():
    student = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    teacher = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    assert distill_loss(student, teacher).tolist() == [2.0, 1.0]  # (0 + 4) / 2, (1 + 1) / 2


def test_the_criterion_sums_both_sides_against_the_teacher_vector_of_the_source():
    class Student:  # the sentence vector of a side is its first token id, repeated
        def __call__(self, src_tokens, head, **_):
            assert head == "distill_toy"
            return {"distill_emb": src_tokens[:, :1].float().expand(-1, 2)}

    sample = {"net_input": {"src_tokens": torch.tensor([[1], [3]]), "head": "distill_toy"},
              "tgt_input": {"src_tokens": torch.tensor([[2], [0]]), "head": "distill_toy"},
              "teacher": torch.tensor([[1.0, 1.0], [2.0, 2.0]]), "ntokens": 4}
    loss, sample_size, log = DistillCriterion(task=None)(Student(), sample)
    # source: (0, 1) -> 0 + 1; target: (1, 4) -> 1 + 4
    assert loss.item() == pytest.approx(6.0) and sample_size == 2 and log["vectors"] == 4
    assert log["cos"] == pytest.approx(3.0)  # cosine 1 for the parallel vectors, 0 for the zero vector


def train(*args):
    result = fairseq_cli("train", *args, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def test_a_student_learns_the_toy_teacher_through_fairseq_train(tmp_path):
    data, _, valid = data_with_teacher(tmp_path)
    log = train(*train_args(data, tmp_path / "ckpt", "--max-update", "400", "--lr", "0.02", "--dropout", "0",
                            "--no-epoch-checkpoints", objectives="distill:en-de:teacher=toy",
                            arch="xling_sent_avg_tiny"))
    losses = [float(line.split("distill_en-de:loss ")[1].split()[0]) for line in log.splitlines()
              if "valid on 'valid'" in line and "distill_en-de:loss" in line]
    target = toy_teacher([p[1] for p in valid]).astype(np.float32)
    baseline = 2 * float(np.mean(target.var(0)))  # the loss of predicting the mean teacher vector, both sides
    assert losses[-1] < 0.01 * baseline, (losses, baseline)
    # the hub's sentence vectors are the student's: German and English both land on the teacher's vector
    hub = XlingHubInterface.from_pretrained(str(tmp_path / "ckpt"), "checkpoint_last.pt")
    for side, lang in ((0, "de"), (1, "en")):
        got = np.asarray(hub.encode([" ".join(p[side]) for p in valid], lang=lang))
        assert np.mean((got - target) ** 2) < 0.01 * baseline / 2


@pytest.mark.parametrize("arch,joined", [("xling_sent_lstm_tiny", False), ("xling_laser_lstm_tiny", True)])
def test_any_encoder_is_a_student_and_distillation_mixes_with_other_objectives(tmp_path, arch, joined):
    data, _, _ = data_with_teacher(tmp_path, joined=joined, dim=8)
    objectives = "distill:en-de:teacher=toy,similarity:de-en"
    _, task, model, criterion = build_in_process(data, str(tmp_path / "ckpt"), objectives=objectives, arch=arch)
    head = model.heads["distill_toy"]
    assert head.projection.out_features == 8  # a 16-dim student, an 8-dim teacher: a linear map between them
    batches = [b for b in first_batches(task) if b["objective"] == "distill_en-de"]
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        for batch in batches:
            loss, sample_size, _ = criterion(model, batch)
            optimizer.zero_grad()
            (loss / sample_size).backward()
            optimizer.step()
            losses.append(loss.item() / sample_size)
    assert np.mean(losses[-len(batches):]) < 0.5 * np.mean(losses[:len(batches)])


def test_teacher_rows_follow_the_sentences_they_belong_to(tmp_path):
    """Each batch row carries the teacher vector of its own sentence, whatever order the batches take."""
    data, train_pairs, _ = data_with_teacher(tmp_path)
    _, task, _, _ = build_in_process(data, str(tmp_path / "ckpt"), objectives="distill:en-de:teacher=toy")
    expected = toy_teacher([p[1] for p in train_pairs]).astype(np.float32)
    for batch in first_batches(task):
        rows = batch["id"].numpy()  # the objective's own sentence numbers
        assert np.array_equal(batch["teacher"].numpy(), expected[rows])
        assert batch["net_input"]["src_lang"] == "en" and batch["tgt_input"]["src_lang"] == "de"


def test_a_mis_sized_or_missing_teacher_file_is_a_clear_error(tmp_path):
    data, train_pairs, _ = data_with_teacher(tmp_path)
    write_vectors(data, "toy", "train.de-en.en", toy_teacher([p[1] for p in train_pairs[:-1]]), {})
    with pytest.raises(UserError, match="train.de-en.en"):
        build_in_process(data, str(tmp_path / "ckpt"), objectives="distill:en-de:teacher=toy")
    with pytest.raises(UserError, match="xling-teacher"):
        build_in_process(data, str(tmp_path / "ckpt"), objectives="distill:en-de:teacher=other")
    with pytest.raises(UserError, match="teacher=NAME"):
        build_in_process(data, str(tmp_path / "ckpt"), objectives="distill:en-de")
    # through fairseq-train: one line naming the file, no traceback
    with open(vectors_path(data, "toy", "train.de-en.en"), "r+b") as f:
        f.truncate(100)
    result = fairseq_cli("train", *train_args(data, tmp_path / "ckpt", objectives="distill:en-de:teacher=toy"),
                         check=False)
    assert result.returncode != 0 and "train.de-en.en" in result.stderr and "Traceback" not in result.stderr


def test_teacher_vectors_follow_the_pipelines_filtering(tmp_path):
    """europarl.sh drops an empty pair and over-long pairs; xling-teacher reads the kept text, so each batch row's
    teacher vector is the one of the sentence binarised in that row."""
    from fairseq_xling.data.text_encoder import RawTextEncoder, portable_metadata
    from fairseq_xling.distill import cli as teacher_cli
    from tests.distill.test_cli import HASH, hash_vector
    from tests.utils_text import make_europarl, run_europarl

    make_europarl(tmp_path / "release", n=60, empty_at=(5, 17))
    dest = tmp_path / "bin"
    result = run_europarl("--src", "de", "--tgt", "en", "--dest", dest, "--data-dir", tmp_path / "release",
                          "--min-count", 1, "--max-len", 6)
    assert result.returncode == 0, result.stderr
    counts = json.loads((dest / "preprocess.json").read_text())["counts"]
    assert counts["dropped_empty"] == 2 and counts["dropped_long"] > 0  # the filters did drop pairs
    teacher_cli.main([str(dest), "--teacher", HASH, "--langs", "en"])
    teacher = HASH.replace(":", ".")  # the dotted spelling fits in --objectives
    _, task, _, _ = build_in_process(str(dest), str(tmp_path / "ckpt"), objectives=f"distill:en-de:teacher={teacher}")
    dataset = task.dataset("train").datasets[0]
    english, decode = task.vocabs["word"].dicts["en"], RawTextEncoder("en", portable_metadata(str(dest))).decode
    for i in range(len(dataset)):
        item = dataset[i]
        sentence = decode(english.string(item["source"]))
        assert np.array_equal(item["teacher"].numpy(), hash_vector(sentence).astype(np.float16).astype(np.float32))
