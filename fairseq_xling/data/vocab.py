"""One embedding table for several languages: each language's dictionary is a slice of it.

With one dictionary per language, token ``i`` of language ``l`` is row ``offsets[l] + i`` of the shared table,
so German and English words never share a row. With a joined dictionary every offset is 0.
"""
from typing import Dict

import numpy as np
from fairseq.data import Dictionary


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

    def counts(self) -> np.ndarray:
        """Corpus count of every row of the shared table; special symbols (pad, eos, bos, unk) count 0."""
        counts = np.zeros(self.size, dtype=np.float64)
        for lang, d in self.dicts.items():
            c = np.asarray(d.count, dtype=np.float64)
            c[: d.nspecial] = 0.0
            lo = self.offsets[lang]
            counts[lo : lo + len(d)] = c  # joined: every language writes the same counts
        return counts
