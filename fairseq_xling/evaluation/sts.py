"""Semantic textual similarity: the correlation between the similarity of two sentence vectors and human scores.

Reads the STS Benchmark's CSV layout (``sentence1,sentence2,score``, no header: stsb-multi-mt) and reports
Spearman's and Pearson's correlation times 100, as sentence-embedding papers do.

Similarities (``similarity=``):
- ``"cosine"``: cos(u, v).
- ``"angular"``: 1 - arccos(cos(u, v)) / pi, in [0, 1], as Cer et al. (2018, Universal Sentence Encoder) and
  Chidambaram et al. (2019, Table 2) score STS; the cosine is clipped into [-1, 1] first, so rounding never
  makes arccos NaN. It is a monotone map of the cosine: Spearman's correlation is the same as with the cosine,
  Pearson's is not (arccos stretches the differences between nearly parallel vectors).
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


def angular(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise angular similarity 1 - arccos(cos(a, b)) / pi of two N x d arrays, in [0, 1] (a zero vector has
    cosine 0, so 0.5)."""
    return 1.0 - np.arccos(np.clip(cosine(a, b), -1.0, 1.0)) / np.pi


SIMILARITIES = {"cosine": cosine, "angular": angular}


def sts_correlations(first_emb: np.ndarray, second_emb: np.ndarray, gold: np.ndarray,
                     similarity: str = "cosine") -> dict:
    """Spearman and Pearson correlation (x100) between the pairs' ``similarity`` (``cosine`` or ``angular``,
    see the module docstring) and the gold scores."""
    from scipy.stats import pearsonr, spearmanr

    if similarity not in SIMILARITIES:
        raise ValueError(f"similarity {similarity!r}: expected one of {', '.join(SIMILARITIES)}")
    predicted = SIMILARITIES[similarity](first_emb.astype(np.float64), second_emb.astype(np.float64))
    return {"spearman": 100.0 * float(spearmanr(predicted, gold)[0]),
            "pearson": 100.0 * float(pearsonr(predicted, gold)[0])}
