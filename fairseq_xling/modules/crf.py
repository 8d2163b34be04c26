"""A linear-chain conditional random field over per-token tag scores (batch-first: B x T x K emissions).

The CRF output layer of the LSTM-CNNs tagger in Lin et al. 2018, "A Multi-lingual Multi-task Architecture for
Low-resource Sequence Labeling" (Section 2.1): the score of a tag sequence z for a sentence of length L is

    S(z) = start[z_1] + sum_t (transitions[z_{t-1}, z_t] + emissions[t, z_t]) + end[z_L]

and training maximises log p(z | x) = S(z) - log sum_z' exp S(z'). Transition constraints (for instance BIOES
validity, see ``tag_schemes.allowed_transitions``) give disallowed transitions a score of -inf, in training
and in decoding.

Layout: emissions B x T x K, tags B x T, mask B x T (bool, True = real token). Padding may sit on either side
(right padding, or left padding as fairseq's ``left_pad_source`` produces) or anywhere: the real tokens of a
row, in order, form its sentence. Sentences of length 0 are allowed: they score 0 (log-partition 0,
log-likelihood 0, loss 0, Viterbi score 0 with an all -1 path).

The partition function runs the scaled forward algorithm in exp space, where each step is a B x K @ K x K
matmul instead of a B x K x K logsumexp, in float64, and its gradient is computed by the matching scaled
backward recursion (node and edge marginals) instead of autograd through T small steps. If the recursion ever
underflows (it needs a drop of ~600 nats between two rescalings), the batch is recomputed in log space.
Neither is twice differentiable.
"""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor


# ---------------------------------------------------------------------------------------------------------------
# Pure functions on tensors. Arguments: emissions B x T x K, mask B x T bool, transitions K x K indexed
# [from, to], start K, end K. Disallowed entries of transitions/start/end are -inf.
# ---------------------------------------------------------------------------------------------------------------


def right_align(mask: Tensor, *tensors: Tensor) -> Tuple[Tensor, Tensor, Optional[Tensor], Tuple[Tensor, ...]]:
    """Move each row's real tokens to the front (keeping their order) and cut T to the longest row.

    Returns (mask B x T', lengths B, order B x T or None, tensors gathered along dim 1). ``order[b, i]`` is the
    original position of the i-th token of row b; it is None when the mask already is right-padded, in which
    case the tensors are only truncated.
    """
    lengths = mask.sum(1)  # B
    max_len = int(lengths.max()) if mask.numel() else 0
    if bool((mask[:, 1:] <= mask[:, :-1]).all()):  # already right-padded: each row is a prefix
        return mask[:, :max_len], lengths, None, tuple(x[:, :max_len] for x in tensors)
    # A stable sort of "is padding" puts the real positions first, in their original order.
    order = torch.sort((~mask).to(torch.uint8), dim=1, stable=True).indices  # B x T
    kept = order[:, :max_len]  # B x T'
    gathered = []
    for x in tensors:
        index = kept.view(kept.shape + (1,) * (x.dim() - 2)).expand(kept.shape + x.shape[2:])
        gathered.append(x.gather(1, index))
    return mask.gather(1, kept), lengths, order, tuple(gathered)


def path_score(emissions: Tensor, tags: Tensor, mask: Tensor, transitions: Tensor, start: Tensor,
               end: Tensor) -> Tensor:
    """S(tags) for right-padded inputs (see ``right_align``): B. -inf if the path uses a disallowed transition."""
    batch, length, num_tags = emissions.shape
    if length == 0:
        return emissions.sum((1, 2))  # zeros, still attached to the graph
    lengths = mask.sum(1)  # B
    tags = tags.masked_fill(~mask, 0)  # B x T, any valid index at padding
    zero = emissions.new_zeros(())
    unary = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # B x T
    score = torch.where(mask, unary, zero).sum(1)  # B
    pairs = tags[:, :-1] * num_tags + tags[:, 1:]  # B x T-1, flat index of transitions[from, to]
    binary = transitions.reshape(-1)[pairs]  # B x T-1
    score = score + torch.where(mask[:, 1:], binary, zero).sum(1)
    last = tags.gather(1, (lengths - 1).clamp(min=0).unsqueeze(1)).squeeze(1)  # B
    boundary = start[tags[:, 0]] + end[last]  # B
    return score + torch.where(lengths > 0, boundary, zero)


def log_partition_logspace(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor,
                           end: Tensor) -> Tensor:
    """log Z by the plain log-space forward recursion (B x K x K logsumexp per step), for any mask: B.

    The reference for ``log_partition`` and its fallback. Masked steps carry the state over unchanged.
    """
    alpha = emissions.new_zeros(emissions.shape[0], emissions.shape[2])  # B x K
    started = torch.zeros_like(mask[:, 0])  # B, has the row seen a real token yet
    for t in range(emissions.size(1)):
        step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1)  # B x K
        step = torch.where(started.unsqueeze(1), step, start) + emissions[:, t]  # B x K
        alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
        started = started | mask[:, t]
    log_z = torch.logsumexp(alpha + end, dim=1)  # B
    return torch.where(started, log_z, torch.zeros_like(log_z))


_FLOOR = -1e30  # stands in for -inf as a shift, so that exp(-inf - shift) = 0 rather than nan
_LOG_TINY = -600.0  # log of a normaliser this small is near float64's underflow (exp(-708))
# The forward recursion rescales every few steps only: between two rescalings its sums can grow by at most
# K per step and shrink by the step's drop in score, far from float64's limits for any realistic scores.
_NORMALISE_EVERY = 4


class _ScaledForward(torch.autograd.Function):
    """log Z for right-padded inputs by the scaled forward algorithm, with an analytic backward.

    Exp space with shifts that keep every factor in [0, 1]: with c[j] = max_i transitions[i, j] and
    m[b, t] = max_j (emissions[b, t, j] + c[j]),
        E[i, j] = exp(transitions[i, j] - c[j])                       K x K
        P[t, b, j] = exp(emissions[b, t, j] + c[j] - m[b, t])         (start instead of c at t = 0)
        a_t = (a_{t-1} @ E) * P_t / z_t,  z_t = sum_j of the numerator every _NORMALISE_EVERY steps, else 1
    and log Z = sum_{t<L} (log z_t + m_t) + log(a_{L-1} . exp(end)). The backward runs the matching scaled
    beta recursion on q_t = P_t * b_t / z_t, q_{t-1} = (q_t @ E^T) * P_{t-1} / z_{t-1}, so that the node
    marginals are a_t * b_t = (a_{t-1} @ E) * q_t (q_0 at t = 0) and the edge marginals a_{t-1}^T q_t * E
    (the scaled forward-backward algorithm of Rabiner 1989). Returns nan or -inf for a row whose recursion
    underflowed or that has no allowed path; ``log_partition`` then falls back to the log-space recursion.
    """

    @staticmethod
    def forward(ctx, emissions, mask, transitions, start, end):
        dtype = torch.float64  # exp-space range: an underflow needs a drop of ~700 nats within one step
        batch, length, num_tags = emissions.shape
        mask_t = mask.t().unsqueeze(2)  # T x B x 1
        lengths = mask.sum(1)  # B
        emis = emissions.new_empty((length, batch, num_tags), dtype=dtype)  # T x B x K, a time-major copy
        emis.copy_(emissions.detach().transpose(0, 1))
        emis.masked_fill_(~mask_t, 0.0)  # padding may hold anything, even inf or nan
        trans = transitions.detach().to(dtype)  # K x K
        # A column without any allowed transition has max -inf: the floor keeps exp(-inf - floor) = 0, not nan.
        col_max = trans.amax(0).clamp_min(_FLOOR)  # K
        trans_exp = torch.exp(trans - col_max)  # K x K, in [0, 1]
        unary = emis.add_(col_max)  # T x B x K
        unary[0].add_(start.detach().to(dtype) - col_max)
        step_max = unary.amax(2, keepdim=True)  # T x B x 1
        unary.sub_(step_max).exp_()  # T x B x K, P_t, in [0, 1]

        alphas = torch.empty_like(unary)  # T x B x K, a_t
        inflow = torch.ones_like(unary)  # T x B x K, a_{t-1} @ E (1 at t = 0), kept for the node marginals
        norms = torch.ones_like(step_max)  # T x B x 1, z_t (1 at the steps that skip the normalisation)
        torch.sum(unary[0], dim=1, keepdim=True, out=norms[0])
        torch.div(unary[0], norms[0], out=alphas[0])
        # unbind once: indexing a buffer inside the loop would cost a view per step
        alpha_steps, inflow_steps, unary_steps, norm_steps = (x.unbind(0) for x in (alphas, inflow, unary, norms))
        for t in range(1, length):
            torch.mm(alpha_steps[t - 1], trans_exp, out=inflow_steps[t])
            torch.mul(inflow_steps[t], unary_steps[t], out=alpha_steps[t])
            if t % _NORMALISE_EVERY == 0:
                torch.sum(alpha_steps[t], dim=1, keepdim=True, out=norm_steps[t])
                alpha_steps[t].div_(norm_steps[t])

        last = (lengths - 1).clamp(min=0).view(1, batch, 1)  # 1 x B x 1, time of each row's last token
        alpha_last = alphas.gather(0, last.expand(1, batch, num_tags)).squeeze(0)  # B x K
        end64 = end.detach().to(dtype)
        end_max = end64.amax().clamp_min(_FLOOR)
        end_exp = torch.exp(end64 - end_max)  # K
        final = alpha_last @ end_exp  # B
        log_norms = norms.log().masked_fill_(~mask_t, 0.0)  # T x B x 1
        log_norms = torch.cat([log_norms, final.log().view(1, batch, 1)])  # T+1 x B x 1
        # A normaliser near the bottom of the float64 range means lost precision: return nan, to fall back.
        log_norms.masked_fill_(log_norms < _LOG_TINY, float("nan"))
        log_z = (log_norms.sum((0, 2)) + step_max.masked_fill_(~mask_t, 0.0).sum((0, 2))) + end_max  # B
        log_z.masked_fill_(lengths == 0, 0.0)
        ctx.save_for_backward(mask, alphas, inflow, norms, unary, trans_exp, end_exp, final, lengths)
        ctx.input_dtypes = (emissions.dtype, transitions.dtype, start.dtype, end.dtype)
        return log_z.to(emissions.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_log_z):
        mask, alphas, inflow, norms, unary, trans_exp, end_exp, final, lengths = ctx.saved_tensors
        length, batch, num_tags = inflow.shape
        mask_t = mask.t().unsqueeze(2)  # T x B x 1
        last = (lengths - 1).clamp(min=0).view(1, batch, 1).expand(1, batch, num_tags)  # 1 x B x K
        # The recursion runs on q_t = P_t * b_t / z_t scaled by the incoming gradient of the row. Each row
        # starts at its own last token: q_{L-1} = ratio_{L-1} * b_{L-1}, with b_{L-1} = exp(end) / (a_{L-1} .
        # exp(end)), placed there by `start_q`, while `ratio_keep` is 0 from t = L-1 on (and so at padding).
        ratio = unary / norms.masked_fill(~mask_t, 1.0)  # T x B x K, P_t / z_t
        beta_end = end_exp * (grad_log_z.to(ratio.dtype) / final).masked_fill_(lengths == 0, 0.0).unsqueeze(1)
        start_q = torch.zeros_like(ratio).scatter_(0, last, beta_end.unsqueeze(0)).mul_(ratio)  # T x B x K
        keep = torch.arange(length, device=lengths.device).view(length, 1, 1) < (lengths - 1).view(1, batch, 1)
        ratio_keep = ratio.mul_(keep)  # T x B x K
        scaled = torch.empty_like(ratio)  # T x B x K, q_t times the incoming gradient
        back = torch.empty_like(ratio[0])  # B x K, q_{t+1} @ E^T
        trans_exp_t = trans_exp.t().contiguous()  # K x K
        scaled[length - 1] = start_q[length - 1]
        scaled_steps, start_steps, keep_steps = (x.unbind(0) for x in (scaled, start_q, ratio_keep))
        for t in range(length - 1, 0, -1):
            torch.mm(scaled_steps[t], trans_exp_t, out=back)
            torch.addcmul(start_steps[t - 1], back, keep_steps[t - 1], out=scaled_steps[t - 1])

        # inflow and alphas may hold nan at padding (rows with no allowed path); scaled is 0 there.
        node = torch.where(mask_t, inflow, 0.0).mul_(scaled)  # T x B x K, node marginals times the gradient
        alphas = torch.where(mask_t[:-1], alphas[:-1], 0.0)  # T-1 x B x K
        edge = alphas.reshape(-1, num_tags).t() @ scaled[1:].reshape(-1, num_tags)  # K x K
        grad_emissions = node.transpose(0, 1).to(ctx.input_dtypes[0])  # B x T x K
        grad_transitions = edge.mul_(trans_exp).to(ctx.input_dtypes[1])  # K x K
        grad_start = node[0].sum(0).to(ctx.input_dtypes[2])  # K
        grad_end = node.gather(0, last).sum((0, 1)).to(ctx.input_dtypes[3])  # K
        return grad_emissions, None, grad_transitions, grad_start, grad_end


def log_partition(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor, end: Tensor) -> Tensor:
    """log Z per sentence, for any mask (0 for empty rows): B. Not twice differentiable."""
    mask, _, _, (emissions,) = right_align(mask, emissions)
    return _log_partition_aligned(emissions, mask, transitions, start, end)


def _log_partition_aligned(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor,
                           end: Tensor) -> Tensor:
    """``log_partition`` for right-padded inputs: B."""
    if emissions.size(1) == 0:
        return emissions.sum((1, 2))  # zeros, still attached to the graph
    log_z = _ScaledForward.apply(emissions, mask, transitions, start, end)  # B
    if not bool(torch.isfinite(log_z).all()):  # an exp-space step underflowed, or no path is allowed
        log_z = log_partition_logspace(emissions, mask, transitions, start, end)
    return log_z


def viterbi(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor,
            end: Tensor) -> Tuple[Tensor, Tensor]:
    """Best tag sequence and its score, for any mask: (tag ids B x T with -1 at padding, scores B)."""
    batch, full_length, num_tags = emissions.shape
    mask_c, lengths, order, (emis,) = right_align(mask, emissions.detach())
    length = emis.size(1)
    paths = torch.full((batch, full_length), -1, dtype=torch.long, device=emissions.device)
    if length == 0:
        return paths, emissions.new_zeros(batch)
    mask_t = mask_c.t().unsqueeze(2)  # T x B x 1
    # Padding needs no masking here: its scores are never read, and its pointers are replaced below.
    emis_steps = emis.unbind(1)  # T tensors B x K
    trans_t = transitions.detach().t().contiguous()  # K(to) x K(from): the max runs over the last axis
    scores = emis.new_empty((length, batch, num_tags))  # T x B x K, best score of a path ending in each tag
    pointers = torch.empty_like(scores, dtype=torch.long)  # T x B x K, best previous tag
    torch.add(emis_steps[0], start.detach(), out=scores[0])
    step = emis.new_empty((batch, num_tags, num_tags))  # B x K(to) x K(from)
    # unbind once: indexing a buffer inside the loop would cost a view per step
    score_steps, pointer_steps = scores.unbind(0), pointers.unbind(0)
    prev_steps = scores.unsqueeze(2).unbind(0)  # B x 1 x K views of the same scores
    for t in range(1, length):
        torch.add(prev_steps[t - 1], trans_t, out=step)
        torch.max(step, dim=2, out=(score_steps[t], pointer_steps[t]))
        score_steps[t].add_(emis_steps[t])
    if not bool((lengths == length).all()):
        # At padding the pointer keeps the tag, so backtracking from T-1 reaches each row's last token unchanged.
        pointers = torch.where(mask_t, pointers, torch.arange(num_tags, device=pointers.device))

    last = (lengths - 1).clamp(min=0).view(1, batch, 1).expand(1, batch, num_tags)  # 1 x B x K
    final = scores.gather(0, last).squeeze(0) + end.detach()  # B x K
    best_score, best_last = final.max(1)  # B
    # Backtracking is T lookups of B entries each: in numpy, a lookup costs about half a torch.gather call.
    pointers_np, rows = pointers.cpu().numpy(), np.arange(batch)
    best_np = np.empty((length, batch), dtype=np.int64)  # T x B
    best_np[length - 1] = tag = best_last.cpu().numpy()
    for t in range(length - 1, 0, -1):
        best_np[t - 1] = tag = pointers_np[t, rows, tag]
    best = torch.from_numpy(best_np).to(emissions.device).t().masked_fill(~mask_c, -1)  # B x T'
    if order is None:
        paths[:, :length] = best
    else:
        paths.scatter_(1, order[:, :length], best)
    return paths, best_score.masked_fill(lengths == 0, 0.0)


# ---------------------------------------------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------------------------------------------


class LinearChainCRF(nn.Module):
    """A linear-chain CRF with learned transition, start and end scores, and optional hard constraints.

    Args:
        num_tags: K, the number of tags (the last dimension of the emissions).
        allowed: K x K bool, ``allowed[from, to]``; False makes the transition impossible (score -inf).
        allowed_start: K bool, tags that may open a sentence.
        allowed_end: K bool, tags that may close a sentence.

    The constraint masks are buffers (saved with the model). A gold sequence that breaks them has
    log-likelihood -inf (loss +inf): convert tags to a valid scheme before training (``tag_schemes``).
    """

    def __init__(self, num_tags: int, allowed: Optional[torch.BoolTensor] = None,
                 allowed_start: Optional[torch.BoolTensor] = None, allowed_end: Optional[torch.BoolTensor] = None):
        super().__init__()
        self.num_tags = num_tags
        # transitions[from, to]: the score of tag `to` at step t after tag `from` at step t-1 (the paper's A_{p,q}),
        # the order of pytorch-crf and AllenNLP, so their parameters copy over as they are.
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))  # K x K
        self.start = nn.Parameter(torch.empty(num_tags))  # K
        self.end = nn.Parameter(torch.empty(num_tags))  # K
        self.register_buffer("allowed", _as_mask(allowed, (num_tags, num_tags)))
        self.register_buffer("allowed_start", _as_mask(allowed_start, (num_tags,)))
        self.register_buffer("allowed_end", _as_mask(allowed_end, (num_tags,)))
        self.reset_parameters()

    def reset_parameters(self):
        # Small scores so that the emissions decide early in training (as pytorch-crf does).
        nn.init.uniform_(self.transitions, -0.1, 0.1)
        nn.init.uniform_(self.start, -0.1, 0.1)
        nn.init.uniform_(self.end, -0.1, 0.1)

    def extra_repr(self) -> str:
        constrained = not (self.allowed.all() and self.allowed_start.all() and self.allowed_end.all())
        return f"num_tags={self.num_tags}, constrained={bool(constrained)}"

    def constrained_scores(self) -> Tuple[Tensor, Tensor, Tensor]:
        """(transitions K x K, start K, end K) with -inf where not allowed; the gradient there is 0."""
        neg_inf = float("-inf")
        return (self.transitions.masked_fill(~self.allowed, neg_inf),
                self.start.masked_fill(~self.allowed_start, neg_inf),
                self.end.masked_fill(~self.allowed_end, neg_inf))

    def log_partition(self, emissions: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """emissions B x T x K, mask B x T (True = token; None = all) -> log Z: B (0 for empty rows)."""
        emissions, mask = self._check(emissions, mask)
        return log_partition(emissions, mask, *self.constrained_scores())

    def log_likelihood(self, emissions: Tensor, tags: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """emissions B x T x K, tags B x T (any value at padding), mask B x T -> log p(tags | emissions): B.

        <= 0; 0 for empty rows; -inf if the tags use a disallowed transition, start or end.
        """
        emissions, mask = self._check(emissions, mask, tags)
        transitions, start, end = self.constrained_scores()
        mask_c, _, _, (emis_c, tags_c) = right_align(mask, emissions, tags)
        gold = path_score(emis_c, tags_c, mask_c, transitions, start, end)  # B
        return gold - _log_partition_aligned(emis_c, mask_c, transitions, start, end)

    def forward(self, emissions: Tensor, tags: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """emissions B x T x K, tags B x T, mask B x T -> negative log-likelihood per sentence: B (the loss)."""
        return -self.log_likelihood(emissions, tags, mask)

    @torch.no_grad()
    def viterbi_decode(self, emissions: Tensor, mask: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """emissions B x T x K, mask B x T -> (best tag ids B x T, -1 at padding; their scores S: B).

        Empty rows get score 0 and an all -1 path. The paths respect the constraints whenever any path does.
        """
        emissions, mask = self._check(emissions, mask)
        return viterbi(emissions, mask, *self.constrained_scores())

    def _check(self, emissions: Tensor, mask: Optional[Tensor], tags: Optional[Tensor] = None):
        if emissions.dim() != 3 or emissions.size(2) != self.num_tags:
            raise ValueError(f"emissions must be B x T x {self.num_tags}, got {tuple(emissions.shape)}")
        if mask is None:
            mask = torch.ones(emissions.shape[:2], dtype=torch.bool, device=emissions.device)
        if mask.shape != emissions.shape[:2] or (tags is not None and tags.shape != emissions.shape[:2]):
            raise ValueError("mask and tags must be B x T like the emissions' first two dimensions")
        return emissions, mask.bool()


def _as_mask(mask: Optional[Tensor], shape: Tuple[int, ...]) -> Tensor:
    if mask is None:
        return torch.ones(shape, dtype=torch.bool)
    mask = torch.as_tensor(mask, dtype=torch.bool)
    if tuple(mask.shape) != shape:
        raise ValueError(f"constraint mask must have shape {shape}, got {tuple(mask.shape)}")
    return mask.clone()
