"""Highway: identity when the gate is shut, shapes with leading dims, and the carry-biased init."""
import pytest
import torch

from fairseq_xling.modules.highway import Highway


@pytest.mark.parametrize("activation", ["selu", "relu", "tanh"])
def test_shut_gate_is_identity(activation):
    highway = Highway(8, num_layers=2, activation=activation)
    with torch.no_grad():
        for gate in highway.gates:
            gate.bias.fill_(-1e4)  # sigmoid(-1e4) == 0: every layer only carries its input
    x = torch.randn(3, 8)
    assert torch.equal(highway(x), x)


def test_shapes_with_leading_dims():
    highway = Highway(8, num_layers=1)
    for shape in [(8,), (5, 8), (2, 3, 8), (2, 3, 4, 8)]:
        assert highway(torch.randn(*shape)).shape == shape


def test_starts_mostly_carrying():
    highway = Highway(8)
    x = torch.randn(4, 8)
    gate = torch.sigmoid(highway.gates[0](x))
    assert gate.mean() < 0.5
    assert all((g.bias < 0).all() for g in highway.gates)


def test_gradients_reach_all_layers():
    highway = Highway(8, num_layers=2)
    highway(torch.randn(4, 8)).sum().backward()
    for p in highway.parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0


def test_unknown_activation():
    with pytest.raises(ValueError):
        Highway(8, activation="gelu")
