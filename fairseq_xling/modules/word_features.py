"""Word features from an encoder's layers (van der Heijden et al. 2020): which states of which layers, reduced and
pooled how, become each word's input to a tagger.

An encoder returns every layer per token (``layers``: the embedding layer first, B x S x C_l each; S sub-words).
A :class:`WordFeatures` turns them into one vector per word (B x W x D):

========  ===================================================================================================
kind      word vector
========  ===================================================================================================
states    the top layer as it is, pooled over the word's sub-words (``pool``: first, mean or max; MMTE's head)
top       LASER-top: gamma * fold(top layer), max over the word's sub-words
elmo      LASER-elmo: gamma * sum_l s_l * fold(layer l) over the contextual layers 1..L (:class:`ScalarMix`,
          s = softmax(w), ELMo's layer mix), max over the word's sub-words
bow       BPE-BOW: the mean of the word's sub-word embeddings (layer 0)
gru       BPE-GRU: a GRU over the word's sub-word embeddings (layer 0), max over its steps
========  ===================================================================================================

``fold`` is the max over the forward and backward halves of a bidirectional layer ([h_fw; h_bw] -> max(h_fw,
h_bw), LASER-top's reduction, which the paper found to overfit less); identity for other encoders. gamma and the
s_l are learned with the tagger; the encoder may be frozen (``--freeze-encoder``) or train too (the paper's "LSTM
no pretraining" is ``elmo`` over a randomly initialised BiLSTM that trains).

Without ``word_index`` the encoder's tokens are the words (word-level data): nothing is pooled, ``gru`` reads
each word's one embedding.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from fairseq_xling.modules.word_pooling import POOLINGS, _num_words, pool_words

FEATURE_KINDS = ("states", "top", "elmo", "bow", "gru")


def fold_directions(states: torch.Tensor) -> torch.Tensor:
    """[forward; backward] states ... x 2H -> their element-wise max, ... x H."""
    forward, backward = states.chunk(2, dim=-1)
    return torch.maximum(forward, backward)


class ScalarMix(nn.Module):
    """gamma * sum_l softmax(w)_l * x_l over equally sized layers (Peters et al. 2018, ELMo's eq. 1).

    Args:
        num_layers: how many layers are mixed; the weights w start equal (a plain mean), gamma at 1.
    """

    def __init__(self, num_layers: int):
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(num_layers))
        self.gamma = nn.Parameter(torch.ones(1))

    def forward(self, layers: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(layers) != len(self.weights):
            raise ValueError(f"a mix of {len(self.weights)} layers got {len(layers)}")
        s = torch.softmax(self.weights, dim=0)
        return self.gamma * sum(w * x for w, x in zip(s, layers))


def words_as_rows(states: torch.Tensor, word_index: torch.Tensor, num_words: int
                  ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each word's sub-word states as a row of a padded batch of words, in sentence order.

    Returns ``rows`` N x L x C (N = the words of the batch, L = the most sub-words of a word), ``lengths`` N and
    ``slots`` N (b * num_words + w: where each row's word goes in a B x W batch).
    """
    batch, length, dim = states.shape
    keep = (word_index >= 0) & (word_index < num_words)  # B x S
    b, s = keep.nonzero(as_tuple=True)  # positions of words, sentence by sentence, in order
    slot = b * num_words + word_index[b, s]  # the word of each position
    slots, lengths = torch.unique_consecutive(slot, return_counts=True) if slot.numel() else (slot, slot)
    if len(torch.unique(slot)) != len(slots):
        raise ValueError("word_index: a word's sub-words are not consecutive")
    starts = torch.cumsum(lengths, 0) - lengths  # first position of each word among the kept ones
    row = torch.repeat_interleave(torch.arange(len(slots), device=states.device), lengths)
    step = torch.arange(len(slot), device=states.device) - starts[row]
    width = int(lengths.max()) if len(lengths) else 0
    rows = states.new_zeros(len(slots), width, dim)
    rows[row, step] = states[b, s]
    return rows, lengths, slots


class WordFeatures(nn.Module):
    """One vector per word from the encoder's layers (see the module docstring).

    Args:
        kind: one of ``FEATURE_KINDS``.
        layer_dims: size of each of the encoder's layers, the embedding layer first.
        fold: reduce bidirectional states to the max of their halves (``top``, ``elmo``).
        pool: sub-words -> word for ``states`` (first, mean or max); the other kinds pool as the paper.
        gru_dim: the GRU's size (``gru``; default the embedding size).
    """

    def __init__(self, kind: str, layer_dims: Sequence[int], fold: bool = False, pool: str = "first",
                 gru_dim: Optional[int] = None):
        super().__init__()
        if kind not in FEATURE_KINDS:
            raise ValueError(f"word features {kind!r}: expected one of {', '.join(FEATURE_KINDS)}")
        if pool not in POOLINGS:
            raise ValueError(f"word pooling {pool!r}: expected one of {', '.join(POOLINGS)}")
        contextual = list(layer_dims[1:])
        if kind in ("top", "elmo") and not contextual:
            raise ValueError(f"word features {kind!r} read contextual layers; the encoder has only embeddings")
        if kind == "elmo" and len(set(contextual)) > 1:
            raise ValueError(f"word features 'elmo' mix layers of one size; the encoder's are {contextual}")
        self.kind, self.fold = kind, fold
        self.pool = {"states": pool, "top": "max", "elmo": "max", "bow": "mean", "gru": "max"}[kind]
        self.scalar_mix = ScalarMix(len(contextual)) if kind == "elmo" else None
        self.gamma = nn.Parameter(torch.ones(1)) if kind == "top" else None
        self.gru = nn.GRU(layer_dims[0], gru_dim or layer_dims[0], batch_first=True) if kind == "gru" else None
        if kind == "gru":
            self.output_dim = gru_dim or layer_dims[0]
        elif kind == "bow":
            self.output_dim = layer_dims[0]
        else:
            self.output_dim = layer_dims[-1] // 2 if fold and kind != "states" else layer_dims[-1]

    def layers_read(self, num_layers: int) -> Tuple[int, ...]:
        """Indices of the encoder layers :meth:`token_features` reads, of ``num_layers``."""
        if self.kind == "elmo":
            return tuple(range(1, num_layers))
        if self.kind in ("bow", "gru"):
            return (0,)
        return (num_layers - 1,)

    def token_features(self, layers: List[torch.Tensor]) -> torch.Tensor:
        """Per-token features B x S x C before pooling to words."""
        fold = fold_directions if self.fold else (lambda x: x)
        if self.kind == "top":
            return self.gamma * fold(layers[-1])
        if self.kind == "elmo":
            return self.scalar_mix([fold(x) for x in layers[1:]])
        if self.kind in ("bow", "gru"):
            return layers[0]
        return layers[-1]

    def forward(self, encoder_out: dict, word_index: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """encoder_out: the encoder's output (``layers``, ``pad_mask``); word_index: B x S, the word of each
        sub-word (-1: none), or None when tokens are words. Returns B x W x D word vectors (zeros at padding) and
        their pad_mask B x W (True = padding)."""
        tokens, pad_mask = self.token_features(encoder_out["layers"]), encoder_out["pad_mask"]
        if word_index is None:  # tokens are words
            word_index = torch.arange(tokens.size(1), device=tokens.device).expand_as(pad_mask).masked_fill(
                pad_mask, -1)
        if self.gru is None:
            return pool_words(tokens, word_index, self.pool)
        return self._gru_words(tokens, word_index)

    def _gru_words(self, tokens: torch.Tensor, word_index: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """BPE-GRU: each word's sub-word embeddings through the GRU as one sequence, max over its steps."""
        batch, num_words = tokens.size(0), _num_words(word_index, None)
        rows, lengths, slots = words_as_rows(tokens, word_index, num_words)  # N x L x E
        words = tokens.new_zeros(batch * num_words, self.output_dim)
        if len(slots):
            states = self.gru(rows)[0]  # N x L x H; a step after a word's end never reaches its earlier states
            beyond = torch.arange(rows.size(1), device=rows.device).unsqueeze(0) >= lengths.unsqueeze(1)  # N x L
            words[slots] = states.masked_fill(beyond.unsqueeze(-1), float("-inf")).amax(1)
        pad_mask = torch.ones(batch * num_words, dtype=torch.bool, device=tokens.device)
        pad_mask[slots] = False
        return words.view(batch, num_words, -1), pad_mask.view(batch, num_words)
