"""Semantic textual similarity: the correlation between the cosine of two sentence vectors and human scores.

Reads the STS Benchmark's CSV layout (``sentence1,sentence2,score``, no header: stsb-multi-mt) and reports
Spearman's and Pearson's correlation times 100, as sentence-embedding papers do.
"""
import csv
from dataclasses import dataclass
from typing import List

import numpy as np


class StsFormatError(ValueError):
    """A malformed line of an STS file (names the file and line)."""


@dataclass
class StsPairs:
    first: List[str]
    second: List[str]
    scores: np.ndarray  # N gold similarity scores


def _lines(path: str):
    """The file's lines as the pipelines read them (a byte that is not UTF-8 or a NUL stops at its FILE:LINE)."""
    from fairseq_xling.text.lines import CorpusError, read_lines

    try:
        yield from read_lines(path, "utf-8")
    except CorpusError as e:
        raise StsFormatError(str(e)) from None


def read_stsb(path: str) -> StsPairs:
    """``sentence1,sentence2,score`` rows (CSV quoting), every sentence non-empty and every score a number."""
    first, second, scores = [], [], []
    for lineno, line in _lines(path):
        row, where = next(csv.reader([line]), []), f"{path}:{lineno}"
        if len(row) != 3:
            raise StsFormatError(f"{where}: {len(row)} fields; expected sentence1,sentence2,score")
        try:
            score = float(row[2])
        except ValueError:
            raise StsFormatError(f"{where}: score {row[2]!r} is not a number") from None
        if not np.isfinite(score) or not row[0].strip() or not row[1].strip():
            raise StsFormatError(f"{where}: expected two non-empty sentences and a finite score")
        first.append(row[0])
        second.append(row[1])
        scores.append(score)
    if len(scores) < 2:
        raise StsFormatError(f"{path}: {len(scores)} sentence pairs; a correlation needs at least 2")
    return StsPairs(first, second, np.array(scores))


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two N x d arrays (0 for a zero vector)."""
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (a * b).sum(1) / np.where(norms > 0, norms, 1.0)


def sts_correlations(first_emb: np.ndarray, second_emb: np.ndarray, gold: np.ndarray) -> dict:
    """Spearman and Pearson correlation (x100) between the pairs' cosine and the gold scores."""
    from scipy.stats import pearsonr, spearmanr

    predicted = cosine(first_emb.astype(np.float64), second_emb.astype(np.float64))
    return {"spearman": 100.0 * float(spearmanr(predicted, gold)[0]),
            "pearson": 100.0 * float(pearsonr(predicted, gold)[0])}
