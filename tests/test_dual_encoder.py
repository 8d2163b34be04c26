"""The dual encoder (Chidambaram et al. 2019) end to end: fairseq-train with the ranking objective, then the hub."""
import numpy as np
import pytest
import torch

from fairseq_xling.evaluation.retrieval import precision_at_k
from fairseq_xling.hub_interface import XlingHubInterface
from tests.utils import (add_multitask_data, build_in_process, fairseq_cli, make_data_bin, run_main,
                         synthetic_corpus, train_args)

PAIRS = synthetic_corpus(32, vocab=14, seed=11)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One multi-task run as the paper's (round-robin over translation ranking, quick-thought, conversation
    response and NLI), with part of the dictionary out of the vocabulary (--word-vocab)."""
    data = make_data_bin(str(tmp_path_factory.mktemp("data")), PAIRS, valid_pairs=synthetic_corpus(8, seed=3))
    add_multitask_data(data)
    save = tmp_path_factory.mktemp("ckpt")
    args = train_args(data, str(save), "--max-epoch", "30", "--batch-size", "16", "--word-vocab", "8",
                      "--lr", "0.01", "--dropout", "0", "--no-epoch-checkpoints", "--validate-interval", "30",
                      "--save-interval", "30",
                      arch="xling_dual_encoder_tiny",
                      objectives="ranking:de-en:symmetric=true,quick_thought:en,response:en,nli:en")
    result = fairseq_cli("train", *args, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return XlingHubInterface.from_pretrained(str(save), "checkpoint_last.pt"), result.stdout + result.stderr, data, save


def test_ranking_learns_its_training_pairs(trained):
    hub, log = trained[:2]
    for metric in ("ranking_de-en:acc", "quick_thought_en:acc", "response_en:acc", "nli_en:acc"):
        assert metric in log
    de = hub.encode([" ".join(p[0]) for p in PAIRS], lang="de", tokenized=True)
    en = hub.encode([" ".join(p[1]) for p in PAIRS], lang="en", tokenized=True)
    assert precision_at_k(de, en, k=1)["p@1"] == 1.0 and precision_at_k(en, de, k=1)["p@1"] == 1.0


def test_the_hub_embeds_unseen_words_from_their_characters(trained):
    hub = trained[0]
    assert "d9999" not in hub.task.vocab.dicts["de"].indices
    a, b, c = hub.encode(["d1 d9999", "d1 d9998", "d1 d9999"], lang="de", tokenized=True)
    assert np.allclose(a, c, atol=1e-5) and not np.allclose(a, b, atol=1e-2)  # two unseen words differ (not <unk>)
    # a dictionary word outside the vocabulary (--word-vocab 8) embeds from its row as from its text alone
    enc, de = hub.model.encoder, hub.task.vocab.dicts["de"]
    oov = [w for w in de.symbols[de.nspecial + 8:] if w.startswith("d")]
    assert oov
    rows = hub.task.vocab.rows("de", torch.tensor([de.index(w) for w in oov]))
    with torch.no_grad():
        assert torch.allclose(enc.embed(rows), enc.embed.embed_strings(oov), atol=1e-6)


def test_mined_hard_negatives_train_with_the_ranking_objective(trained, tmp_path, capsys):
    import shutil

    from fairseq_xling.data.hard_negatives import main

    _, _, data, save = trained
    data = shutil.copytree(data, tmp_path / "data")  # the fixture's data-bin stays as it was
    code, out, err = run_main(main, capsys, data, "--checkpoint", save / "checkpoint_last.pt", "--pair", "de-en",
                              "--k", "3", "--threads", "1")
    assert code == 0, err
    negatives = np.load(data / "train.de-en.hardneg.en.npy")
    assert out.strip() == str(data / "train.de-en.hardneg.en.npy")
    texts = [" ".join(p[1]) for p in PAIRS]
    assert negatives.shape == (len(PAIRS), 3)
    assert all(texts[j] != texts[i] for i, row in enumerate(negatives) for j in row)  # never the pair's own text
    # the ranking objective reads them: k target sentences per pair in every batch
    _, task, _, _ = build_in_process(str(data), "/tmp/unused", arch="xling_dual_encoder_tiny",
                                     objectives="ranking:de-en:hard_negatives=2")
    multitask = task.datasets["train"]
    dataset = multitask.datasets[multitask.names.index("ranking_de-en")]
    sample = dataset.collater([dataset[i] for i in range(4)])
    assert sample["negative_input"]["src_tokens"].size(0) == 8
    mined = dataset.collater([dataset[int(j)] for j in negatives[:4, :2].flatten()])["tgt_input"]["src_tokens"]
    got = sample["negative_input"]["src_tokens"]
    assert torch.equal(got[:, : mined.size(1)], mined) and not got[:, mined.size(1):].ne(1).any()
    # a pair the model does not know, hard negatives of other pairs: clear errors
    code, _, err = run_main(main, capsys, data, "--checkpoint", save / "checkpoint_last.pt", "--pair", "de-fr")
    assert code == 1 and "fr" in err and "Traceback" not in err
    np.save(data / "train.de-en.hardneg.en.npy", negatives[:-1])
    from fairseq_xling.errors import UserError

    with pytest.raises(UserError, match="one row per pair"):
        build_in_process(str(data), "/tmp/unused", arch="xling_dual_encoder_tiny",
                         objectives="ranking:de-en:hard_negatives=2")
