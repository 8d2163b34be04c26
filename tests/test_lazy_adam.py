"""--optimizer lazy_adam with --sparse-embeddings: fairseq's Adam for dense parameters, the same update on the
touched rows only for sparse ones; fairseq's gradient scaling and clipping work on sparse gradients, for lazy_adam
and for sparse_sgd (fairseq's sgd, which the paper's setting needs)."""
import copy
from argparse import Namespace

import pytest
import torch
from fairseq.optim.adam import Adam as FairseqAdamImpl
from fairseq.optim.sgd import SGD as FairseqSGD

from fairseq_xling.errors import UserError
from fairseq_xling.evaluation.retrieval import precision_at_k
from fairseq_xling.hub_interface import XlingHubInterface
from fairseq_xling.optim.lazy_adam import (FairseqLazyAdam, FairseqSparseSGD, LazyAdam, LazyAdamConfig,
                                           check_sparse_training)
from tests.utils import build_in_process, fairseq_cli, first_batches, make_data_bin, synthetic_corpus, train_args

SETTINGS = dict(lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)


def run_steps(module, optimizer, batches):
    for rows in batches:
        optimizer.zero_grad()
        (module(rows) ** 2).sum().backward()
        optimizer.step()


def test_dense_parameters_get_fairseqs_adam_update():
    torch.manual_seed(0)
    ours = torch.nn.Linear(5, 3)
    theirs = copy.deepcopy(ours)
    opt_ours, opt_theirs = LazyAdam(ours.parameters(), **SETTINGS), FairseqAdamImpl(theirs.parameters(), **SETTINGS)
    for _ in range(5):
        x = torch.randn(4, 5)
        for model, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            model(x).pow(2).sum().backward()
            opt.step()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_sparse_rows_all_touched_equal_the_dense_update():
    torch.manual_seed(0)
    sparse = torch.nn.Embedding(6, 4, sparse=True)
    dense = torch.nn.Embedding(6, 4)
    dense.load_state_dict(sparse.state_dict())
    every_row_twice = [torch.tensor([0, 1, 2, 3, 4, 5, 5, 0, 2]), torch.tensor([5, 4, 3, 2, 1, 0, 1])]
    run_steps(sparse, LazyAdam(sparse.parameters(), **SETTINGS), every_row_twice * 2)
    run_steps(dense, LazyAdam(dense.parameters(), **SETTINGS), every_row_twice * 2)
    assert torch.allclose(sparse.weight, dense.weight, atol=1e-6)


def test_untouched_rows_keep_weights_and_moments():
    torch.manual_seed(0)
    table = torch.nn.Embedding(6, 4, sparse=True)
    before = table.weight.detach().clone()
    optimizer = LazyAdam(table.parameters(), **SETTINGS)
    run_steps(table, optimizer, [torch.tensor([1, 1, 3]), torch.tensor([3])])
    state = optimizer.state[table.weight]
    untouched = [0, 2, 4, 5]
    assert torch.equal(table.weight[untouched], before[untouched])
    assert not state["exp_avg"][untouched].any() and not state["exp_avg_sq"][untouched].any()
    assert not torch.equal(table.weight[[1, 3]], before[[1, 3]])
    # row 1 was touched at the first step only: one Adam step, its moments untouched by the second
    g = 2 * 2 * before[1]  # twice in the batch, d(w^2)/dw = 2w
    assert torch.allclose(state["exp_avg"][1], 0.1 * g) and torch.allclose(state["exp_avg_sq"][1], 0.01 * g * g)
    assert state["step"] == 2


def fairseq_optimizer(params):
    cfg = LazyAdamConfig(adam_betas="(0.9, 0.999)", adam_eps=1e-8, weight_decay=0.0, lr=[0.1])
    return FairseqLazyAdam(cfg, params)


def test_multiply_and_clip_sparse_gradients_as_dense_ones():
    torch.manual_seed(0)
    sparse = torch.nn.Embedding(6, 4, sparse=True)
    dense = torch.nn.Embedding(6, 4)
    dense.load_state_dict(sparse.state_dict())
    rows = torch.tensor([1, 1, 2, 5])  # row 1 twice: an uncoalesced gradient
    norms = []
    for table in (sparse, dense):
        optimizer = fairseq_optimizer(list(table.parameters()))
        (table(rows) ** 2).sum().backward()
        optimizer.multiply_grads(torch.tensor(0.5))
        norms.append(optimizer.clip_grad_norm(1.0))
    assert torch.allclose(norms[0], norms[1])
    assert norms[1] > 1.0  # the clip was active
    assert torch.allclose(sparse.weight.grad.to_dense(), dense.weight.grad, atol=1e-6)
    assert torch.allclose(dense.weight.grad.norm(), torch.tensor(1.0), atol=1e-4)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sparse_sgd_updates_sparse_tables_as_fairseqs_sgd_updates_dense_ones(momentum):
    """fairseq's gradient scaling, clipping (active) and SGD step; a row no batch touches does not move."""
    torch.manual_seed(0)
    sparse = torch.nn.Embedding(6, 4, sparse=True)
    dense = torch.nn.Embedding(6, 4)
    dense.load_state_dict(sparse.state_dict())
    before = sparse.weight.detach().clone()
    cfg = Namespace(lr=[0.1], momentum=momentum, weight_decay=0.0)
    optimizers = {sparse: FairseqSparseSGD(cfg, list(sparse.parameters())),
                  dense: FairseqSGD(cfg, list(dense.parameters()))}
    for rows in (torch.tensor([1, 1, 2, 5]), torch.tensor([2, 3, 3]), torch.tensor([1, 5])):
        for table, optimizer in optimizers.items():
            optimizer.zero_grad()
            (table(rows) ** 2).sum().backward()
            optimizer.multiply_grads(torch.tensor(0.5))
            assert optimizer.clip_grad_norm(0.5) > 0.5
            optimizer.step()
    assert torch.allclose(sparse.weight, dense.weight, atol=1e-6)
    assert torch.equal(sparse.weight[[0, 4]], before[[0, 4]]) and not torch.equal(sparse.weight[1], before[1])


def test_sparse_tables_need_an_optimizer_that_updates_them():
    model = torch.nn.Embedding(6, 4, sparse=True)
    check_sparse_training(model, LazyAdam(model.parameters()))
    check_sparse_training(model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    for optimizer in (torch.optim.Adam(model.parameters()), torch.optim.SGD(model.parameters(), lr=1,
                                                                             weight_decay=0.1)):
        with pytest.raises(UserError, match="--sparse-embeddings"):
            check_sparse_training(model, optimizer)
    check_sparse_training(torch.nn.Embedding(6, 4), torch.optim.Adam(model.parameters()))  # dense: anything goes
    cfg = Namespace(lr=[0.1], momentum=0.0, weight_decay=0.0)
    check_sparse_training(model, FairseqSparseSGD(cfg, list(model.parameters())))
    with pytest.raises(UserError, match="sparse_sgd"):  # fairseq's sgd: its gradient norm fails on sparse tensors
        check_sparse_training(model, FairseqSGD(cfg, list(model.parameters())))
    with pytest.raises(UserError, match="invalid settings lr=-1"):
        FairseqSparseSGD(Namespace(lr=[-1.0], momentum=0.0, weight_decay=0.0), list(model.parameters()))


PAIRS = synthetic_corpus(24, vocab=14, seed=5)


def test_sparse_tables_get_the_embedding_gradient_multiplier(tmp_path):
    """--embedding-grad-scale multiplies sparse gradients as it does dense ones (the paper's x100 with SGD)."""
    data = make_data_bin(str(tmp_path / "data"), PAIRS)
    grads = {}
    for sparse in (False, True):
        for scale in ("1", "100"):
            torch.manual_seed(0)
            _, task, model, criterion = build_in_process(
                data, "/tmp/unused", "--embedding-grad-scale", scale, "--dropout", "0",
                *(["--sparse-embeddings"] if sparse else []), arch="xling_dual_encoder_tiny",
                objectives="ranking:de-en")
            model.train()
            criterion(model, first_batches(task)[0])[0].backward()
            grads[sparse, scale] = {k: p.grad.to_dense() if p.grad.is_sparse else p.grad.clone()
                                    for k, p in model.named_parameters() if p.grad is not None}
            tables = [f"encoder.embed.{t}" for t in model.encoder.embed.tables]
            assert all(model.get_parameter(t).grad.is_sparse == sparse for t in tables)
    for k, plain in grads[False, "1"].items():
        factor = 100.0 if k in tables else 1.0
        for sparse in (False, True):
            assert torch.allclose(grads[sparse, "100"][k], plain * factor, rtol=1e-4, atol=1e-6), (k, sparse)
            assert torch.allclose(grads[sparse, "1"][k], plain, rtol=1e-4, atol=1e-6), (k, sparse)


def test_dual_encoder_with_sparse_tables_trains_through_fairseq_train(tmp_path):
    data = make_data_bin(str(tmp_path / "data"), PAIRS, valid_pairs=synthetic_corpus(8, seed=3))
    args = train_args(data, str(tmp_path / "ckpt"), "--max-epoch", "40", "--batch-size", "12", "--lr", "0.01",
                      "--dropout", "0", "--no-epoch-checkpoints", "--validate-interval", "40", "--word-vocab", "8",
                      "--sparse-embeddings", "--optimizer", "lazy_adam", "--clip-norm", "5",
                      arch="xling_dual_encoder_tiny", objectives="ranking:de-en:symmetric=true")
    result = fairseq_cli("train", *args, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    hub = XlingHubInterface.from_pretrained(str(tmp_path / "ckpt"), "checkpoint_last.pt")
    assert hub.model.encoder.embed.embed_ngrams.sparse
    de = hub.encode([" ".join(p[0]) for p in PAIRS], lang="de", tokenized=True)
    en = hub.encode([" ".join(p[1]) for p in PAIRS], lang="en", tokenized=True)
    assert precision_at_k(de, en, k=1)["p@1"] == 1.0

    wrong = train_args(data, str(tmp_path / "ckpt2"), "--max-epoch", "1", "--sparse-embeddings",
                       arch="xling_dual_encoder_tiny", objectives="ranking:de-en")  # train_args' --optimizer adam
    result = fairseq_cli("train", *wrong, check=False)
    assert result.returncode == 1
    assert "error: --sparse-embeddings: the optimizer" in result.stderr and "Traceback" not in result.stderr
