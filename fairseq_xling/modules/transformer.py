"""Stacks of fairseq's own Transformer layers (Vaswani et al. 2017): :class:`TransformerStack` (encoder layers,
every layer returned) and :class:`TransformerDecoderStack` (decoder layers over a memory, incremental).

Explicit arguments in, batch-first tensors in and out; the fairseq ``TransformerConfig`` the layers want is built
here (:func:`layer_config`) and never leaves. Sinusoidal positions are added to the input, which is first scaled
by sqrt(dim) (fairseq's way for embeddings initialised N(0, 1/dim)) or, with ``input_norm`` (encoder), normalised
after the positions are added (BERT's way, for inputs of another scale such as sums of character n-gram vectors), or
with ``scale_input=False`` taken as it is (features whose scale is learned, such as LASER-top's gamma).
Post-norm (the original Transformer's) by default; with ``normalize_before`` each sub-layer normalises its input and a
final LayerNorm follows the last layer (pre-norm, which trains without warm-up more easily).
"""
import math
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from torch import Tensor


def layer_config(dim: int, heads: int, ffn_dim: int, dropout: float, attention_dropout: float,
                 activation_dropout: float, normalize_before: bool, activation: str, memory_dim: Optional[int] = None):
    """fairseq's ``TransformerConfig`` for layers of these sizes (encoder and decoder sides alike; ``memory_dim``:
    the size of the states a decoder layer attends to, default ``dim``)."""
    from fairseq.models.transformer import TransformerConfig

    if dim % heads:
        raise ValueError(f"model size {dim} is not a multiple of {heads} attention heads")
    cfg = TransformerConfig()
    for side in (cfg.encoder, cfg.decoder):
        side.embed_dim, side.ffn_embed_dim, side.attention_heads = dim, ffn_dim, heads
        side.normalize_before = normalize_before
    cfg.encoder.embed_dim = memory_dim or dim  # what decoder layers' encoder attention reads
    cfg.dropout, cfg.attention_dropout, cfg.activation_dropout = dropout, attention_dropout, activation_dropout
    cfg.activation_fn = activation
    return cfg


def sinusoidal_positions(max_positions: int, dim: int) -> Tensor:
    """fairseq's sinusoidal position vectors, max_positions x dim (row p = position p)."""
    from fairseq.modules import SinusoidalPositionalEmbedding

    return SinusoidalPositionalEmbedding.get_embedding(max_positions, dim)


class TransformerStack(nn.Module):
    """Args:
        dim: model size; layers, heads, ffn_dim: as named.
        dropout: after attention and feed-forward sub-layers and on the input; attention_dropout: on attention
            weights; activation_dropout: after the feed-forward activation.
        normalize_before: pre-norm layers (+ a final LayerNorm).
        max_positions: longest input.
        input_norm: LayerNorm(input + positions) instead of sqrt(dim) * input + positions.
        scale_input: with False, input + positions (neither scaled nor normalised).
    """

    def __init__(self, dim: int, layers: int, heads: int, ffn_dim: int, dropout: float = 0.1,
                 attention_dropout: float = 0.0, activation_dropout: float = 0.0, normalize_before: bool = False,
                 max_positions: int = 1024, activation: str = "relu", input_norm: bool = False,
                 scale_input: bool = True):
        super().__init__()
        from fairseq.modules.transformer_layer import TransformerEncoderLayerBase

        cfg = layer_config(dim, heads, ffn_dim, dropout, attention_dropout, activation_dropout, normalize_before,
                           activation)
        self.dim, self.max_positions = dim, max_positions
        self.layers = nn.ModuleList([TransformerEncoderLayerBase(cfg) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(dim) if normalize_before else None
        self.input_norm = nn.LayerNorm(dim) if input_norm else None
        self.input_scale = math.sqrt(dim) if scale_input else 1.0
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("positions", sinusoidal_positions(max_positions, dim), persistent=False)  # max_pos. x dim

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Input vectors B x T x C -> scaled plus positions (or normalised), dropout: the stack's layer 0."""
        if x.size(1) > self.max_positions:
            raise ValueError(f"a {x.size(1)}-token input; the encoder takes at most {self.max_positions}")
        positions = self.positions[: x.size(1)].to(x.dtype)
        if self.input_norm is not None:
            return self.dropout(self.input_norm(x + positions))
        return self.dropout(x * self.input_scale + positions)

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


class TransformerDecoderStack(nn.Module):
    """fairseq's Transformer decoder layers: masked self-attention over the target so far, attention over a memory
    (the encoder's states), feed-forward. Input vectors are scaled by sqrt(dim) and given sinusoidal positions.

    Args:
        dim, layers, heads, ffn_dim, dropout, attention_dropout, activation_dropout, normalize_before, max_positions,
        activation: as :class:`TransformerStack`.
        memory_dim: size of the memory's states (default ``dim``).
    """

    def __init__(self, dim: int, layers: int, heads: int, ffn_dim: int, dropout: float = 0.1,
                 attention_dropout: float = 0.0, activation_dropout: float = 0.0, normalize_before: bool = False,
                 max_positions: int = 1024, activation: str = "relu", memory_dim: Optional[int] = None):
        super().__init__()
        from fairseq.modules.transformer_layer import TransformerDecoderLayerBase

        cfg = layer_config(dim, heads, ffn_dim, dropout, attention_dropout, activation_dropout, normalize_before,
                           activation, memory_dim)
        self.dim, self.max_positions = dim, max_positions
        self.layers = nn.ModuleList([TransformerDecoderLayerBase(cfg) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(dim) if normalize_before else None
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("positions", sinusoidal_positions(max_positions, dim), persistent=False)

    def forward(self, x: Tensor, memory: Tensor, memory_pad_mask: Optional[Tensor], start: int = 0,
                incremental_state: Optional[Dict[str, Dict[str, Optional[Tensor]]]] = None) -> Tensor:
        """x: B x T input vectors of target positions ``start`` .. ``start + T - 1``; memory: B x M x C_m;
        memory_pad_mask: B x M (True = padding) or None. With ``incremental_state`` (one step at a time, T = 1)
        the layers keep the earlier positions' keys and values there. Returns the top layer, B x T x dim."""
        steps = x.size(1)
        if start + steps > self.max_positions:
            raise ValueError(f"a {start + steps}-token output; the decoder writes at most {self.max_positions}")
        h = self.dropout(x * math.sqrt(self.dim) + self.positions[start: start + steps].to(x.dtype))
        h, memory = h.transpose(0, 1), memory.transpose(0, 1)  # T x B x C, as fairseq's layers take them
        future = None
        if incremental_state is None and steps > 1:  # position t sees positions <= t only
            future = torch.full((steps, steps), float("-inf"), device=x.device, dtype=x.dtype).triu(1)
        if memory_pad_mask is not None and not memory_pad_mask.any():
            memory_pad_mask = None
        for layer in self.layers:
            h, _, _ = layer(h, memory, memory_pad_mask, incremental_state, self_attn_mask=future)
        h = h.transpose(0, 1)
        return self.final_norm(h) if self.final_norm is not None else h
