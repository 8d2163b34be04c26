"""LinearChainCRF against brute-force enumeration of all tag sequences, the log-space recursion and pytorch-crf."""
import itertools

import pytest
import torch

from fairseq_xling.modules import crf as crf_module
from fairseq_xling.modules.crf import LinearChainCRF, log_partition_logspace
from fairseq_xling.modules.tag_schemes import allowed_transitions

K = 3
# right-padded, left-padded (fairseq's left_pad_source), a hole, length 1, length 0
MASKS = {
    "right": [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]],
    "left": [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]],
    "mixed": [[0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]],
}


def random_crf(num_tags=K, dtype=torch.float64, **constraints):
    crf = LinearChainCRF(num_tags, **constraints).to(dtype)
    with torch.no_grad():  # larger than the default init, so that the transitions matter
        crf.transitions.normal_()
        crf.start.normal_()
        crf.end.normal_()
    return crf


def sequences(length, num_tags=K):
    return [list(s) for s in itertools.product(range(num_tags), repeat=length)]


def brute_force_score(crf, emissions, tags):
    """S(tags) for one sentence: emissions L x K (real tokens only), tags L ints."""
    transitions, start, end = crf.constrained_scores()
    if not tags:
        return torch.zeros((), dtype=emissions.dtype)  # the empty sentence: one empty sequence, score 0
    score = start[tags[0]] + end[tags[-1]] + sum(emissions[t, tag] for t, tag in enumerate(tags))
    return score + sum(transitions[a, b] for a, b in zip(tags, tags[1:]))


def brute_force(crf, emissions, mask):
    """Per row: (log Z, best path on the real tokens, its score) by enumerating all K^L sequences."""
    out = []
    for b in range(emissions.size(0)):
        real = emissions[b][mask[b]]  # L x K
        if len(real) == 0:
            out.append((torch.tensor(0.0, dtype=emissions.dtype), [], torch.tensor(0.0, dtype=emissions.dtype)))
            continue
        scores = torch.stack([brute_force_score(crf, real, s) for s in sequences(len(real))])
        best = int(scores.argmax())
        out.append((torch.logsumexp(scores, 0), sequences(len(real))[best], scores[best]))
    return out


def expand(mask_rows):
    return torch.tensor(mask_rows, dtype=torch.bool)


@pytest.mark.parametrize("layout", sorted(MASKS))
def test_log_partition_matches_brute_force(layout):
    crf, mask = random_crf(), expand(MASKS[layout])
    emissions = torch.randn(*mask.shape, K, dtype=torch.float64)
    expected = torch.stack([log_z for log_z, _, _ in brute_force(crf, emissions, mask)])
    torch.testing.assert_close(crf.log_partition(emissions, mask), expected)
    torch.testing.assert_close(log_partition_logspace(emissions, mask, *crf.constrained_scores()), expected)


@pytest.mark.parametrize("layout", sorted(MASKS))
def test_log_likelihood_matches_brute_force_and_normalises(layout):
    crf, mask = random_crf(), expand(MASKS[layout])
    emissions = torch.randn(*mask.shape, K, dtype=torch.float64)
    for b, (log_z, _, _) in enumerate(brute_force(crf, emissions, mask)):
        length = int(mask[b].sum())
        real = emissions[b][mask[b]]
        total = 0.0
        for seq in sequences(length):
            tags = torch.full((1, mask.size(1)), -1, dtype=torch.long)  # padding holds -1: must be ignored
            tags[0, mask[b]] = torch.tensor(seq, dtype=torch.long)
            ll = crf.log_likelihood(emissions[b:b + 1], tags, mask[b:b + 1])[0]
            torch.testing.assert_close(ll, brute_force_score(crf, real, seq) - log_z)
            assert ll <= 1e-12
            total += float(ll.detach().exp())
        assert total == pytest.approx(1.0, abs=1e-9)  # an empty row has one (empty) sequence with ll = 0


@pytest.mark.parametrize("layout", sorted(MASKS))
def test_viterbi_matches_brute_force(layout):
    crf, mask = random_crf(), expand(MASKS[layout])
    emissions = torch.randn(*mask.shape, K, dtype=torch.float64)
    paths, scores = crf.viterbi_decode(emissions, mask)
    for b, (_, best, best_score) in enumerate(brute_force(crf, emissions, mask)):
        assert paths[b][mask[b]].tolist() == best
        assert (paths[b][~mask[b]] == -1).all()
        torch.testing.assert_close(scores[b], best_score)


def bioes():
    tags = ["O", "B-PER", "I-PER", "E-PER", "S-PER"]
    return tags, allowed_transitions(tags, "BIOES")


def test_constrained_viterbi_and_partition_use_only_allowed_paths():
    tags, (allowed, allowed_start, allowed_end) = bioes()
    num_tags = len(tags)
    crf = random_crf(num_tags, allowed=allowed, allowed_start=allowed_start, allowed_end=allowed_end)
    mask = expand([[1, 1, 1, 1], [0, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 1]])
    emissions = 3 * torch.randn(*mask.shape, num_tags, dtype=torch.float64)
    paths, scores = crf.viterbi_decode(emissions, mask)
    log_z = crf.log_partition(emissions, mask)
    for b in range(mask.size(0)):
        real = emissions[b][mask[b]]
        valid = [s for s in sequences(len(real), num_tags)
                 if allowed_start[s[0]] and allowed_end[s[-1]] and all(allowed[x, y] for x, y in zip(s, s[1:]))]
        valid_scores = torch.stack([brute_force_score(crf, real, s) for s in valid])
        path = paths[b][mask[b]].tolist()
        assert path == valid[int(valid_scores.argmax())]
        torch.testing.assert_close(scores[b], valid_scores.max())
        torch.testing.assert_close(log_z[b], torch.logsumexp(valid_scores, 0))


def test_gold_path_with_disallowed_transition_has_minus_inf_likelihood():
    tags, (allowed, allowed_start, allowed_end) = bioes()
    crf = random_crf(len(tags), allowed=allowed, allowed_start=allowed_start, allowed_end=allowed_end)
    emissions = torch.randn(2, 3, len(tags), dtype=torch.float64, requires_grad=True)
    gold = torch.tensor([[1, 3, 0], [1, 4, 0]])  # B-PER E-PER O is valid; B-PER S-PER O is not
    ll = crf.log_likelihood(emissions, gold, torch.ones(2, 3, dtype=torch.bool))
    assert torch.isfinite(ll[0]) and ll[1] == float("-inf")


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-10), (torch.float32, 2e-4)])
def test_scaled_forward_agrees_with_logspace_values_and_gradients(dtype, tol):
    num_tags, batch, length = 5, 6, 12
    allowed, _, _ = allowed_transitions(["O", "B-A", "I-A", "B-B", "I-B"], "BIO")
    for constraints in ({}, {"allowed": allowed}):
        crf = random_crf(num_tags, dtype, **constraints)
        emissions = (4 * torch.randn(batch, length, num_tags, dtype=dtype)).requires_grad_()
        lengths = torch.tensor([12, 7, 1, 0, 3, 12])
        mask = torch.arange(length) < lengths.unsqueeze(1)
        mask[4] = mask[4].flip(0)  # one left-padded row
        params = [emissions, crf.transitions, crf.start, crf.end]
        weights = torch.randn(batch, dtype=dtype)
        ours = crf.log_partition(emissions, mask)
        ours_grads = torch.autograd.grad((ours * weights).sum(), params)
        ref = log_partition_logspace(emissions, mask, *crf.constrained_scores())
        ref_grads = torch.autograd.grad((ref * weights).sum(), params)
        torch.testing.assert_close(ours, ref, rtol=tol, atol=tol)
        for got, want in zip(ours_grads, ref_grads):
            torch.testing.assert_close(got, want, rtol=tol, atol=tol)


def test_gradcheck_and_length_0_and_1_rows():
    crf = random_crf()
    mask = expand([[1, 1, 1], [1, 0, 0], [0, 0, 0], [0, 0, 1]])
    emissions = torch.randn(4, 3, K, dtype=torch.float64, requires_grad=True)
    tags = torch.randint(K, (4, 3))
    params = (emissions, crf.transitions, crf.start, crf.end)
    assert torch.autograd.gradcheck(lambda e, *p: crf(e, tags, mask), params)
    loss = crf(emissions, tags, mask)
    assert loss[2] == 0 and (loss >= 0).all()
    grads = torch.autograd.grad(loss.sum(), params)
    assert all(torch.isfinite(g).all() for g in grads)
    assert (grads[0][2] == 0).all() and (grads[0][~mask] == 0).all()
    paths, scores = crf.viterbi_decode(emissions, mask)
    assert (paths[2] == -1).all() and scores[2] == 0


def test_all_rows_empty_and_padding_with_nan():
    crf = random_crf()
    emissions = torch.randn(2, 3, K, dtype=torch.float64, requires_grad=True)
    mask = torch.zeros(2, 3, dtype=torch.bool)
    loss = crf(emissions, torch.zeros(2, 3, dtype=torch.long), mask)
    loss.sum().backward()
    assert (loss == 0).all() and (emissions.grad == 0).all()
    assert (crf.viterbi_decode(emissions, mask)[0] == -1).all()
    mask = expand([[1, 1, 0], [1, 1, 1]])
    padded = emissions.detach().clone()
    padded[0, 2] = float("nan")  # whatever sits at padding must not leak
    torch.testing.assert_close(crf.log_partition(padded, mask), crf.log_partition(emissions.detach(), mask))
    for got, want in zip(crf.viterbi_decode(padded, mask), crf.viterbi_decode(emissions.detach(), mask)):
        torch.testing.assert_close(got, want)


def test_underflow_falls_back_to_logspace():
    crf = random_crf()
    with torch.no_grad():
        crf.transitions.zero_()
        crf.transitions[0, 1] = -800.0  # the only way into the likely tag 1 from the likely tag 0
    emissions = torch.full((2, 3, K), -2000.0, dtype=torch.float64)
    emissions[:, 0, 0] = emissions[:, 1, 1] = emissions[:, 2, 1] = 0.0
    emissions.requires_grad_()
    mask = torch.ones(2, 3, dtype=torch.bool)
    args = (mask, *crf.constrained_scores())
    # exp(-800) underflows float64: the exp-space recursion alone cannot give this log Z
    assert not torch.isfinite(crf_module._ScaledForward.apply(emissions, *args)).all()
    ours, expected = crf.log_partition(emissions, mask), log_partition_logspace(emissions, *args)
    torch.testing.assert_close(ours, expected)
    assert float(ours[0].detach()) == pytest.approx(-800.0, abs=1.0)  # start + end + the -800 transition
    torch.testing.assert_close(torch.autograd.grad(ours.sum(), emissions)[0],
                               torch.autograd.grad(expected.sum(), emissions)[0])


def test_agrees_with_pytorch_crf():
    import torchcrf  # pytorch-crf, a test dependency

    num_tags = 5
    ours = random_crf(num_tags, torch.float32)
    peer = torchcrf.CRF(num_tags, batch_first=True)
    with torch.no_grad():  # the same parameters, same [from, to] order
        peer.transitions.copy_(ours.transitions)
        peer.start_transitions.copy_(ours.start)
        peer.end_transitions.copy_(ours.end)
    emissions = torch.randn(4, 7, num_tags)
    tags = torch.randint(num_tags, (4, 7))
    mask = torch.arange(7) < torch.tensor([[7], [4], [1], [6]])  # pytorch-crf needs right padding
    torch.testing.assert_close(ours(emissions, tags, mask), -peer(emissions, tags, mask, reduction="none"))
    paths, _ = ours.viterbi_decode(emissions, mask)
    assert [row[m].tolist() for row, m in zip(paths, mask)] == peer.decode(emissions, mask)


@pytest.mark.parametrize("scheme", ["BIO", "BIOES"])
def test_allowed_transitions_match_span_rules(scheme):
    prefixes = "BI" if scheme == "BIO" else "BIES"
    tags = ["O"] + [f"{p}-{t}" for t in ("PER", "LOC") for p in prefixes]
    allowed, allowed_start, allowed_end = allowed_transitions(tags, scheme)

    def valid(seq):  # read the spans left to right: a sequence is valid iff every span is well formed
        open_type = None
        for name in [tags[i] for i in seq] + ["END"]:
            prefix, _, span_type = name.partition("-")
            if prefix in ("I", "E"):
                if open_type != span_type:
                    return False
                open_type = span_type if prefix == "I" else None
            elif scheme == "BIOES" and open_type is not None:
                return False  # B, S, O or the end while a span is still open
            else:
                open_type = span_type if prefix == "B" else None
        return True

    for seq in itertools.product(range(len(tags)), repeat=3):
        by_mask = bool(allowed_start[seq[0]] and allowed_end[seq[-1]] and allowed[seq[0], seq[1]]
                       and allowed[seq[1], seq[2]])
        assert by_mask == valid(seq), [tags[i] for i in seq]


def test_allowed_transitions_rejects_unknown_tags_and_schemes():
    with pytest.raises(ValueError):
        allowed_transitions(["O", "E-PER"], "BIO")
    with pytest.raises(ValueError):
        allowed_transitions(["O", "B-PER"], "IOB1")


def test_constraints_are_saved_with_the_model():
    _, (allowed, allowed_start, allowed_end) = bioes()
    crf = LinearChainCRF(5, allowed=allowed, allowed_start=allowed_start, allowed_end=allowed_end)
    fresh = LinearChainCRF(5)
    fresh.load_state_dict(crf.state_dict())
    assert torch.equal(fresh.allowed, allowed) and torch.equal(fresh.allowed_end, allowed_end)
