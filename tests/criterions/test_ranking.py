"""The in-batch softmax ranking loss against a hand computation, with and without hard negatives."""
import math

import pytest
import torch

from fairseq_xling.criterions.ranking import RankingCriterion, in_batch_softmax_loss

Q = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
C = torch.tensor([[2.0, 1.0], [1.0, 1.0]])
N = torch.tensor([[0.0, 3.0]])  # a hard negative


def nll(scores, right):
    return -(scores[right] - math.log(sum(math.exp(s) for s in scores)))


def test_in_batch_loss_by_hand():
    # query 0: scores (2, 1), right = 0; query 1: scores (2, 2), right = 1
    loss, correct = in_batch_softmax_loss(Q, C)
    assert loss.item() == pytest.approx(nll([2, 1], 0) + nll([2, 2], 1), abs=1e-6)
    assert correct.item() == 1  # query 1 ties: argmax picks candidate 0, not its own


def test_hard_negatives_join_the_candidates():
    # query 0: scores (2, 1, 0); query 1: scores (2, 2, 6)
    loss, correct = in_batch_softmax_loss(Q, torch.cat([C, N]))
    assert loss.item() == pytest.approx(nll([2, 1, 0], 0) + nll([2, 2, 6], 1), abs=1e-6)
    assert correct.item() == 1


def test_cosine_and_scale():
    loss, _ = in_batch_softmax_loss(Q, C, scale=10.0, similarity="cosine")
    cos = lambda a, b: float(a @ b / (a.norm() * b.norm()))  # noqa: E731
    scores = [[10 * cos(Q[i], C[j]) for j in range(2)] for i in range(2)]
    assert loss.item() == pytest.approx(nll(scores[0], 0) + nll(scores[1], 1), abs=1e-5)


def test_positives_elsewhere_in_the_candidates():
    # the candidates of all processes, this one's at rows 2-3
    pool = torch.cat([N, N, C])
    loss, _ = in_batch_softmax_loss(Q, pool, positives=torch.tensor([2, 3]))
    assert loss.item() == pytest.approx(nll([0, 0, 2, 1], 2) + nll([6, 6, 2, 2], 3), abs=1e-5)


class FakeModel:
    """Returns fixed vectors per side, keyed by the side's name."""

    def __init__(self, vectors):
        self.vectors = vectors

    def __call__(self, side, **_):
        return {"sentence_emb": self.vectors[side]}


def test_criterion_sums_sides_and_directions():
    model = FakeModel({"q": Q, "c": C, "n": N})
    sample = {"net_input": {"side": "q"}, "tgt_input": {"side": "c"}, "negative_input": {"side": "n"}, "ntokens": 9}
    crit = RankingCriterion(task=None, symmetric=True)
    loss, size, log = crit(model, sample)
    # forward (with the hard negative) + backward (candidates rank the queries: C Q^T, no hard negatives)
    back = nll([2, 2], 0) + nll([1, 2], 1)
    assert loss.item() == pytest.approx(nll([2, 1, 0], 0) + nll([2, 2, 6], 1) + back, abs=1e-5)
    assert size == 2 and log["ranked"] == 4
    qt = {"net_input": {"side": "q"}, "candidate_inputs": [{"side": "c"}, {"side": "c"}], "ntokens": 9}
    loss2, _, log2 = RankingCriterion(task=None)(model, qt)
    assert loss2.item() == pytest.approx(2 * (nll([2, 1], 0) + nll([2, 2], 1)), abs=1e-5) and log2["ranked"] == 4
