"""One embedding table for several languages: each language's dictionary is a slice of it.

With one dictionary per language, token ``i`` of language ``l`` is row ``offsets[l] + i`` of the shared table,
so German and English words never share a row. With a joined dictionary (one sub-word vocabulary for every
language) every offset is 0. :meth:`MultilingualVocab.rows` is the one place where offsets are applied.

The layout travels with the checkpoint (:meth:`to_state` / :meth:`from_state`, plain lists and dicts that
torch loads with ``weights_only=True``), so a model reads raw text without its training data-bins, and a
pretrained table is mapped into another run's layout by symbol (:func:`row_mapping`).
"""
from typing import Dict, Tuple

import numpy as np
import torch
from fairseq.data import Dictionary


def dictionary_state(d: Dictionary) -> dict:
    return {"symbols": list(d.symbols), "counts": [int(c) for c in d.count], "nspecial": d.nspecial}


def dictionary_from_state(state: dict) -> Dictionary:
    """The Dictionary that :func:`dictionary_state` saved (same symbols, ids and counts)."""
    d = Dictionary()
    d.symbols, d.count = list(state["symbols"]), list(state["counts"])
    d.indices = {s: i for i, s in enumerate(d.symbols)}
    d.nspecial = state["nspecial"]
    return d


class MultilingualVocab:
    """Args:
        dicts: language code -> fairseq Dictionary.
    """

    def __init__(self, dicts: Dict[str, Dictionary]):
        self.dicts = dict(sorted(dicts.items()))
        first = next(iter(self.dicts.values()))
        self.joined = all(d.symbols == first.symbols for d in self.dicts.values())
        self.offsets, total = {}, 0
        for lang, d in self.dicts.items():
            self.offsets[lang] = 0 if self.joined else total
            total = len(first) if self.joined else total + len(d)
        self.size = total

    @property
    def langs(self):
        return list(self.dicts)

    def pad(self, lang: str) -> int:
        return self.dicts[lang].pad()

    def rows(self, lang: str, ids):
        """Rows of the shared table for token ids of language ``lang`` (tensor or numpy array)."""
        return ids + self.offsets[lang]

    def counts(self) -> np.ndarray:
        """Corpus count of every row of the shared table; special symbols (pad, eos, bos, unk) count 0."""
        counts = np.zeros(self.size, dtype=np.float64)
        for lang, d in self.dicts.items():
            c = np.asarray(d.count, dtype=np.float64)
            c[: d.nspecial] = 0.0
            lo = self.offsets[lang]
            counts[lo: lo + len(d)] = c  # joined: every language writes the same counts
        return counts

    def to_state(self) -> dict:
        return {lang: dictionary_state(d) for lang, d in self.dicts.items()}

    @classmethod
    def from_state(cls, state: dict) -> "MultilingualVocab":
        return cls({lang: dictionary_from_state(s) for lang, s in state.items()})


def row_mapping(old: MultilingualVocab, new: MultilingualVocab) -> Tuple[torch.Tensor, torch.Tensor, dict]:
    """Rows of ``new``'s table that ``old``'s table has a vector for, matched by (language, symbol).

    Returns (new_rows, old_rows, found) with ``found``: language -> (symbols found, symbols in ``new``).
    Languages that ``old`` lacks are not in ``found``; a joined (sub-word) ``old`` vocabulary serves every
    language of ``new``.
    """
    new_rows, old_rows, found = [], [], {}
    for lang, d in new.dicts.items():
        source = lang if lang in old.dicts else (old.langs[0] if old.joined else None)
        if source is None:
            continue
        index = old.dicts[source].indices
        hits = [(i, index[s]) for i, s in enumerate(d.symbols) if s in index]
        found[lang] = (len(hits), len(d))
        new_rows += [new.offsets[lang] + i for i, _ in hits]
        old_rows += [old.offsets[source] + j for _, j in hits]
    return torch.tensor(new_rows, dtype=torch.long), torch.tensor(old_rows, dtype=torch.long), found
