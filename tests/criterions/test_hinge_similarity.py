import math

import pytest
import torch

from fairseq_xling.criterions.hinge_similarity import hinge_similarity_loss, l2_distance, sample_negatives


def test_hand_computed_loss():
    src = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
    tgt = torch.tensor([[0.0, 1.0], [3.0, 4.0]])
    neg = torch.tensor([[1], [0]])  # each row's negative is the other pair
    loss, correct = hinge_similarity_loss(src, tgt, neg, neg, margin=1.0)
    # d(S,T) = 1, 4; d(S0,T1) = 5, d(S1,T0) = sqrt(10); d(T0,S1) = sqrt(10), d(T1,S0) = 5
    # (S,T): max(0, 1+1-5) + max(0, 1+4-sqrt10); (T,S): max(0, 1+1-sqrt10) + max(0, 1+4-5)
    assert loss.item() == pytest.approx(5 - math.sqrt(10), abs=1e-5)
    assert correct.item() == 3


def test_zero_loss_when_negatives_are_far_enough():
    src = torch.tensor([[0.0], [10.0]])
    loss, correct = hinge_similarity_loss(src, src.clone(), torch.tensor([[1], [0]]), torch.tensor([[1], [0]]), 2.0)
    assert loss.item() == pytest.approx(0.0, abs=1e-5) and correct.item() == 4


def test_gradient_is_finite_at_zero_distance():
    src = torch.zeros(2, 3, requires_grad=True)
    loss, _ = hinge_similarity_loss(src, src, torch.tensor([[1], [0]]), torch.tensor([[1], [0]]), 1.0)
    loss.backward()
    assert torch.isfinite(src.grad).all()
    assert l2_distance(torch.zeros(3), torch.tensor([3.0, 4.0, 0.0])).item() == pytest.approx(5.0)


def test_negatives_exclude_self_without_replacement():
    neg = sample_negatives(6, 5)
    for i, row in enumerate(neg.tolist()):
        assert i not in row and len(set(row)) == 5
