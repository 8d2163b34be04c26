"""Fingerprints of a data-bin's training text, so that an evaluation can count the examples it shares with training.

Every pipeline writes ``DEST/train_fingerprints.npz``: per language, the sorted distinct 64-bit BLAKE2b hashes of
its training lines in the form the model reads them (tokenized, lowercased, in sub-words: the lines of
``DEST/text/``; for tagging data the space-joined tokens of a sentence). 8 bytes a distinct line, and no text:
``xling-eval`` hashes an evaluation file's sentences the same way (through the checkpoint's own tokenizer) and
warns about those found, as long as the data-bin is where the model was trained from.
"""
import hashlib
import os
from typing import Dict, Iterable, Optional

import numpy as np

FILE = "train_fingerprints.npz"


def fingerprints(lines: Iterable[str]) -> np.ndarray:
    """One uint64 per line (same order)."""
    return np.fromiter((int.from_bytes(hashlib.blake2b(line.encode("utf-8"), digest_size=8).digest(), "little")
                        for line in lines), dtype=np.uint64)


def write_fingerprints(out_dir: str, lines: Dict[str, Iterable[str]]) -> str:
    """Write ``out_dir/train_fingerprints.npz`` from each language's training lines; returns the file name."""
    np.savez(os.path.join(out_dir, FILE), **{lang: np.unique(fingerprints(text)) for lang, text in lines.items()})
    return FILE


def read_fingerprints(data_dir: str) -> Optional[Dict[str, np.ndarray]]:
    """The fingerprints of a data-bin, per language; None when it has none (or is gone)."""
    path = os.path.join(data_dir, FILE)
    if not os.path.isfile(path):
        return None
    with np.load(path) as table:
        return {lang: table[lang] for lang in table.files}


def seen_in(lines: Iterable[str], table: np.ndarray) -> np.ndarray:
    """Which lines (bool per line) have a fingerprint in ``table``."""
    return np.isin(fingerprints(lines), table)
