"""Optimizers for models with sparse-gradient embedding tables (``--sparse-embeddings``): ``--optimizer lazy_adam``,
fairseq's Adam plus sparse gradients updated lazily (only the rows a batch touched), and ``--optimizer sparse_sgd``,
fairseq's ``sgd`` (Chidambaram et al. train with SGD) made safe for sparse gradients.

Embedding tables with many rows and few rows per batch (the dual encoder's hashed character n-grams and OOV
buckets: ``--sparse-embeddings``) cost dense Adam a full pass over every row at every step: the gradient is
materialised as a dense table of zeros, clipped, and the moments and weights of all rows are rewritten. With
``nn.Embedding(sparse=True)`` the gradient holds the touched rows only, and this optimizer updates their moments
and weights only (the "lazy" Adam of TensorFlow's LazyAdamOptimizer and of torch's SparseAdam): a row no batch
touches keeps its moments and weights instead of drifting on its old momentum. Dense parameters get exactly
fairseq's ``adam`` update (AdamW-style decoupled weight decay; tested equal to ``fairseq.optim.adam.Adam``), so one
optimizer serves a model with both kinds of parameters. With every row touched at every step the lazy update is
the dense one (tested).

fairseq's gradient handling assumes dense gradients in two places, both overridden for both optimizers
(:class:`SparseGradients`): ``multiply_grads`` (``p.grad.data.mul_`` does nothing to a sparse tensor: its ``.data``
is a copy) and ``clip_grad_norm`` (torch's norm of a sparse tensor takes no dtype, so fairseq's ``sgd`` stops with a
RuntimeError at the first update even without clipping, and counts a row twice when the gradient is not coalesced).
Sparse gradients are coalesced (rows of one id summed) before both. SGD needs no lazy variant: a row no batch
touches has a zero gradient, so the sparse update is the dense one (tested), with momentum too as long as torch's
SGD takes the sparse gradient. Several processes are not supported (fairseq's ``legacy_ddp`` all-reduces a flat
dense buffer): :func:`check_sparse_training` says so at the first update.
"""
import math
from dataclasses import dataclass, field
from typing import Any, List

import torch
from fairseq.dataclass import FairseqDataclass
from fairseq.optim import register_optimizer
from fairseq.optim.adam import FairseqAdam
from fairseq.optim.fairseq_optimizer import FairseqOptimizer
from fairseq.optim.sgd import SGD as FairseqSGD
from omegaconf import II

from fairseq_xling.errors import UserError


class LazyAdam(torch.optim.Optimizer):
    """Adam with decoupled weight decay (fairseq's ``adam``) for dense gradients; for sparse gradients the same
    update restricted to the rows present in the gradient (their moments, weights and weight decay). The step
    count (bias correction) is per parameter, as in torch's SparseAdam."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        if lr < 0 or eps < 0 or weight_decay < 0 or not all(0 <= b < 1 for b in betas):
            raise UserError(f"--optimizer lazy_adam: invalid settings lr={lr}, betas={betas}, eps={eps}, "
                             f"weight_decay={weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    @property
    def supports_memory_efficient_fp16(self):
        return False

    @property
    def supports_flat_params(self):
        return False

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                step_size = group["lr"] * math.sqrt(1 - beta2 ** state["step"]) / (1 - beta1 ** state["step"])
                decay = group["weight_decay"] * group["lr"]
                if p.grad.is_sparse:
                    _sparse_update(p, p.grad.coalesce(), state, beta1, beta2, group["eps"], step_size, decay)
                    continue
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                if decay:
                    p.mul_(1 - decay)
                p.addcdiv_(exp_avg, exp_avg_sq.sqrt().add_(group["eps"]), value=-step_size)
        return loss


def _sparse_update(p, grad, state, beta1, beta2, eps, step_size, decay):
    """The Adam update of the rows of ``p`` present in the coalesced sparse ``grad`` (first dimension indexed)."""
    rows, values = grad.indices()[0], grad.values()
    if rows.numel() == 0:
        return
    exp_avg = state["exp_avg"].index_select(0, rows).mul_(beta1).add_(values, alpha=1 - beta1)
    exp_avg_sq = state["exp_avg_sq"].index_select(0, rows).mul_(beta2).addcmul_(values, values, value=1 - beta2)
    state["exp_avg"].index_copy_(0, rows, exp_avg)
    state["exp_avg_sq"].index_copy_(0, rows, exp_avg_sq)
    weights = p.index_select(0, rows)
    if decay:
        weights.mul_(1 - decay)
    p.index_copy_(0, rows, weights.addcdiv_(exp_avg, exp_avg_sq.sqrt_().add_(eps), value=-step_size))


def coalesce_sparse_grads(params) -> List[torch.Tensor]:
    """Coalesce every sparse gradient in place (one row per id); -> the gradients that exist."""
    grads = []
    for p in params:
        if p.grad is None:
            continue
        if p.grad.is_sparse and not p.grad.is_coalesced():
            p.grad = p.grad.coalesce()
        grads.append(p.grad)
    return grads


@dataclass
class LazyAdamConfig(FairseqDataclass):
    adam_betas: Any = field(default=(0.9, 0.999), metadata={"help": "betas for Adam"})
    adam_eps: float = field(default=1e-8, metadata={"help": "epsilon for Adam"})
    weight_decay: float = field(default=0.0, metadata={"help": "decoupled weight decay (as fairseq's adam); sparse "
                                                                "tables decay the rows a batch touched only"})
    lr: List[float] = II("optimization.lr")


class SparseGradients:
    """fairseq optimizer methods that handle sparse gradients as well as dense ones (a mixin, first in the bases)."""

    def multiply_grads(self, c):
        for grad in coalesce_sparse_grads(self.params):
            grad.mul_(c.to(grad.device) if torch.is_tensor(c) else c)

    def clip_grad_norm(self, max_norm, aggregate_norm_fn=None):
        grads = coalesce_sparse_grads(self.params)
        if not grads:
            return torch.tensor(0.0)
        norms = [(g.values() if g.is_sparse else g).detach().float().norm() for g in grads]
        total_norm = torch.stack(norms).norm()
        if aggregate_norm_fn is not None:
            total_norm = aggregate_norm_fn(total_norm)
        if max_norm > 0:
            clip_coef = (float(max_norm) / (total_norm + 1e-6)).clamp_(max=1)
            for g in grads:
                g.mul_(clip_coef)
        return total_norm


@register_optimizer("lazy_adam", dataclass=LazyAdamConfig)
class FairseqLazyAdam(SparseGradients, FairseqAdam):
    """fairseq's ``adam`` options and checkpoint state; the update of :class:`LazyAdam`."""

    def __init__(self, cfg: LazyAdamConfig, params):
        FairseqOptimizer.__init__(self, cfg)  # not FairseqAdam's: it picks its own Adam class
        self._optimizer = LazyAdam(params, **self.optimizer_config)


@register_optimizer("sparse_sgd")
class FairseqSparseSGD(SparseGradients, FairseqSGD):
    """fairseq's ``sgd`` (its options ``--momentum``, ``--weight-decay``; torch's SGD update), for models with sparse
    gradients too."""

    def __init__(self, args, params):
        lr, momentum, decay = args.lr[0], args.momentum, args.weight_decay
        if lr < 0 or momentum < 0 or decay < 0:
            raise UserError(f"--optimizer sparse_sgd: invalid settings lr={lr}, momentum={momentum}, "
                             f"weight_decay={decay} (expected non-negative numbers)")
        super().__init__(args, params)


def check_sparse_training(model: torch.nn.Module, optimizer) -> None:
    """A UserError when the model has sparse-gradient embeddings (``--sparse-embeddings``) and the run cannot update
    them: an optimizer other than lazy_adam or sparse_sgd without weight decay (fairseq's adam stops with a
    RuntimeError, fairseq's sgd too when it takes the gradient norm, torch's SGD with weight decay too), or several
    processes (fairseq's data-parallel wrappers all-reduce dense buffers). ``optimizer``: a fairseq optimizer, or a
    torch one (then only its update is checked)."""
    if not any(isinstance(m, torch.nn.Embedding) and m.sparse for m in model.modules()):
        return
    inner = getattr(optimizer, "optimizer", optimizer)
    handles_sparse = isinstance(optimizer, (SparseGradients, torch.optim.Optimizer))  # fairseq's norm would fail
    sgd = isinstance(inner, torch.optim.SGD) and all(g.get("weight_decay", 0) == 0 for g in inner.param_groups)
    if not handles_sparse or not (isinstance(inner, LazyAdam) or sgd):
        raise UserError(f"--sparse-embeddings: the optimizer ({type(inner).__name__}) cannot update sparse "
                        "gradients; use --optimizer lazy_adam, or sparse_sgd without --weight-decay")
    if torch.distributed.is_available() and torch.distributed.is_initialized() \
            and torch.distributed.get_world_size() > 1:
        raise UserError(f"--sparse-embeddings: one process only ({torch.distributed.get_world_size()} here): "
                        "fairseq's data-parallel training all-reduces dense gradients")
