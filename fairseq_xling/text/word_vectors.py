"""Word vectors in word2vec text format: a ``count dim`` header, then ``word v1 ... v_dim`` per line."""
from typing import List, Sequence, Tuple

import numpy as np


def _read_header(f, path: str) -> Tuple[int, int]:
    """(count, dim) from the first line of an open word2vec text file."""
    header = f.readline().split()
    if len(header) != 2 or not all(x.isdigit() for x in header):
        raise ValueError(f"{path}:1: expected a word2vec header 'count dim', got {' '.join(header)!r}")
    count, dim = map(int, header)
    return count, dim


def _check_count(path: str, count: int, found: int):
    if found != count:
        raise ValueError(f"{path}: the header announces {count} vectors, the file has {found}")


def read_word2vec_text(path: str) -> Tuple[List[str], np.ndarray]:
    """(words, vectors N x D float32); a malformed header or line is a ValueError naming the file and line."""
    with open(path, encoding="utf-8") as f:
        count, dim = _read_header(f, path)
        words, vectors = [], np.zeros((count, dim), dtype=np.float32)
        for lineno, line in enumerate(f, start=2):
            if len(words) == count:
                raise ValueError(f"{path}:{lineno}: more vectors than the {count} the header announces")
            fields = line.rstrip("\n").rstrip(" ").split(" ")
            if len(fields) != dim + 1:
                raise ValueError(f"{path}:{lineno}: expected a word and {dim} numbers, got {len(fields) - 1} numbers")
            try:
                vectors[len(words)] = np.array(fields[1:], dtype=np.float32)
            except ValueError:
                raise ValueError(f"{path}:{lineno}: a value of {fields[0]!r} is not a number") from None
            words.append(fields[0])
    _check_count(path, count, len(words))
    return words, vectors


def read_word2vec_words(path: str) -> List[str]:
    """The words of a word2vec text file, in file order, without parsing the vectors (a dictionary needs only
    them); the header is checked, and the number of lines against it."""
    with open(path, encoding="utf-8") as f:
        count, _ = _read_header(f, path)
        words = [line.split(" ", 1)[0] for line in f if line.strip()]
    _check_count(path, count, len(words))
    return words


def write_word2vec_text(path: str, words: Sequence[str], vectors: np.ndarray):
    """Write atomically (a temporary file renamed at the end)."""
    import os

    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n")
        for word, vector in zip(words, vectors):
            f.write(word + " " + " ".join(f"{x:.6g}" for x in vector.tolist()) + "\n")
    os.replace(tmp, path)
