"""Eigen-similarity of two embedding spaces (Sogaard, Ruder & Vulic 2018, "On the Limitations of Unsupervised
Bilingual Dictionary Induction", section 4.3), as Chidambaram et al. (2019, section 5, eq. 3 and their Table 6)
apply it to sentence embeddings of translation pairs.

    Psi(S, T) = 1/N sum_{i=1..N} sum_{j=1..K} (lambda_j(L_i(S)) - lambda_j(L_i(T)))^2

For each of N samples, K translation pairs are drawn (row r of ``src_emb`` translates row r of ``tgt_emb``);
each side's K vectors become a graph, and the sorted eigenvalues of the two graphs' Laplacians are compared.
Lower = the two spaces are closer to isomorphic; identical embeddings, and embeddings that differ by a
rotation (or any other isometry), give 0.

The graph (our reading, stated because the papers differ):
- Chidambaram et al. "compute pairwise distance matrices within each sampled set of encodings, and use these
  distance matrices to construct graph Laplacians": the graph here is the complete graph on the K vectors
  whose edge weights are their pairwise Euclidean distances, W_ab = ||x_a - x_b||, and its Laplacian is
  L = D - W with D = diag(row sums of W). All K eigenvalues are compared (eq. 3 sums j = 1..K).
- Sogaard et al. build unweighted nearest-neighbour graphs (of word embeddings) and compare only the top
  eigenvalues that hold 90% of the spectrum's mass. With K = 10 points, a nearest-neighbour graph takes a
  handful of discrete shapes and one changed neighbour moves Psi by a whole unit; the distance-weighted graph
  is the continuous version the reproduced paper describes, so it is the one implemented.
- Vectors are L2-normalised first (``normalize=True``, our choice; the papers do not say): the eigenvalues
  scale with the distances, so without it a model whose vectors are twice as long would score 4x worse.

Samples are independent; within one sample the K pairs are distinct. Psi's spread over samples is large
(which is why the paper takes N = 1000 rather than Sogaard et al.'s 10): the result has the standard deviation
of the per-sample values too.

Pure numpy; no torch, no fairseq.
"""
from typing import Dict

import numpy as np

DEFAULT_SAMPLES = 1000
DEFAULT_K = 10


def distance_laplacians(points: np.ndarray) -> np.ndarray:
    """Laplacians L = D - W of the complete graphs weighted by pairwise Euclidean distance.

    Args:
        points: ... x K x d, one set of K vectors per leading index.

    Returns:
        ... x K x K symmetric positive semi-definite matrices (rows sum to 0).
    """
    diff = points[..., :, None, :] - points[..., None, :, :]  # ... x K x K x d
    weights = np.sqrt((diff * diff).sum(-1))  # ... x K x K, zero diagonal
    degree = weights.sum(-1)  # ... x K
    return degree[..., :, None] * np.eye(points.shape[-2]) - weights  # ... x K x K


def eigen_similarity(src_emb: np.ndarray, tgt_emb: np.ndarray, samples: int = DEFAULT_SAMPLES, k: int = DEFAULT_K,
                     seed: int = 0, normalize: bool = True) -> Dict[str, float]:
    """Psi(S, T) of the module docstring over ``samples`` random sets of ``k`` translation pairs.

    Args:
        src_emb, tgt_emb: N x d and N x d' embeddings; row r of each side is one translation pair (the two sides
            may differ in dimension: only distances within a side are compared).
        samples: number of sampled sets (N in the paper's eq. 3; 1000 there).
        k: pairs per set (K; 10 there, as Sogaard et al.), 2 <= k <= N.
        seed: the samples drawn.
        normalize: L2-normalise every vector first.

    Returns:
        ``{"psi": mean over samples, "psi_std": standard deviation over samples (ddof=0), "samples", "k", "n"}``;
        per sample, the sum over the k eigenvalue positions of the squared differences.
    """
    src = np.asarray(src_emb, dtype=np.float64)
    tgt = np.asarray(tgt_emb, dtype=np.float64)
    if src.ndim != 2 or tgt.ndim != 2 or len(src) != len(tgt):
        raise ValueError(f"expected two embedding matrices with one row per translation pair, got shapes "
                         f"{src.shape} and {tgt.shape}")
    if not 2 <= k <= len(src):
        raise ValueError(f"k={k} pairs per sample: expected 2 <= k <= the number of pairs ({len(src)})")
    if samples < 1:
        raise ValueError(f"samples={samples}: expected at least 1")
    if not (np.isfinite(src).all() and np.isfinite(tgt).all()):
        raise ValueError("the embeddings hold NaN or infinite values")
    if normalize:
        src = src / np.maximum(np.linalg.norm(src, axis=1, keepdims=True), 1e-12)
        tgt = tgt / np.maximum(np.linalg.norm(tgt, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(seed)
    rows = np.stack([rng.choice(len(src), size=k, replace=False) for _ in range(samples)])  # samples x k
    per_sample = np.empty(samples)
    for start in range(0, samples, 64):  # bounded memory: 64 x k x k x d differences at a time
        block = rows[start:start + 64]  # b x k
        src_eig = np.linalg.eigvalsh(distance_laplacians(src[block]))  # b x k, ascending
        tgt_eig = np.linalg.eigvalsh(distance_laplacians(tgt[block]))  # b x k, ascending
        per_sample[start:start + len(block)] = ((src_eig - tgt_eig) ** 2).sum(1)
    return {"psi": float(per_sample.mean()), "psi_std": float(per_sample.std()), "samples": samples, "k": k,
            "n": len(src)}
