"""MMTE (Siddhant et al. 2020): the Transformer encoder-decoder, its two ways of naming the target language, the
Transformer decoder on any encoder, incremental decoding, and a tiny model trained by fairseq-train that
fairseq-generate and the hub decode alike."""
import json
import os
import re
import shutil

import pytest
import torch

from fairseq_xling.hub_interface import XlingHubInterface
from tests.utils import (add_multitask_data, build_in_process, fairseq_cli, first_batches, make_translation_data_bin,
                         run_main, synthetic_corpus, train_args)

TINY = ["--encoder-embed-dim", "32", "--encoder-ffn-embed-dim", "64", "--decoder-embed-dim", "32",
        "--decoder-ffn-embed-dim", "64", "--lr", "0.005", "--batch-size", "16"]
# the BiLSTM encoder (64-d states) with a 32-d Transformer decoder
LSTM_TRANSFORMER = ["--embed-dim", "32", "--encoder-hidden-size", "32", "--decoder", "transformer",
                    "--decoder-embed-dim", "32", "--decoder-ffn-embed-dim", "64", "--decoder-layers", "2",
                    "--decoder-attention-heads", "2", "--lr", "0.005", "--batch-size", "16"]
BOTH = "translation:de-en,translation:en-de"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    pairs = synthetic_corpus(160, vocab=8, min_len=2, max_len=5)
    return make_translation_data_bin(str(tmp_path_factory.mktemp("data")), pairs, valid_pairs=pairs[:24])


def mmte(data, mode, *extra):
    _, task, model, _ = build_in_process(data, "/tmp/unused", *TINY, "--target-token", mode, *extra,
                                         arch="xling_mmte_tiny", objectives=BOTH)
    model.eval()
    return task, model, dict(first_batches(task)[0]["net_input"])


@pytest.mark.parametrize("mode", ["source", "separate"])
def test_only_the_source_variant_lets_the_source_states_see_the_target_language(data, mode):
    task, model, net = mmte(data, mode)
    with torch.no_grad():
        to_en, to_de = model(**dict(net, tgt_lang="en")), model(**dict(net, tgt_lang="de"))
        alone = model(net["src_tokens"], net["src_lengths"], net["src_lang"])  # fine-tuning, hub: no token
    same = all(torch.equal(a, b) for a, b in zip(to_en["layers"], to_de["layers"]))
    assert same == (mode == "separate")
    assert torch.equal(to_en["sentence_emb"], alone["sentence_emb"]) == (mode == "separate")
    assert not torch.allclose(to_en["logits"], to_de["logits"])  # the decoder knows the target either way
    # the contract's states are the source tokens'; the decoder's memory holds the target token besides
    bsz, length = net["src_tokens"].shape
    assert to_en["token_features"].shape[:2] == (bsz, length) and to_en["memory"].shape[:2] == (bsz, length + 1)
    assert "memory" not in alone
    assert model.decoder.embed_tokens is model.encoder.embed_tokens  # tied input, output and encoder tables


def test_the_separate_variant_encodes_the_target_token_alone(data):
    task, model, net = mmte(data, "separate")
    d = task.target_dictionary
    with torch.no_grad():
        out = model(**dict(net, tgt_lang="en"))
        token = torch.tensor([[d.index("<2en>")]])
        alone = model(token, torch.tensor([1]), "de")["token_features"][0, 0]
    assert torch.allclose(out["memory"][:, -1], alone.expand_as(out["memory"][:, -1]), atol=1e-6)
    assert not out["memory_pad_mask"][:, -1].any()


@pytest.mark.parametrize("arch,options", [("xling_mmte_tiny", TINY + ["--target-token", "source"]),
                                          ("xling_mmte_tiny", TINY + ["--target-token", "separate"]),
                                          ("xling_laser_lstm_tiny", LSTM_TRANSFORMER)])
def test_incremental_decoding_equals_teacher_forcing(data, arch, options):
    _, task, model, _ = build_in_process(data, "/tmp/unused", *options, arch=arch, objectives=BOTH)
    model.eval()
    net = dict(first_batches(task)[0]["net_input"])
    prev = net.pop("prev_output_tokens")
    with torch.no_grad():
        full = model(**net, prev_output_tokens=prev)["logits"]  # B x T x V
        encoder_out = model.encoder.forward_torchscript(net)
        state = {}
        steps = [model.decoder(prev[:, : t + 1], encoder_out=encoder_out, incremental_state=state)[0][:, -1]
                 for t in range(prev.size(1))]
    assert torch.allclose(torch.stack(steps, 1), full, atol=1e-5)


def test_the_transformer_decoder_tells_another_encoder_the_target_language(data):
    _, task, model, _ = build_in_process(data, "/tmp/unused", *LSTM_TRANSFORMER, arch="xling_laser_lstm_tiny",
                                         objectives=BOTH)
    model.eval()
    net = dict(first_batches(task)[0]["net_input"])
    with torch.no_grad():
        to_en, to_de = model(**dict(net, tgt_lang="en")), model(**dict(net, tgt_lang="de"))
    assert all(torch.equal(a, b) for a, b in zip(to_en["layers"], to_de["layers"]))
    assert not torch.allclose(to_en["logits"], to_de["logits"])
    assert model.decoder.embed_langs is not None


def test_a_dictionary_without_target_tokens_is_a_clear_error(tmp_path):
    data = make_translation_data_bin(str(tmp_path / "old"), synthetic_corpus(16), target_tokens=False)
    with pytest.raises(ValueError, match="no <2en> token .* preprocess/multilingual.sh"):
        build_in_process(data, "/tmp/unused", *TINY, arch="xling_mmte_tiny", objectives="translation:de-en")
    with pytest.raises(ValueError, match="--target-token 'both'"):
        build_in_process(data, "/tmp/unused", *TINY, "--target-token", "both", arch="xling_mmte_tiny",
                         objectives="translation:de-en")


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """A tiny MMTE of each variant trained on de<->en by fairseq-train (once per variant): its checkpoint dir."""
    saves = {}

    def train(mode):
        if mode not in saves:
            save = tmp_path_factory.mktemp(f"ckpt_{mode}")
            # one thread: the same numbers on any machine (with two, a loaded machine gave BLEU 66 instead of 100)
            log = fairseq_cli("train", *train_args(data, save, *TINY, "--target-token", mode, "--max-epoch", "45",
                                                   "--no-epoch-checkpoints", arch="xling_mmte_tiny", objectives=BOTH),
                              check=False, env=dict(os.environ, OMP_NUM_THREADS="1"))
            assert log.returncode == 0, log.stderr[-3000:]
            saves[mode] = save
        return saves[mode]

    return train


@pytest.mark.parametrize("mode", ["source", "separate"])
def test_mmte_trains_then_fairseq_generate_and_the_hub_translate_alike(data, trained, mode):
    save = trained(mode)
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


def test_joint_pairs_are_one_input_and_the_head_max_pools(data, tmp_path):
    nli_data = shutil.copytree(data, tmp_path / "nli")
    _, pairs, hypotheses = add_multitask_data(str(nli_data))
    _, task, model, _ = build_in_process(nli_data, "/tmp/unused", *TINY, "--decoder", "none", arch="xling_mmte_tiny",
                                         objectives="nli:en:joint=true:pre_dims=8:post_dims=6")
    model.eval()
    d = task.source_dictionary
    batch = first_batches(task, max_sentences=16)[0]
    net = batch["net_input"]
    for row, i in enumerate(batch["id"].tolist()):
        tokens = net["src_tokens"][row][net["src_tokens"][row].ne(d.pad())]
        assert d.string(tokens, include_eos=True).split() == pairs[i] + ["</s>"] + hypotheses[i]
    head = model.heads["nli"]
    with torch.no_grad():
        out = model(**net)
        states, pad = out["token_features"], out["pad_mask"]
        for row in range(2):  # by hand: relu(W1 h_t + b1) for every token, max over tokens, relu(W2 . + b2), W3
            pre = torch.relu(states[row][~pad[row]] @ head.pre[0].weight.t() + head.pre[0].bias).max(0).values
            post = torch.relu(head.post[0](pre))
            assert torch.allclose(out["logits"][row], head.out(post), atol=1e-6)
    assert out["logits"].shape == (len(batch["id"]), 3)


@pytest.mark.parametrize("frozen", [False, True])
def test_the_translation_encoder_fine_tunes_as_a_classifier_full_or_frozen(data, trained, tmp_path, frozen):
    nli_data = shutil.copytree(data, tmp_path / "nli")
    add_multitask_data(str(nli_data))
    pretrained = trained("separate") / "checkpoint_last.pt"
    save = tmp_path / "fine_tuned"
    extra = ["--freeze-encoder"] if frozen else []
    log = fairseq_cli("train", *train_args(nli_data, save, *TINY, "--target-token", "separate", "--decoder", "none",
                                           "--restore-encoder", pretrained, "--max-epoch", "40", "--lr", "0.01",
                                           "--no-epoch-checkpoints", *extra, arch="xling_mmte_tiny",
                                           objectives="nli:en:joint=true"), check=False)
    assert log.returncode == 0, log.stderr[-3000:]
    before = torch.load(pretrained, weights_only=False)["model"]
    after = torch.load(save / "checkpoint_last.pt", weights_only=False)["model"]
    encoder = [k for k in after if k.startswith("encoder.")]
    assert encoder and not any(k.startswith("decoder.") for k in after)
    unchanged = all(torch.equal(before[k], after[k]) for k in encoder)
    assert unchanged == frozen
    accuracy = [float(a) for a in re.findall(r"nli_en:acc ([\d.]+)", log.stdout + log.stderr)]
    assert accuracy[-1] > accuracy[0] or accuracy[-1] == 1.0
    if not frozen:
        assert accuracy[-1] == 1.0, accuracy  # the 16 pairs are learned


def test_the_hub_and_xling_eval_classify_with_the_fine_tuned_head(data, trained, tmp_path, capsys):
    from fairseq_xling.evaluation.cli import main as xling_eval

    nli_data = shutil.copytree(data, tmp_path / "nli")
    _, pairs, hypotheses = add_multitask_data(str(nli_data))
    save = tmp_path / "fine_tuned"
    log = fairseq_cli("train", *train_args(nli_data, save, *TINY, "--decoder", "none", "--restore-encoder",
                                           trained("source") / "checkpoint_last.pt", "--max-epoch", "40", "--lr",
                                           "0.01", "--no-epoch-checkpoints", arch="xling_mmte_tiny",
                                           objectives="nli:en:joint=true"), check=False)
    assert log.returncode == 0, log.stderr[-3000:]
    gold = [("entailment", "neutral", "contradiction")[i % 3] for i in range(len(pairs))]
    hub = XlingHubInterface.from_pretrained(str(save), "checkpoint_last.pt")
    premises, hyps = [" ".join(p) for p in pairs], [" ".join(h) for h in hypotheses]
    assert hub.classify(premises, hyps, "en") == gold  # the training pairs, learned
    assert "fr" not in hub.task.vocab.dicts  # zero-shot: a language it never saw reads the shared vocabulary
    assert hub.classify(premises, hyps, "fr") == gold
    tsv = tmp_path / "dev-en.tsv"
    tsv.write_text("".join(f"{p}\t{h}\t{g}\n" for p, h, g in zip(premises, hyps, gold)))
    code, out, err = run_main(xling_eval, capsys, "nli", "--checkpoint", save / "checkpoint_last.pt",
                              "--test", f"{tsv}:en")
    assert code == 0, err
    row = json.loads(out.strip().splitlines()[-1])
    assert row["accuracy"] == 1.0 and row["pairs"] == len(pairs) and row["test_lang"] == "en"
    # a model without an NLI head says so
    code, _, err = run_main(xling_eval, capsys, "nli", "--checkpoint", trained("source") / "checkpoint_last.pt",
                            "--test", f"{tsv}:en")
    assert code != 0 and "no NLI head" in err and "Traceback" not in err


def test_a_joined_vocabulary_reads_languages_the_model_never_saw(data, trained):
    hub = XlingHubInterface.from_pretrained(str(trained("source")), "checkpoint_last.pt")
    assert hub.reading_lang("en") == "en" and hub.reading_lang("nl") == "de"  # zero-shot: the shared sub-words
    assert (hub.encode(["d1 d2 d3"], lang="nl", tokenized=True) ==
            hub.encode(["d1 d2 d3"], lang="de", tokenized=True)).all()


def test_examples_longer_than_the_model_takes_are_skipped_in_training_and_stop_validation(data, tmp_path):
    """fairseq's rule for over-long examples (a WikiANN "sentence" of 1,419 sub-words stopped a fine-tuning run
    with a traceback): training skips them with a count, validation stops with a clear error before any work
    unless --skip-invalid-size-inputs-valid-test."""
    from fairseq_xling.errors import UserError

    _, task, model, _ = build_in_process(data, "/tmp/unused", *TINY, "--max-positions", "5",
                                         arch="xling_mmte_tiny", objectives=BOTH)
    assert model.max_positions() == 5
    train = task.dataset("train")
    batches = list(task.get_batch_iterator(train, max_sentences=8, max_positions=model.max_positions(),
                                           ignore_invalid_inputs=True).next_epoch_itr(shuffle=False))
    lengths = train.lengths(0)
    assert 0 < len(train.skipped[0]) == int((lengths > 5).sum()) < len(lengths)
    seen = sum(len(b["id"]) for b in batches)
    assert seen == len(train) - sum(len(s) for s in train.skipped.values())
    assert all(b["net_input"]["src_tokens"].size(1) <= 5 and b["target"].size(1) <= 5 for b in batches)
    task.load_dataset("valid")
    with pytest.raises(UserError, match=r"translation_de-en: \d+ of 24 evaluation examples are longer than the "
                                        r"model takes \(5 tokens\).*--skip-invalid-size-inputs-valid-test"):
        task.get_batch_iterator(task.dataset("valid"), max_sentences=8, max_positions=5)
    log = fairseq_cli("train", *train_args(data, tmp_path, *TINY, "--max-positions", "5", "--max-epoch", "1",
                                           arch="xling_mmte_tiny", objectives=BOTH), check=False)
    assert log.returncode != 0 and "Traceback" not in log.stderr
    assert "training examples are longer than the model takes (5 tokens" in log.stderr + log.stdout
    assert "--skip-invalid-size-inputs-valid-test skips them" in log.stderr
