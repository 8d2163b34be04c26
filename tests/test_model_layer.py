"""The model layer end to end: portable checkpoints, restoring an encoder into another run, per-objective
learning rates, the embedding gradient multiplier, and a stock fairseq criterion as an objective."""
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fairseq_xling.errors import UserError
from fairseq_xling.hub_interface import XlingHubInterface
from tests.utils import (build_in_process, fairseq_cli, first_batches, make_data_bin, make_tagging_data_bin,
                         synthetic_corpus, tagging_corpus, train_args)

SENTENCES = ["d1 d2 d3", "d4 d5", "d6 d7 d8 d9 d10"]


def train(*args):
    result = fairseq_cli("train", *args, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """A de-en similarity model, trained a few updates; its data-bin is a copy that the tests may delete."""
    root = tmp_path_factory.mktemp("pretrained")
    data = make_data_bin(str(root / "data"), synthetic_corpus(32), valid_pairs=synthetic_corpus(8, seed=7))
    train(*train_args(data, root / "ckpt", "--max-update", "4", objectives="similarity:de-en"))
    return data, root / "ckpt" / "checkpoint_last.pt"


def test_checkpoint_loads_and_encodes_without_its_data_bin(pretrained, tmp_path):
    data, ckpt = pretrained
    shutil.copytree(data, tmp_path / "data")
    shutil.copy(ckpt, tmp_path / "model.pt")
    before = XlingHubInterface.from_pretrained(str(tmp_path), "model.pt").encode(SENTENCES, "de")
    shutil.rmtree(data)
    shutil.rmtree(tmp_path / "data")
    hub = XlingHubInterface.from_pretrained(str(tmp_path), "model.pt")
    assert np.array_equal(hub.encode(SENTENCES, "de"), before)
    assert hub.encode(["d1 zzz"], "de").shape == (1, 16)


def test_a_file_that_is_not_a_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / "broken.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="broken.pt: not a readable fairseq checkpoint"):
        XlingHubInterface.from_pretrained(str(tmp_path), "broken.pt")
    with pytest.raises(ValueError, match="no such checkpoint file"):
        XlingHubInterface.from_pretrained(str(tmp_path), "missing.pt")


def test_restore_encoder_into_a_tagger_for_another_language_set(pretrained, tmp_path):
    """A de-en sentence encoder fine-tuned as an English tagger: word rows follow the words, not the layout."""
    _, ckpt = pretrained
    sentences = [([f"e{i}" for i in range(j % 5, j % 5 + 4)] + ["Anna"], ["O"] * 4 + ["S-PER"]) for j in range(10)]
    en = make_tagging_data_bin(str(tmp_path / "en"), sentences)
    objectives = f"tagging:en:task=ner:data={en}"
    _, task, model, _ = build_in_process(en, str(tmp_path / "ft"), "--restore-encoder", ckpt, objectives=objectives,
                                         arch="xling_sent_lstm_tiny")
    old = torch.load(ckpt, map_location="cpu", weights_only=False)
    old_en = old["task_state"]["vocabs"]["word"]["en"]["symbols"]
    old_offset = len(old["task_state"]["vocabs"]["word"]["de"]["symbols"])  # en comes after de there
    table = model.encoder.embed_tokens.weight
    new = task.vocabs["word"].dicts["en"]
    assert task.vocabs["word"].offsets["en"] == 0
    for word in ("e1", "e4"):
        old_row = old["model"]["encoder.embed_tokens.weight"][old_offset + old_en.index(word)]
        assert torch.equal(table[new.index(word)], old_row)
    lstm = "encoder.lstm.layers.0.weight_hh_l0"
    assert torch.equal(dict(model.named_parameters())[lstm], old["model"][lstm])
    assert "tag_ner" in model.heads
    # and it trains as a tagger from there
    train(*train_args(en, tmp_path / "ft", "--max-update", "3", "--restore-encoder", ckpt, objectives=objectives))


def test_restore_encoder_refuses_another_encoder(pretrained, tmp_path):
    _, ckpt = pretrained
    en = make_tagging_data_bin(str(tmp_path / "en"), tagging_corpus(4, lang="en"))
    with pytest.raises(ValueError, match="another encoder"):
        build_in_process(en, str(tmp_path / "x"), "--restore-encoder", ckpt, objectives=f"tagging:en:data={en}",
                         arch="xling_char_cnn_tagger_tiny")
    data = make_data_bin(str(tmp_path / "data"), synthetic_corpus(16))
    with pytest.raises(ValueError, match=r"embed_tokens.weight is \(\d+, 16\) there, \(\d+, 8\) here"):
        build_in_process(data, str(tmp_path / "x"), "--restore-encoder", ckpt, "--embed-dim", "8",
                         objectives="similarity:de-en")


@pytest.fixture(scope="module")
def jmt(tmp_path_factory):
    data = make_data_bin(str(tmp_path_factory.mktemp("jmt")), synthetic_corpus(24),
                         mono={"en": [p[1] for p in synthetic_corpus(6, seed=9)]})
    return data


def one_update(data, tmp_path, objectives, *extra):
    """Parameters before and after one fairseq update of the first planned batch (Adam, lr 0.01)."""
    from fairseq.trainer import Trainer

    cfg, task, model, criterion = build_in_process(data, str(tmp_path), "--lr", "0.01", *extra, objectives=objectives)
    trainer = Trainer(cfg, task, model, criterion)
    sample = first_batches(task)[0]
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    trainer.train_step([sample])
    return sample["objective"], before, dict(model.named_parameters())


def test_lr_scale_changes_only_the_updates_of_its_objective(jmt, tmp_path):
    objective, before, after = one_update(jmt, tmp_path, "similarity:de-en:lr_scale=0")
    assert objective == "similarity_de-en"
    assert all(torch.equal(before[k], after[k]) for k in before)  # lr 0: nothing moves
    _, before, after = one_update(jmt, tmp_path, "similarity:de-en:lr_scale=0.5")
    _, before1, after1 = one_update(jmt, tmp_path, "similarity:de-en")
    name = "encoder.lstm.layers.0.weight_ih_l0"
    # Adam's first step moves each weight by ~lr: half the rate, half the step
    step, step1 = (after[name] - before[name]).abs().max().item(), (after1[name] - before1[name]).abs().max().item()
    assert step == pytest.approx(step1 / 2, rel=1e-3)


def test_embedding_gradient_multiplier_scales_exactly_the_embedding_tables(jmt):
    grads = []
    for scale in ("1", "100"):
        torch.manual_seed(0)
        _, task, model, criterion = build_in_process(jmt, "/tmp/unused", "--embedding-grad-scale", scale,
                                                     objectives="similarity:de-en:negatives=3")
        batch = first_batches(task)[0]
        model.train()
        torch.manual_seed(1)  # the same negatives and dropout in both runs
        criterion(model, batch)[0].backward()
        grads.append({k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None})
    plain, scaled = grads
    assert plain.keys() == scaled.keys() and "encoder.embed_tokens.weight" in plain
    for k in plain:
        factor = 100.0 if k == "encoder.embed_tokens.weight" else 1.0
        assert torch.allclose(scaled[k], plain[k] * factor, rtol=1e-4, atol=1e-7), k


def test_a_stock_fairseq_criterion_scores_an_objective(tmp_path):
    data = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(8))
    objectives = f"tagging:nl:task=ner:data={data}:criterion=cross_entropy"
    _, task, model, criterion = build_in_process(data, str(tmp_path / "ce"), objectives=objectives,
                                                 arch="xling_char_cnn_tagger_tiny")
    assert type(criterion.criteria["ner_nl"]).__name__ == "CrossEntropyCriterion"
    # one language: a joined word vocabulary, which the task offers as its target dictionary (for a decoder);
    # the tagging objective's criterion must not take the word padding id for a tag to ignore
    assert task.target_dictionary is not None and criterion.criteria["ner_nl"].padding_idx == -100
    batch = first_batches(task)[0]
    model.eval()
    loss, sample_size, log = criterion(model, batch)
    emissions, mask = model(**batch["net_input"])["emissions"], batch["tag_mask"]
    expected = F.cross_entropy(emissions[mask], batch["target"][mask], reduction="sum")
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert sample_size == batch["ntokens"] and log["ner_nl:loss"] == pytest.approx(expected.item(), rel=1e-5)
    # and fairseq-train runs with it
    train(*train_args(data, tmp_path / "ce", "--max-update", "2", objectives=objectives,
                      arch="xling_char_cnn_tagger_tiny"))


def test_the_sub_word_model_travels_with_the_checkpoint(tmp_path):
    """A data-bin of SentencePiece pieces: after it is deleted, the hub still splits raw text, unseen words
    included, into pieces the model knows."""
    import json

    import sentencepiece as spm

    pairs = synthetic_corpus(40, vocab=30)
    raw = tmp_path / "raw.txt"
    raw.write_text("".join(" ".join(p[s]) + "\n" for p in pairs for s in (0, 1)))
    spm.SentencePieceTrainer.train(input=str(raw), model_prefix=str(tmp_path / "spm"), vocab_size=30,
                                   hard_vocab_limit=False, model_type="bpe", character_coverage=1.0, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "spm.model"))
    pieces = [(sp.encode(" ".join(p[0]), out_type=str), sp.encode(" ".join(p[1]), out_type=str), []) for p in pairs]
    every = [sp.id_to_piece(i) for i in range(3, sp.get_piece_size())]  # the dictionaries hold every piece,
    pieces.append((every, every, []))  # as a pipeline's dictionary of the sub-word vocabulary does
    data = make_data_bin(str(tmp_path / "data"), pieces, valid_pairs=pieces[:8])
    shutil.copy(tmp_path / "spm.model", tmp_path / "data" / "spm.model")
    (tmp_path / "data" / "preprocess.json").write_text(json.dumps(
        {"tokenizer": "none", "lowercase": False, "bpe": "sentencepiece", "bpe_model": "spm.model"}))
    train(*train_args(data, tmp_path / "ckpt", "--max-update", "2", objectives="similarity:de-en"))
    shutil.rmtree(data)
    hub = XlingHubInterface.from_pretrained(str(tmp_path / "ckpt"), "checkpoint_last.pt")
    unseen = "d29 d17d3"  # "d17d3" is no word of the corpus, its pieces are
    assert hub.tokenize(unseen, "de") == " ".join(sp.encode(unseen, out_type=str))
    (ids,) = hub.binarize([unseen], "de")
    assert hub.task.vocab.dicts["de"].unk() not in ids.tolist()
    assert hub.encode([unseen], "de").shape == (1, 16)


def test_hub_errors_name_the_sentence(pretrained):
    _, ckpt = pretrained
    hub = XlingHubInterface.from_pretrained(str(ckpt.parent), ckpt.name)
    with pytest.raises(ValueError, match=r"sentence 2 \(' '\) is empty"):
        hub.encode(["d1 d2", "d3", " "], "de")
    with pytest.raises(ValueError, match="no language 'fr'"):
        hub.encode(["d1"], "fr")


def test_the_hub_refuses_a_string_where_it_expects_a_list(pretrained):
    """A string is iterable: taken as a list, it would be one sentence (or token) per character."""
    _, ckpt = pretrained
    hub = XlingHubInterface.from_pretrained(str(ckpt.parent), ckpt.name)
    for method in (hub.encode, hub.extract_features):
        with pytest.raises(UserError, match=r"expected a list of sentences, got one string \('d1 d2'\)"):
            method("d1 d2", "de")
    with pytest.raises(UserError, match="sentence 1 is a list, expected a string"):
        hub.encode(["d1", ["d2"]], "de")
    with pytest.raises(UserError, match="translate: expected a list of sentences"):
        hub.translate("d1 d2", src="de", tgt="en")
    with pytest.raises(UserError, match="expected a list of tokenised sentences"):
        hub.tag(["d1 d2"], "de")
    with pytest.raises(UserError, match="expected a list of tokenised sentences"):
        hub.tag("d1", "de")
    with pytest.raises(UserError, match=r"sentence 0, token 1 \(''\): expected a non-empty string"):
        hub.tag([["d1", ""]], "de")
    with pytest.raises(UserError, match="sentence 1 has no tokens"):
        hub.tag([["d1"], []], "de")


def test_a_checkpoint_older_than_a_model_option_loads(pretrained, tmp_path):
    """fairseq rebuilds a model from the saved config through the arch function: options added since the
    checkpoint was written take their defaults."""
    _, ckpt = pretrained
    state = torch.load(ckpt, map_location="cpu", weights_only=False)  # the config is saved as plain containers
    del state["cfg"]["model"]["decoder"], state["cfg"]["model"]["embedding_grad_scale"]
    torch.save(state, tmp_path / "old.pt")
    hub = XlingHubInterface.from_pretrained(str(tmp_path), "old.pt")
    assert hub.model.decoder is None and hub.encode(SENTENCES, "de").shape == (3, 16)


@pytest.mark.parametrize("extra,message", [
    (["--restore-encoder", "/nonexistent/model.pt"], "error: /nonexistent/model.pt: no such checkpoint file"),
    (["--decoder", "gru"], "error: --decoder 'gru': expected one of none, lstm"),
    (["--decoder", "lstm"], "error: --decoder needs one vocabulary shared by every language"),
])
def test_fairseq_train_reports_a_bad_option_in_one_line(jmt, tmp_path, extra, message):
    result = fairseq_cli("train", *train_args(jmt, tmp_path / "ckpt", "--max-update", "1", *extra,
                                              objectives="similarity:de-en"), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(message)
