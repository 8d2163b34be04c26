import math

import pytest
import torch

from fairseq_xling.criterions.skipgram_nce import skipgram_negative_sampling_loss


def test_hand_computed_loss():
    word = torch.tensor([[1.0, 0.0]])
    context = torch.tensor([[2.0, 0.0]])
    noise = torch.tensor([[0.0, 1.0], [-1.0, 0.0]])
    # -log s(2) - log s(-0) - log s(1)
    expected = math.log1p(math.exp(-2)) + math.log(2) + math.log1p(math.exp(-1))
    assert skipgram_negative_sampling_loss(word, context, noise).item() == pytest.approx(expected, rel=1e-6)


def test_loss_sums_over_pairs():
    word, context, noise = torch.randn(5, 4), torch.randn(5, 4), torch.randn(3, 4)
    total = skipgram_negative_sampling_loss(word, context, noise)
    parts = sum(skipgram_negative_sampling_loss(word[i:i + 1], context[i:i + 1], noise) for i in range(5))
    assert total.item() == pytest.approx(parts.item(), rel=1e-5)
