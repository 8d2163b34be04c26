"""A stacked bidirectional LSTM over padded batches (batch-first) that returns every layer's states.

The sequence is packed once, so padding never enters a state, and each layer is its own one-layer LSTM so that
its outputs can be returned (ELMo-style layer mixing, per-layer features).
"""
from typing import List

import torch
import torch.nn as nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


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
        """x: B x T x C_in, lengths: B -> one B x T x 2H tensor per layer (zeros at padding)."""
        packed = pack_padded_sequence(x, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        outputs = []
        for i, lstm in enumerate(self.layers):
            if i > 0:  # dropout between layers, on the packed data (padding is not in it)
                packed = PackedSequence(self.dropout(packed.data), packed.batch_sizes, packed.sorted_indices,
                                        packed.unsorted_indices)
            packed, _ = lstm(packed)
            outputs.append(pad_packed_sequence(packed, batch_first=True, total_length=x.size(1))[0])  # B x T x 2H
        return outputs

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """x: B x T x C_in, lengths: B -> the top layer's states, B x T x 2H (zeros at padding)."""
        return self.forward_layers(x, lengths)[-1]
