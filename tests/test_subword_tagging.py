"""Tagging with a sub-word encoder (issues 9 and 10): conll.sh --subword-from a multilingual.sh data-bin, the
tagging objective's pooled head, and end to end: a tiny LASER model trained to translate, its encoder fine-tuned
as a tagger through fairseq-train, then tagging through the hub and xling-eval."""
import json
import random
import subprocess
import sys

import numpy as np
import pytest
import torch
from fairseq.data import Dictionary, data_utils

from fairseq_xling.hub_interface import XlingHubInterface
from fairseq_xling.modules.word_pooling import word_windows
from fairseq_xling.text.subword import SubwordEncoder
from fairseq_xling.text.tag_conversion import convert_tags
from tests.utils import USER_DIR, build_in_process, fairseq_cli, first_batches
from tests.utils_text import DE_EN, MULTILINGUAL_SH, finish_script, run_script, start_script, write_lines

CONLL_SH = MULTILINGUAL_SH.replace("multilingual.sh", "conll.sh")
PEOPLE, PLACES = ["Anna", "Jan", "Piet", "Katharina"], ["Gent", "Utrecht", "Rotterdam"]
TINY_ENCODER = ["--arch", "xling_laser_lstm_tiny", "--embed-dim", "16", "--encoder-hidden-size", "16",
                "--encoder-layers", "2"]


def tagged_sentences(n, seed):
    """German sentences whose tags follow from the words (IOB2): people are PER, a place and "stadt" a LOC span."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(n):
        tokens, tags = [], []
        for _ in range(rng.randint(2, 5)):
            kind = rng.randrange(3)
            if kind == 0:
                tokens.append(rng.choice(sorted(DE_EN)))
                tags.append("O")
            elif kind == 1:
                tokens.append(rng.choice(PEOPLE))
                tags.append("B-PER")
            else:
                tokens += [rng.choice(PLACES), "stadt"]
                tags += ["B-LOC", "I-LOC"]
        sentences.append((tokens, tags))
    return sentences


def write_conll(path, sentences):
    return write_lines(path, [line for tokens, tags in sentences
                              for line in [f"{t} {g}" for t, g in zip(tokens, tags)] + [""]])


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A de-en SentencePiece data-bin (multilingual.sh), a LASER model trained on it for a few updates, and the
    tagging data-bin of conll.sh --subword-from it."""
    base = tmp_path_factory.mktemp("subword_tagging")
    german = [" ".join(tokens) for tokens, _ in tagged_sentences(80, seed=5)]
    english = [" ".join(DE_EN.get(t, "city" if t == "stadt" else t) for t in line.split()) for line in german]
    src, tgt = write_lines(base / "train.de", german), write_lines(base / "train.en", english)
    nmt = base / "nmt"
    job = start_script(MULTILINGUAL_SH, "--dest", nmt, "--subword", "spm", "--vocab-size", 60, "--workers", 1,
                       "--train", "de-en", src, tgt, "--valid", "de-en", src, tgt, log_dir=base / "log")
    train = tagged_sentences(10, seed=1)
    conll = write_conll(base / "train.conll", train)
    result = finish_script(job)
    assert result.returncode == 0, result.stderr[-3000:]
    tagging = base / "tag"  # binarised while the translation model trains
    job = start_script(CONLL_SH, "--format", "conll2002", "--lang", "de", "--train", conll, "--valid", conll,
                       "--dest", tagging, "--subword-from", nmt, log_dir=base / "log_conll")
    nmt_ckpt = base / "nmt_ckpt"
    training = fairseq_cli("train", nmt, "--user-dir", USER_DIR, "--task", "xling_multitask", "--objectives",
                           "translation:de-en,translation:en-de", *TINY_ENCODER, "--optimizer", "adam", "--lr", "0.01",
                           "--batch-size", "16", "--max-update", "10", "--save-dir", nmt_ckpt, "--cpu",
                           "--no-progress-bar", "--num-workers", "0", "--no-epoch-checkpoints", check=False)
    assert training.returncode == 0, training.stderr[-3000:]
    result = finish_script(job)
    assert result.returncode == 0, result.stderr[-3000:]
    return {"base": base, "nmt": nmt, "nmt_ckpt": nmt_ckpt / "checkpoint_last.pt", "tagging": tagging,
            "conll": conll, "train": train}


def test_the_data_bin_holds_each_words_pieces_and_the_nmt_dictionary(made):
    tagging, nmt = made["tagging"], made["nmt"]
    assert (tagging / "dict.subword.txt").read_bytes() == (nmt / "dict.de.txt").read_bytes()
    assert (tagging / "spm.model").read_bytes() == (nmt / "spm.model").read_bytes()
    assert not (tagging / "dict.word.txt").exists() and not (tagging / "train.char.bin").exists()
    meta = json.loads((tagging / "preprocess.json").read_text())
    assert meta["bpe"] == "sentencepiece" and meta["bpe_model"] == "spm.model" and meta["tokenizer"] == "none"
    assert meta["subword_tagging"]["from"] == str(nmt) and meta["subword_tagging"]["unsplit_words"] == 0
    # every word split on its own by the data-bin's model; the pieces stream counts them
    encoder = SubwordEncoder("spm", str(nmt / "spm.model"))
    subword_dict = Dictionary.load(str(tagging / "dict.subword.txt"))
    tag_dict = Dictionary.load(str(tagging / "dict.tag.txt"))
    subwords = data_utils.load_indexed_dataset(str(tagging / "train.subword"), subword_dict)
    pieces = data_utils.load_indexed_dataset(str(tagging / "train.pieces"), None)
    tags = data_utils.load_indexed_dataset(str(tagging / "train.tag"), tag_dict)
    lengths = set()
    for k, (tokens, gold) in enumerate(made["train"]):
        expected = [encoder(t).split() for t in tokens]
        assert subword_dict.string(subwords[k]).split() == [p for word in expected for p in word]
        assert pieces[k].tolist() == [len(word) for word in expected]
        assert tag_dict.string(tags[k]).split() == convert_tags(gold, "IOB2", "BIOES")[0]
        lengths.update(map(len, expected))
    assert min(lengths) == 1 and max(lengths) >= 3  # words of one and of several pieces
    histogram = meta["subword_tagging"]["pieces_per_word"]["histogram"]
    assert sum(histogram.values()) == sum(len(t) for t, _ in made["train"])


def test_batches_carry_sub_words_and_the_word_of_each(made):
    tagging = made["tagging"]
    _, task, model, _ = build_in_process(tagging, "/tmp/unused", *TINY_ENCODER[2:], "--decoder", "none",
                                         arch="xling_laser_lstm_tiny",
                                         objectives="tagging:de:task=ner:pool=mean:hidden=8")
    batch = first_batches(task)[0]
    net = batch["net_input"]
    d = task.vocabs["word"].dicts["de"]
    for row in range(len(batch["id"])):
        tokens, _ = made["train"][int(batch["id"][row])]
        index = net["word_index"][row]
        n_sub = int(net["src_lengths"][row])
        assert index[:n_sub].tolist() == sorted(index[:n_sub].tolist()) and index[n_sub:].eq(-1).all()
        assert int(index.max()) + 1 == len(tokens) == int(batch["tag_mask"][row].sum())
        for w, token in enumerate(tokens):  # the sub-words of word w spell it
            assert d.string(net["src_tokens"][row][index == w]).replace(" ", "").replace("\u2581", "") == token
    model.eval()
    with torch.no_grad():
        out = model(**net)
    assert out["emissions"].shape[:2] == batch["target"].shape  # B x W: one score row per word
    assert model.heads["tag_ner"].hidden[0].out_features == 8


def test_pool_and_hidden_options_are_checked(made, tmp_path):
    tagging = str(made["tagging"])
    with pytest.raises(ValueError, match="pool=last: expected one of first, mean, max"):
        build_in_process(tagging, "/tmp/unused", arch="xling_laser_lstm_tiny", objectives="tagging:de:pool=last")
    from tests.utils import make_tagging_data_bin, tagging_corpus

    words = make_tagging_data_bin(str(tmp_path / "words"), tagging_corpus(4))
    with pytest.raises(ValueError, match="pool= pools sub-words, but its data has words"):
        build_in_process(words, "/tmp/unused", arch="xling_char_cnn_tagger_tiny", objectives="tagging:nl:pool=max")
    with pytest.raises(ValueError, match="reads words and their characters"):  # sub-word data has none
        build_in_process(tagging, "/tmp/unused", arch="xling_char_cnn_tagger_tiny", objectives="tagging:de")


def test_conll_sh_refuses_what_it_cannot_split(made, tmp_path):
    conll = made["conll"]
    result = run_script(CONLL_SH, "--format", "conll2002", "--lang", "de", "--train", conll, "--dest",
                        tmp_path / "a", "--subword-from", made["nmt"], "--lowercase")
    assert result.returncode != 0 and "--lowercase: not with --subword-from" in result.stderr
    result = run_script(CONLL_SH, "--format", "conll2002", "--lang", "de", "--train", conll, "--dest",
                        tmp_path / "b", "--subword-from", made["tagging"] / "text")
    assert result.returncode != 0 and "expected a data-bin made by preprocess/multilingual.sh" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "b").exists()


def test_a_translation_encoder_fine_tuned_as_tagger_tags_through_the_hub_and_xling_eval(made):
    """MMTE's head (first sub-word, a 784 -> here 16-unit ReLU layer, softmax) on the restored LASER encoder."""
    save = made["base"] / "tagger"
    result = fairseq_cli(
        "train", made["tagging"], "--user-dir", USER_DIR, "--task", "xling_multitask",
        "--objectives", "tagging:de:task=ner:pool=first:hidden=16", "--tag-head", "softmax",
        "--restore-encoder", made["nmt_ckpt"], *TINY_ENCODER, "--decoder", "none", "--optimizer", "adam",
        "--lr", "0.02", "--batch-size", "10", "--max-update", "120", "--save-dir", save, "--cpu",
        "--no-progress-bar", "--num-workers", "0", "--seed", "1", "--no-epoch-checkpoints", "--log-interval", "60",
        check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert "encoder restored from" in log and "ner_de:f1 1" in log  # the training sentences, tagged perfectly
    hub = XlingHubInterface.from_pretrained(str(save), "checkpoint_last.pt")
    tokens = [t for t, _ in made["train"]]
    assert hub.tag(tokens, "de") == [convert_tags(g, "IOB2", "BIOES")[0] for _, g in made["train"]]
    command = [sys.executable, "-m", "fairseq_xling.evaluation.cli", "tagging", "--checkpoint",
               str(save / "checkpoint_last.pt"), "--input", str(made["conll"]), "--format", "conll2002", "--lang", "de"]
    evaluated = subprocess.run(command, capture_output=True, text=True)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    row = json.loads(evaluated.stdout.strip().splitlines()[-1])
    assert row["f1"] == 1.0 and row["sentences"] == len(made["train"]) and row["in_train"] == len(made["train"])
    # a sentence longer than the encoder takes is tagged in windows of whole words, in order, none lost
    long = [t for sentence in tokens[:6] for t in sentence]
    whole = hub.tag([long], "de")[0]
    assert len(whole) == len(long)
    counts = [len(item["subwords"]) for item in hub._subword_tag_items([[t] for t in long], "de")[0]]
    hub.model.encoder.max_input_tokens = limit = max(counts) + 2
    windows = word_windows(counts, limit)
    assert len(windows) > 2
    assert hub.tag([long], "de")[0] == [t for b, e in windows for t in hub.tag([long[b:e]], "de")[0]]
    hub.model.encoder.max_input_tokens = 1  # every word alone, cut to its first sub-word
    assert len(hub.tag([long], "de")[0]) == len(long)
    hub.model.encoder.max_input_tokens = None
    # an unseen word is split into the checkpoint's pieces too (no data-bin needed: the model travels with it)
    assert len(hub.tag([["Katharina", "Zürich", "über"]], "de")[0]) == 3
    assert np.isfinite(hub.encode(["Anna haus"], lang="de")).all()


def train_tagger(made, name, objective, *extra, updates=60):
    """fairseq-train a tagging head on the sub-word data: (save dir, log)."""
    save = made["base"] / name
    result = fairseq_cli(
        "train", made["tagging"], "--user-dir", USER_DIR, "--task", "xling_multitask", "--objectives", objective,
        *TINY_ENCODER, "--decoder", "none", "--batch-size", "10", "--max-update", str(updates), "--save-dir", save,
        "--cpu", "--no-progress-bar", "--num-workers", "0", "--seed", "1", "--no-epoch-checkpoints",
        "--log-interval", str(updates), *extra, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return save, result.stdout + result.stderr


def model_state(path):
    return torch.load(path, map_location="cpu", weights_only=False)["model"]


# van der Heijden et al.'s tagger, shrunk: a 1-layer Transformer of 16 over the word features, then the CRF
FEATURE_TAGGER = "tagging:de:task=ner:features={}:tagger=transformer:tagger_dim=16:tagger_layers=1:tagger_dropout=0"


@pytest.mark.parametrize("kind, learned", [("top", "features.gamma"), ("elmo", "features.scalar_mix.weights"),
                                           ("bow", None), ("gru", "features.gru.weight_ih_l0")])
def test_gradients_reach_the_features_and_tagger_never_a_frozen_encoder(made, kind, learned):
    _, task, model, criterion = build_in_process(str(made["tagging"]), "/tmp/unused", *TINY_ENCODER, "--decoder",
                                                 "none", "--restore-encoder", made["nmt_ckpt"], "--freeze-encoder",
                                                 objectives=FEATURE_TAGGER.format(kind))
    model.train()
    criterion(model, first_batches(task)[0])[0].backward()
    assert all(not p.requires_grad and p.grad is None for p in model.encoder.parameters())
    head = model.heads["tag_ner"]
    assert head.tagger.project.weight.grad.abs().sum() > 0
    if learned is not None:
        assert head.get_parameter(learned).grad.abs().sum() > 0


@pytest.mark.parametrize("kind", ["top", "elmo", "bow", "gru"])
def test_word_features_of_a_frozen_translation_encoder_train_a_tagger(made, kind):
    """Through fairseq-train: the frozen encoder's parameters stay as restored; gamma and the layer weights learn."""
    save, log = train_tagger(made, f"features_{kind}", FEATURE_TAGGER.format(kind), "--restore-encoder",
                             made["nmt_ckpt"], "--freeze-encoder", "--optimizer", "adam", "--lr", "0.01", updates=20)
    assert "encoder restored from" in log
    before, after = model_state(made["nmt_ckpt"]), model_state(save / "checkpoint_last.pt")
    encoder = [k for k in after if k.startswith("encoder.")]
    assert encoder and all(torch.equal(after[k], before[k]) for k in encoder)
    if kind == "top":
        assert after["heads.tag_ner.features.gamma"].item() != 1.0
    if kind == "elmo":
        assert after["heads.tag_ner.features.scalar_mix.weights"].abs().sum() > 0


def test_laser_top_transformer_crf_tags_its_training_sentences_perfectly(made):
    """LASER-top features -> Transformer tagger -> CRF, trained with SGD + momentum under the one-cycle policy
    (the paper's LASER-based setting), then scored by xling-eval and read back through the hub."""
    save, log = train_tagger(made, "laser_top", FEATURE_TAGGER.format("top"), "--restore-encoder", made["nmt_ckpt"],
                             "--freeze-encoder", "--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.1",
                             "--clip-norm", "5", "--lr-scheduler", "one_cycle", "--best-checkpoint-metric",
                             "ner_de:f1", "--maximize-best-checkpoint-metric", updates=150)
    assert "ner_de:f1 1" in log, log[-3000:]
    command = [sys.executable, "-m", "fairseq_xling.evaluation.cli", "tagging", "--checkpoint",
               str(save / "checkpoint_best.pt"), "--input", str(made["conll"]), "--format", "conll2002", "--lang", "de"]
    evaluated = subprocess.run(command, capture_output=True, text=True)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert json.loads(evaluated.stdout.strip().splitlines()[-1])["f1"] == 1.0
    hub = XlingHubInterface.from_pretrained(str(save), "checkpoint_best.pt")
    tokens = [t for t, _ in made["train"]]
    features = hub.extract_word_features(tokens[:3], "de", pool="max")
    layers = hub.model.encoder.layer_dims
    assert [[f.shape for f in sentence] for sentence in features] == [[(len(s), d) for d in layers] for s in tokens[:3]]


def test_lstm_no_pretraining_trains_its_encoder_with_the_tagger(made):
    """The paper's "LSTM no pretraining": LASER-elmo's features over a randomly initialised BiLSTM that trains."""
    _, task, model, criterion = build_in_process(str(made["tagging"]), "/tmp/unused", *TINY_ENCODER, "--decoder",
                                                 "none", objectives=FEATURE_TAGGER.format("elmo"))
    model.train()
    criterion(model, first_batches(task)[0])[0].backward()
    assert model.encoder.lstm.layers[1].weight_hh_l0.grad.abs().sum() > 0
    assert model.heads["tag_ner"].features.scalar_mix.weights.grad.abs().sum() > 0


def test_feature_options_are_checked(made):
    tagging = str(made["tagging"])
    for objective, match in (("tagging:de:features=last", "features=last: expected one of states, top"),
                             ("tagging:de:features=top:pool=mean", "pool= pools the top layer's states"),
                             ("tagging:de:tagger=lstm", "tagger=lstm: expected linear or transformer")):
        with pytest.raises(ValueError, match=match):
            build_in_process(tagging, "/tmp/unused", *TINY_ENCODER, objectives=objective)


@pytest.mark.parametrize("kind", ["bow", "gru"])
def test_embedding_features_skip_the_encoders_contextual_layers(made, kind):
    """BPE-BOW / BPE-GRU read the embedding layer alone: the BiLSTM does not run, and the tags are the same."""
    _, task, model, _ = build_in_process(str(made["tagging"]), "/tmp/unused", *TINY_ENCODER, "--decoder", "none",
                                         objectives=FEATURE_TAGGER.format(kind))
    model.eval()
    net_input = first_batches(task)[0]["net_input"]
    calls = []
    run_lstm = model.encoder.lstm.forward_layers
    model.encoder.lstm.forward_layers = lambda *args: calls.append(1) or run_lstm(*args)
    fast = model(**net_input)["emissions"]
    assert not calls
    inputs = {k: v for k, v in net_input.items() if k not in ("src_tokens", "src_lengths", "src_lang", "head")}
    full = model.encoder(net_input["src_tokens"], net_input["src_lengths"], net_input["src_lang"])
    assert calls and len(full["layers"]) == 3
    slow = model.heads["tag_ner"](full, net_input["src_lang"], **inputs)["emissions"]
    assert torch.allclose(fast, slow, atol=1e-6)


@pytest.mark.parametrize("kind", ["top", "elmo"])
def test_frozen_encoder_cache_serves_the_states_the_encoder_computes(made, kind):
    """--frozen-encoder-cache-gb: the first batch is encoded and stored, the second time served from the cache;
    the losses equal those of the same model without the cache; a budget too small stores nothing, still right."""
    options = (*TINY_ENCODER, "--decoder", "none", "--restore-encoder", made["nmt_ckpt"], "--freeze-encoder")
    _, task, plain, criterion = build_in_process(str(made["tagging"]), "/tmp/unused", *options,
                                                 objectives=FEATURE_TAGGER.format(kind))
    _, _, cached, _ = build_in_process(str(made["tagging"]), "/tmp/unused", *options, "--frozen-encoder-cache-gb", "1",
                                       objectives=FEATURE_TAGGER.format(kind))
    cached.load_state_dict(plain.state_dict())
    plain.eval(), cached.eval()
    batches = first_batches(task)[:2]
    with torch.no_grad():
        expected = [criterion(plain, batch)[0] for batch in batches]
        for _ in range(2):
            assert all(torch.allclose(criterion(cached, b)[0], e, atol=1e-5) for b, e in zip(batches, expected))
        cache = cached.encoder_cache
        sentences = sum(b["net_input"]["src_tokens"].size(0) for b in batches)
        assert len(cache) <= sentences and cache.hits >= sentences and cache.bytes > 0
        n = len(cached.encoder.layer_dims)  # only the layers the features read are stored
        stored = {tuple(layers) for _, layers, _ in cache.store.values()}
        assert stored == {(n - 1,) if kind == "top" else tuple(range(1, n))}
        cache.store.clear()
        cache.max_bytes = cache.bytes = 0
        assert all(torch.allclose(criterion(cached, b)[0], e, atol=1e-5) for b, e in zip(batches, expected))
        assert len(cache) == 0


def test_frozen_encoder_cache_trains_as_the_encoder_does(made):
    """Through fairseq-train, the same 20 updates with and without the cache end with the same head."""
    runs = {}
    for name, extra in (("plain", ()), ("cached", ("--frozen-encoder-cache-gb", "0.5"))):
        save, log = train_tagger(made, f"cache_{name}", FEATURE_TAGGER.format("top"), "--restore-encoder",
                                 made["nmt_ckpt"], "--freeze-encoder", "--optimizer", "adam", "--lr", "0.01", *extra,
                                 updates=20)
        runs[name] = model_state(save / "checkpoint_last.pt")
    heads = [k for k in runs["plain"] if k.startswith("heads.")]
    assert heads and all(torch.allclose(runs["plain"][k], runs["cached"][k], atol=1e-4) for k in heads)
    result = fairseq_cli("train", made["tagging"], "--user-dir", USER_DIR, "--task", "xling_multitask",
                         "--objectives", FEATURE_TAGGER.format("top"), *TINY_ENCODER, "--decoder", "none",
                         "--frozen-encoder-cache-gb", "1", "--max-update", "1", "--batch-size", "10", "--cpu",
                         "--save-dir", "/tmp/unused", check=False)
    assert result.returncode == 1 and "error: --frozen-encoder-cache-gb needs --freeze-encoder" in result.stderr
