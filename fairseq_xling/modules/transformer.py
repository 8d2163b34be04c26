"""A stack of fairseq's own Transformer encoder layers (Vaswani et al. 2017) that returns every layer.

Explicit arguments in, batch-first tensors in and out; the fairseq ``TransformerConfig`` the layers want is built
here and never leaves. Sinusoidal positions are added to the input, which is first scaled by sqrt(dim) (fairseq's
way for embeddings initialised N(0, 1/dim)) or, with ``input_norm``, normalised after the positions are added
(BERT's way, for inputs of another scale such as sums of character n-gram vectors).
Post-norm (the paper's layer) by default; with ``normalize_before`` each sub-layer normalises its input and a
final LayerNorm follows the last layer (pre-norm, which trains without warm-up more easily).
"""
import math
from typing import List

import torch
import torch.nn as nn


class TransformerStack(nn.Module):
    """Args:
        dim: model size; layers, heads, ffn_dim: as named.
        dropout: after attention and feed-forward sub-layers and on the input; attention_dropout: on attention
            weights; activation_dropout: after the feed-forward activation.
        normalize_before: pre-norm layers (+ a final LayerNorm).
        max_positions: longest input.
        input_norm: LayerNorm(input + positions) instead of sqrt(dim) * input + positions.
    """

    def __init__(self, dim: int, layers: int, heads: int, ffn_dim: int, dropout: float = 0.1,
                 attention_dropout: float = 0.0, activation_dropout: float = 0.0, normalize_before: bool = False,
                 max_positions: int = 1024, activation: str = "relu", input_norm: bool = False):
        super().__init__()
        from fairseq.models.transformer import TransformerConfig
        from fairseq.modules import SinusoidalPositionalEmbedding
        from fairseq.modules.transformer_layer import TransformerEncoderLayerBase

        if dim % heads:
            raise ValueError(f"model size {dim} is not a multiple of {heads} attention heads")
        cfg = TransformerConfig()
        cfg.encoder.embed_dim, cfg.encoder.ffn_embed_dim, cfg.encoder.attention_heads = dim, ffn_dim, heads
        cfg.encoder.normalize_before = normalize_before
        cfg.dropout, cfg.attention_dropout, cfg.activation_dropout = dropout, attention_dropout, activation_dropout
        cfg.activation_fn = activation
        self.dim, self.max_positions = dim, max_positions
        self.layers = nn.ModuleList([TransformerEncoderLayerBase(cfg) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(dim) if normalize_before else None
        self.input_norm = nn.LayerNorm(dim) if input_norm else None
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("positions", SinusoidalPositionalEmbedding.get_embedding(max_positions, dim),
                             persistent=False)  # max_positions x dim

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Input vectors B x T x C -> scaled plus positions (or normalised), dropout: the stack's layer 0."""
        if x.size(1) > self.max_positions:
            raise ValueError(f"a {x.size(1)}-token input; the encoder takes at most {self.max_positions}")
        positions = self.positions[: x.size(1)].to(x.dtype)
        if self.input_norm is not None:
            return self.dropout(self.input_norm(x + positions))
        return self.dropout(x * math.sqrt(self.dim) + positions)

    def forward(self, x: torch.Tensor, pad_mask: torch.Tensor) -> List[torch.Tensor]:
        """x: B x T x C input vectors, pad_mask: B x T (True = padding) -> [layer 0 (input), layer 1, ...],
        each B x T x C; the last one after the final LayerNorm when pre-norm."""
        h = self.embed(x)
        outputs = [h]
        key_mask = pad_mask if pad_mask.any() else None
        h = h.transpose(0, 1)  # T x B x C, as fairseq's layers take it
        for layer in self.layers:
            h = layer(h, key_mask)
            outputs.append(h.transpose(0, 1))
        if self.final_norm is not None:
            outputs[-1] = self.final_norm(outputs[-1])
        return outputs
