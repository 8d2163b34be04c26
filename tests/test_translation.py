"""Translation (issue: LASER encoder-decoder): the temperature schedule, the translation objective's batches, a
tiny LASER model trained by fairseq-train that fairseq-generate and the hub decode alike."""
import re

import numpy as np
import pytest
import torch

from fairseq_xling.data.schedules import ObjectiveInfo, build_schedule
from fairseq_xling.data.schedules.temperature import temperature_probabilities
from fairseq_xling.hub_interface import XlingHubInterface
from tests.utils import (build_in_process, fairseq_cli, first_batches, make_data_bin, make_translation_data_bin,
                         synthetic_corpus, train_args)

TINY = ["--encoder-hidden-size", "32", "--embed-dim", "32", "--decoder-embed-dim", "32",
        "--decoder-hidden-size", "64", "--lr", "0.01", "--batch-size", "16"]


def test_temperature_probabilities_follow_the_formula():
    sizes = np.array([1000, 100, 10])
    q = sizes / sizes.sum()
    for t in (1.0, 2.0, 5.0):
        expected = q ** (1 / t) / (q ** (1 / t)).sum()
        assert np.allclose(temperature_probabilities(sizes, t), expected)
    assert np.allclose(temperature_probabilities(sizes, 1.0), q)  # t=1: in proportion to the data
    assert np.allclose(temperature_probabilities(sizes, 1e6), 1 / 3, atol=1e-4)  # t -> inf: uniform
    with pytest.raises(ValueError, match="positive"):
        temperature_probabilities(sizes, 0)


def test_the_temperature_schedule_samples_by_those_probabilities():
    infos = [ObjectiveInfo(f"o{i}", "translation", ["de", "en"], n) for i, n in enumerate((9000, 900, 90))]
    schedule = build_schedule("temperature:t=5")
    picks = schedule.plan(infos, 20000, 1, np.random.default_rng(0))
    share = np.bincount(picks, minlength=3) / len(picks)
    assert np.allclose(share, temperature_probabilities([9000, 900, 90], 5), atol=0.015)
    with pytest.raises(ValueError, match="not a valid float"):
        build_schedule("temperature:t=hot")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    pairs = synthetic_corpus(160, vocab=8, min_len=2, max_len=5)
    return make_translation_data_bin(str(tmp_path_factory.mktemp("data")), pairs, valid_pairs=pairs[:24])


def test_translation_batches_are_teacher_forced_in_fairseq_layout(data):
    _, task, model, _ = build_in_process(data, "/tmp/unused", *TINY, arch="xling_laser_lstm_tiny",
                                         objectives="translation:de-en,translation:en-de")
    d = task.target_dictionary
    batches = first_batches(task)
    by_objective = {b["objective"]: b for b in batches}
    assert set(by_objective) == {"translation_de-en", "translation_en-de"}
    for name, (src, tgt) in (("translation_de-en", ("de", "en")), ("translation_en-de", ("en", "de"))):
        b = by_objective[name]
        net = b["net_input"]
        assert net["src_lang"] == src and net["tgt_lang"] == tgt
        for row in range(len(b["id"])):
            source = d.string(net["src_tokens"][row][net["src_tokens"][row].ne(d.pad())]).split()
            target = b["target"][row][b["target"][row].ne(d.pad())]
            prev = net["prev_output_tokens"][row][: len(target)]
            assert target[-1] == d.eos() and prev[0] == d.eos() and prev[1:].tolist() == target[:-1].tolist()
            assert all(w.startswith(src[0]) for w in source)  # d* words for German, e* for English: no </s>
            assert all(w.startswith(tgt[0]) for w in d.string(target).split())
        assert b["ntokens"] == int(b["target"].ne(d.pad()).sum())


def test_the_decoder_sees_the_target_language_and_the_encoder_does_not(data):
    _, task, model, _ = build_in_process(data, "/tmp/unused", *TINY, arch="xling_laser_lstm_tiny",
                                         objectives="translation:de-en,translation:en-de")
    model.eval()
    net = dict(first_batches(task)[0]["net_input"])
    with torch.no_grad():
        to_en = model(**dict(net, tgt_lang="en"))
        to_de = model(**dict(net, tgt_lang="de"))
    assert torch.equal(to_en["sentence_emb"], to_de["sentence_emb"])
    assert all(torch.equal(a, b) for a, b in zip(to_en["layers"], to_de["layers"]))
    assert not torch.allclose(to_en["logits"], to_de["logits"])
    # LASER: the sentence vector is the max over time of the top layer; the decoder starts from it
    top = to_en["layers"][-1].masked_fill(to_en["pad_mask"].unsqueeze(-1), float("-inf"))
    assert torch.allclose(to_en["sentence_emb"], top.max(1).values)
    assert model.decoder.init_state is not None


def test_a_translation_objective_needs_a_decoder_and_one_vocabulary(data, tmp_path):
    with pytest.raises(ValueError, match="trains a decoder: choose one with --decoder lstm"):
        build_in_process(data, "/tmp/unused", arch="xling_sent_lstm_tiny", objectives="translation:de-en")
    separate = make_data_bin(str(tmp_path / "separate"), synthetic_corpus(12))  # one dictionary per language
    with pytest.raises(ValueError, match="one vocabulary shared by every language"):
        build_in_process(separate, "/tmp/unused", arch="xling_laser_lstm_tiny", objectives="translation:de-en")


def test_laser_trains_then_fairseq_generate_and_the_hub_translate_alike(data, tmp_path):
    save = tmp_path / "ckpt"
    log = fairseq_cli("train", *train_args(data, save, *TINY, "--max-epoch", "40", "--no-epoch-checkpoints",
                                           "--schedule", "temperature:t=5", arch="xling_laser_lstm_tiny",
                                           objectives="translation:de-en,translation:en-de"), check=False)
    assert log.returncode == 0, log.stderr[-3000:]
    assert "translation_de-en:ppl" in log.stdout + log.stderr
    for src, tgt in (("de", "en"), ("en", "de")):
        result = fairseq_cli("generate", data, "--user-dir", train_args(data, save)[2], "--task", "xling_multitask",
                             "--objectives", f"translation:{src}-{tgt}", "--path", save / "checkpoint_last.pt",
                             "--gen-subset", "valid", "--beam", "3", "--batch-size", "8", "--scoring", "sacrebleu",
                             "--cpu", check=False)
        assert result.returncode == 0, result.stderr[-3000:]
        out = result.stdout + result.stderr
        bleu = float(re.search(r"BLEU = ([\d.]+)", out).group(1))
        assert bleu > 90, out[-2000:]  # the valid pairs are training pairs here: the model has learned them
        sources = dict(re.findall(r"^S-(\d+)\t(.*)$", out, re.M))
        hypotheses = {i: h for i, _, h in re.findall(r"^H-(\d+)\t(\S+)\t(.*)$", out, re.M)}
        ids = sorted(sources, key=int)
        hub = XlingHubInterface.from_pretrained(str(save), "checkpoint_last.pt")
        assert hub.translate([sources[i] for i in ids], src=src, tgt=tgt, beam=3, tokenized=True) == \
            [hypotheses[i] for i in ids]
    with pytest.raises(ValueError, match="asked for tgt='fr'"):
        hub.translate(["d1 d2"], src="de", tgt="fr")
