"""Sub-word states -> word states: each word's first sub-word (MMTE, Siddhant et al. 2020), the mean, or the max
over its sub-words (van der Heijden et al. 2020).

A word index per sub-word position says which word of its sentence the position belongs to (0-based; -1 for
positions of no word: padding, </s>, a language token). Batches are B x S x C (S sub-words) in, B x W x C
(W words) out, with a B x W ``pad_mask`` (True = padding). Everything is one scatter or gather over the batch:
no loop over words.
"""
from typing import List, Optional, Tuple

import torch

POOLINGS = ("first", "mean", "max")


def word_index_from_counts(counts: torch.Tensor) -> torch.Tensor:
    """The word index of every sub-word of one sentence from the number of sub-words of each word:
    ``[1, 3, 2]`` -> ``[0, 1, 1, 1, 2, 2]``."""
    return torch.repeat_interleave(torch.arange(len(counts)), counts.long())


def word_windows(counts, limit: Optional[int]) -> List[Tuple[int, int]]:
    """Consecutive windows ``(begin, end)`` of whole words, each of at most ``limit`` sub-words, that cover a
    sentence whose words have ``counts`` sub-words (a word of more than ``limit`` is a window of its own); one
    window when ``limit`` is None or the sentence fits: ``[2, 3, 1, 4], 5`` -> ``[(0, 2), (2, 4)]``."""
    windows, begin, size = [], 0, 0
    for i, count in enumerate(counts):
        if limit is not None and size and size + count > limit:
            windows.append((begin, i))
            begin, size = i, 0
        size += count
    windows.append((begin, len(counts)))
    return windows


def word_pad_mask(word_index: torch.Tensor, num_words: Optional[int] = None) -> torch.Tensor:
    """B x S word index -> B x W, True where sentence b has no word w (padding). W = ``num_words`` or the
    largest index + 1."""
    num_words = _num_words(word_index, num_words)
    index = _scatter_index(word_index, num_words)  # B x S, no-word positions -> slot W
    counts = word_index.new_zeros(word_index.size(0), num_words + 1).scatter_add_(1, index, torch.ones_like(index))
    return counts[:, :num_words].eq(0)  # B x W


def pool_words(states: torch.Tensor, word_index: torch.Tensor, method: str = "first",
               num_words: Optional[int] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pool sub-word states to word states.

    Args:
        states: B x S x C sub-word states.
        word_index: B x S, the word of each position (-1: none). A word's sub-words need not be contiguous.
        method: ``first`` (the state of the word's first position), ``mean`` or ``max`` (over its positions).
        num_words: W; default the largest index + 1.

    Returns word states B x W x C (zeros at padding) and the word ``pad_mask`` B x W (True = padding).
    """
    if method not in POOLINGS:
        raise ValueError(f"word pooling {method!r}: expected one of {', '.join(POOLINGS)}")
    batch, length, dim = states.shape
    num_words = _num_words(word_index, num_words)
    index = _scatter_index(word_index, num_words)  # B x S; slot W collects the positions of no word
    pad_mask = word_pad_mask(word_index, num_words)  # B x W
    if method == "first":
        positions = torch.arange(length, device=states.device).expand(batch, length)  # B x S
        first = positions.new_full((batch, num_words + 1), length - 1)
        first = first.scatter_reduce(1, index, positions, "amin", include_self=False)[:, :num_words]  # B x W
        words = states.gather(1, first.unsqueeze(-1).expand(-1, -1, dim))  # B x W x C
    else:
        # max starts from -inf: torch's amax backward shares the gradient with a starting value that ties
        out = states.new_full((batch, num_words + 1, dim), float("-inf") if method == "max" else 0.0)
        words = out.scatter_reduce(1, index.unsqueeze(-1).expand(-1, -1, dim), states,
                                   "mean" if method == "mean" else "amax", include_self=False)[:, :num_words]
    return words.masked_fill(pad_mask.unsqueeze(-1), 0.0), pad_mask


def _num_words(word_index: torch.Tensor, num_words: Optional[int]) -> int:
    if num_words is None:
        num_words = int(word_index.max()) + 1 if word_index.numel() else 0
    return max(num_words, 0)


def _scatter_index(word_index: torch.Tensor, num_words: int) -> torch.Tensor:
    """The word index with every position of no word (-1, or beyond ``num_words``) sent to the spare slot W."""
    return word_index.masked_fill((word_index < 0) | (word_index >= num_words), num_words).long()
