"""Word embeddings with hashed out-of-vocabulary buckets and hashed character n-grams (Chidambaram et al. 2019).

A word's input vector is its word embedding plus its character representation:

    x(w) = E_word[w]                                  w in the vocabulary
           E_oov[h(w) mod oov_buckets]                otherwise
         + sum over the 3- and 4-grams g of <w>  tanh(W E_gram[h(g) mod ngram_buckets] + b)

(``<`` and ``>`` mark the word's boundaries, as in fastText). The hash ``h`` is CRC-32 of the UTF-8 text: stable
across processes and machines (Python's ``hash`` of a string is not), so a checkpoint embeds a word the same way
wherever it is loaded. A word the vocabulary lacks still gets its n-grams and a trained OOV bucket: in training,
when the data's dictionary holds more words than the vocabulary (``vocab_mask``), and through
:meth:`HashedWordEmbedding.embed_strings` for any string at all (the hub's raw text).

The n-gram lists of the table's rows are computed once, at construction, into a flat array with offsets (not saved
in checkpoints: they follow from the row texts); a batch gathers the n-grams of its distinct words and runs the
feed-forward layer once per distinct n-gram.
"""
import zlib
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def char_ngrams(word: str, orders: Sequence[int] = (3, 4)) -> List[str]:
    """The character n-grams of ``<word>`` for every order (a word shorter than the order gives none of it)."""
    marked = f"<{word}>"
    return [marked[i: i + n] for n in orders for i in range(len(marked) - n + 1)]


class HashedWordEmbedding(nn.Module):
    """Args:
        words: the text of every row of the word table (None for rows without one: padding, </s>, <unk>).
        vocab_mask: per row, True when the row has its own word vector; other rows with text use an OOV bucket.
        dim: output size (word, OOV and n-gram vectors all have it).
        oov_buckets: OOV word vectors (0: no buckets; out-of-vocabulary words get no word vector then).
        ngram_buckets: character n-gram vectors (0: no character representation).
        orders: n-gram orders.
        padding_idx: a row that always embeds to zeros.
        sparse: sparse gradients for the three tables (the rows a batch touched only; ``--optimizer lazy_adam``).
    """

    def __init__(self, words: Sequence[Optional[str]], vocab_mask: Sequence[bool], dim: int, oov_buckets: int,
                 ngram_buckets: int, orders: Sequence[int] = (3, 4), padding_idx: Optional[int] = None,
                 sparse: bool = False):
        super().__init__()
        if len(words) != len(vocab_mask):
            raise ValueError(f"{len(words)} row texts but {len(vocab_mask)} vocabulary flags")
        self.dim, self.orders = dim, tuple(orders)
        self.oov_buckets, self.ngram_buckets = oov_buckets, ngram_buckets
        self.embed_tokens = nn.Embedding(len(words), dim, padding_idx=padding_idx, sparse=sparse)
        nn.init.normal_(self.embed_tokens.weight, mean=0.0, std=dim ** -0.5)
        if padding_idx is not None:
            nn.init.zeros_(self.embed_tokens.weight[padding_idx])
        self.embed_oov = nn.Embedding(oov_buckets, dim, sparse=sparse) if oov_buckets else None
        if self.embed_oov is not None:
            nn.init.normal_(self.embed_oov.weight, mean=0.0, std=dim ** -0.5)
        self.embed_ngrams = nn.Embedding(ngram_buckets, dim, sparse=sparse) if ngram_buckets else None
        self.ngram_proj = nn.Linear(dim, dim) if ngram_buckets else None
        if self.embed_ngrams is not None:
            nn.init.normal_(self.embed_ngrams.weight, mean=0.0, std=dim ** -0.5)

        own = torch.tensor([bool(m) or w is None for w, m in zip(words, vocab_mask)], dtype=torch.bool)
        if self.embed_oov is None:
            own[:] = True  # no buckets: every row keeps its own vector
        oov = [self.oov_bucket(w) if w is not None and not m else 0 for w, m in zip(words, vocab_mask)]
        grams = [self.ngram_ids(w) if w is not None else [] for w in words]
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum([len(g) for g in grams], out=offsets[1:])
        self.register_buffer("own_row", own, persistent=False)  # R
        self.register_buffer("oov_row", torch.tensor(oov, dtype=torch.long), persistent=False)  # R
        self.register_buffer("gram_offsets", torch.from_numpy(offsets), persistent=False)  # R + 1
        flat = np.fromiter((g for gs in grams for g in gs), dtype=np.int64, count=int(offsets[-1]))
        self.register_buffer("gram_ids", torch.from_numpy(flat), persistent=False)  # all rows' n-grams

    def oov_bucket(self, word: str) -> int:
        return stable_hash(word) % self.oov_buckets if self.oov_buckets else 0

    def ngram_ids(self, word: str) -> List[int]:
        if not self.ngram_buckets:
            return []
        return [stable_hash(g) % self.ngram_buckets for g in char_ngrams(word, self.orders)]

    def ngram_sum(self, gram_ids: torch.Tensor, gram_word: torch.Tensor, num_words: int) -> torch.Tensor:
        """sum over each word's n-grams of tanh(W e_g + b): gram_ids, gram_word (its word, 0..num_words-1): G
        -> num_words x dim. The layer runs once per distinct n-gram."""
        out = self.embed_tokens.weight.new_zeros(num_words, self.dim)
        if self.embed_ngrams is None or gram_ids.numel() == 0:
            return out
        distinct, inverse = gram_ids.unique(return_inverse=True)
        h = torch.tanh(self.ngram_proj(self.embed_ngrams(distinct)))  # G' x dim
        return out.index_add(0, gram_word, h[inverse])

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        """Input vectors of word-table rows: ... -> ... x dim."""
        distinct, inverse = rows.unique(return_inverse=True)  # U
        word = self.embed_tokens(distinct)
        if self.embed_oov is not None:
            word = torch.where(self.own_row[distinct].unsqueeze(-1), word, self.embed_oov(self.oov_row[distinct]))
        starts, ends = self.gram_offsets[distinct], self.gram_offsets[distinct + 1]
        counts = ends - starts  # U
        gram_word = torch.repeat_interleave(torch.arange(len(distinct), device=rows.device), counts)  # G
        first = torch.repeat_interleave(starts - (counts.cumsum(0) - counts), counts)  # G: start minus G-offset
        gram_ids = self.gram_ids[first + torch.arange(len(gram_word), device=rows.device)]
        return (word + self.ngram_sum(gram_ids, gram_word, len(distinct)))[inverse]

    def embed_strings(self, words: Sequence[str]) -> torch.Tensor:
        """Input vectors of words that have no row (the hub's unseen words): OOV bucket + n-grams. N x dim."""
        device = self.embed_tokens.weight.device
        word = self.embed_tokens.weight.new_zeros(len(words), self.dim)
        if self.embed_oov is not None:
            word = self.embed_oov(torch.tensor([self.oov_bucket(w) for w in words], dtype=torch.long,
                                               device=device))
        grams = [self.ngram_ids(w) for w in words]
        gram_ids = torch.tensor([g for gs in grams for g in gs], dtype=torch.long, device=device)
        gram_word = torch.repeat_interleave(torch.arange(len(words), device=device),
                                            torch.tensor([len(g) for g in grams], dtype=torch.long, device=device))
        return word + self.ngram_sum(gram_ids, gram_word, len(words))

    @property
    def tables(self) -> Tuple[str, ...]:
        """Names of the embedding parameters (for the embedding gradient multiplier)."""
        names = ["embed_tokens.weight"]
        names += ["embed_oov.weight"] if self.embed_oov is not None else []
        names += ["embed_ngrams.weight"] if self.embed_ngrams is not None else []
        return tuple(names)
