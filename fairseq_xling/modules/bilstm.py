"""A stacked bidirectional LSTM over padded batches (batch-first) that returns every layer's states.

Padding never enters a state: the forward direction reads each sentence from its start (padding comes after its
last word, so it only reaches the states at padding positions, which are zeroed), and the backward direction reads
each sentence reversed within its own length, so its padding comes last too. Each layer is its own one-layer
LSTM so that its outputs can be returned (ELMo-style layer mixing, per-layer features).

Speed: on CPU, PyTorch runs an LSTM over a dense (not packed) sequence with oneDNN's fused kernels, forward and
backward, while a PackedSequence falls back to one autograd node per time step (and a weight-gradient addition per
step). The two directions therefore run as two dense one-direction calls on the same weights (the names
``weight_ih_l0``, ``weight_ih_l0_reverse``, ... of a bidirectional ``nn.LSTM``, so checkpoints are unchanged); the
result equals a packed run's (``forward_layers`` docstring), several times faster to train.
"""
from typing import List

import torch
import torch.nn as nn


def _direction(lstm: nn.LSTM, x: torch.Tensor, suffix: str) -> torch.Tensor:
    """One direction (``""`` or ``"_reverse"``) of one-layer bidirectional ``lstm`` run forward over x: B x T x H."""
    weights = [getattr(lstm, f"{name}_l0{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    zeros = x.new_zeros(1, x.size(0), lstm.hidden_size)
    # what nn.LSTM calls: (input, (h0, c0), weights, has_biases, layers, dropout, train, bidirectional, batch_first)
    return torch._VF.lstm(x, (zeros, zeros), weights, True, 1, 0.0, lstm.training, False, True)[0]


class BiLSTM(nn.Module):
    """Args:
        input_size: C_in of the B x T x C_in input.
        hidden_size: per direction; outputs are B x T x 2*hidden_size.
        num_layers: stacked layers.
        dropout: between layers.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.output_size = 2 * hidden_size
        self.layers = nn.ModuleList(
            nn.LSTM(input_size if i == 0 else self.output_size, hidden_size, batch_first=True, bidirectional=True)
            for i in range(num_layers))
        self.dropout = nn.Dropout(dropout)

    def forward_layers(self, x: torch.Tensor, lengths: torch.Tensor) -> List[torch.Tensor]:
        """x: B x T x C_in, lengths: B -> one B x T x 2H tensor per layer (zeros at padding). Position t < length of
        sentence b is the LSTM's state after reading x[b, :t+1] forward and x[b, t:length] backward: what a packed
        sequence gives (a length below 1 counts as 1)."""
        steps = x.size(1)
        lengths = lengths.to(x.device).clamp(min=1).unsqueeze(1)  # B x 1
        positions = torch.arange(steps, device=x.device).unsqueeze(0)  # 1 x T
        padding = (positions >= lengths).unsqueeze(-1)  # B x T x 1
        # position of each step when sentence b is read backwards within its length (padding stays where it is)
        backwards = torch.where(positions < lengths, lengths - 1 - positions, positions).unsqueeze(-1)  # B x T x 1

        def reverse(t):  # its own inverse
            return t.gather(1, backwards.expand(-1, -1, t.size(2)))

        outputs = []
        for i, lstm in enumerate(self.layers):
            if i > 0:  # dropout between layers
                x = self.dropout(x)
            states = torch.cat([_direction(lstm, x, ""), reverse(_direction(lstm, reverse(x), "_reverse"))], dim=-1)
            x = states.masked_fill(padding, 0.0)  # B x T x 2H
            outputs.append(x)
        return outputs

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x: B x T x C_in, lengths: B -> the top layer's states, B x T x 2H (zeros at padding)."""
        return self.forward_layers(x, lengths)[-1]
