"""A character-level CNN word encoder: character embeddings -> 1-d convolutions over each word's characters ->
max over character positions (the CharCNN of Lin et al. 2018, "A Multi-lingual Multi-task Architecture for
Low-resource Sequence Labeling", Section 2.1, after Chiu and Nichols 2016).

Defaults follow the paper: 50-dimensional character embeddings (Section 3.2) and 20 filters (Table 2). The paper
does not give the kernel width; 3 is the default here. There is no nonlinearity after the max: in the paper a
highway network (``highway.Highway``) transforms these features.

Layout: chars B x T x C (C characters per word, padding_idx where there is none) -> B x T x output_size.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


class CharCNN(nn.Module):
    """Character embeddings -> 1-d convolutions over each word's characters -> max over character positions.

    Each kernel of width k runs as a full convolution (k - 1 zero positions on both sides of the character axis),
    so that words shorter than k still get windows, and the max runs over the windows that cover at least one
    real character. A word's vector therefore does not depend on the amount of character padding around it.
    A word with no characters at all (a padded position) gets a zero vector.

    Args:
        num_chars: size of the character vocabulary.
        char_dim: character embedding size.
        num_filters: filters per kernel width.
        kernel_sizes: convolution widths; their outputs are concatenated.
        padding_idx: character id used for padding.
        dropout: dropout on the character embeddings.
    """

    def __init__(self, num_chars: int, char_dim: int = 50, num_filters: int = 20, kernel_sizes: Sequence[int] = (3,),
                 padding_idx: int = 1, dropout: float = 0.0):
        super().__init__()
        self.padding_idx = padding_idx
        self.kernel_sizes = tuple(kernel_sizes)
        self.output_size = num_filters * len(self.kernel_sizes)
        self.embed_chars = nn.Embedding(num_chars, char_dim, padding_idx=padding_idx)
        self.dropout = nn.Dropout(dropout)
        self.convs = nn.ModuleList(nn.Conv1d(char_dim, num_filters, k, padding=k - 1) for k in self.kernel_sizes)

    def forward(self, chars: Tensor, char_pad_mask: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            chars: B x T x C character ids, padding_idx where there is no character.
            char_pad_mask: B x T x C bool, True = padding; defaults to ``chars == padding_idx``.
        Returns:
            B x T x output_size word features.
        """
        batch, length, num_chars = chars.shape
        if char_pad_mask is None:
            char_pad_mask = chars.eq(self.padding_idx)  # B x T x C
        chars = chars.reshape(batch * length, num_chars)  # N x C, N = B*T: all words at once
        real = ~char_pad_mask.reshape(batch * length, num_chars)  # N x C
        emb = self.dropout(self.embed_chars(chars))  # N x C x E
        # Zero the padding explicitly (not only through padding_idx) so that a window's value is the same
        # whatever padding follows the word, even with a user-given mask or loaded weights.
        emb = emb.masked_fill(~real.unsqueeze(-1), 0.0).transpose(1, 2)  # N x E x C
        word_is_empty = ~real.any(1, keepdim=True)  # N x 1
        features = []
        for k, conv in zip(self.kernel_sizes, self.convs):
            windows = conv(emb)  # N x F x (C + k - 1)
            # Window i covers characters i-k+1 .. i; keep it iff one of them is real.
            covers_real = F.max_pool1d(F.pad(real.float(), (k - 1, k - 1)).unsqueeze(1), k, stride=1)  # N x 1 x C+k-1
            windows = windows.masked_fill(covers_real.eq(0), float("-inf"))  # N x F x (C + k - 1)
            pooled = windows.max(dim=2).values  # N x F
            features.append(pooled.masked_fill(word_is_empty, 0.0))  # N x F; -inf -> 0 for empty words
        return torch.cat(features, dim=1).view(batch, length, self.output_size)  # B x T x output_size
