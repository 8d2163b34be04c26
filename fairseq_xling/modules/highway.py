"""Highway layers (Srivastava et al. 2015, "Highway Networks"), used to transform the CharCNN features in
Lin et al. 2018 (Section 2.1; Table 2: 2 layers, SeLU)."""
import torch
import torch.nn as nn
from torch import Tensor

ACTIVATIONS = {"selu": nn.SELU, "relu": nn.ReLU, "tanh": nn.Tanh}


class Highway(nn.Module):
    """y = g * f(W_h x + b_h) + (1 - g) * x with g = sigmoid(W_g x + b_g), stacked ``num_layers`` times.

    Args:
        dim: input and output size C.
        num_layers: number of stacked highway layers.
        activation: f, one of "selu", "relu", "tanh".
        gate_bias: initial b_g.
    """

    def __init__(self, dim: int, num_layers: int = 2, activation: str = "selu", gate_bias: float = -2.0):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}, expected one of {sorted(ACTIVATIONS)}")
        self.dim = dim
        self.transforms = nn.ModuleList(nn.Linear(dim, dim) for _ in range(num_layers))
        self.gates = nn.ModuleList(nn.Linear(dim, dim) for _ in range(num_layers))
        self.activation = ACTIVATIONS[activation]()
        for gate in self.gates:
            # A negative gate bias makes g ~ sigmoid(-2) ~ 0.12 at the start, so each layer first mostly carries
            # its input through and the stack trains like a shallow one (Srivastava et al. 2015, Section 2.2).
            nn.init.constant_(gate.bias, gate_bias)

    def forward(self, x: Tensor) -> Tensor:
        """x: ... x C (any leading dims) -> ... x C."""
        for transform, gate in zip(self.transforms, self.gates):
            g = torch.sigmoid(gate(x))  # ... x C
            x = g * self.activation(transform(x)) + (1 - g) * x  # ... x C
        return x
