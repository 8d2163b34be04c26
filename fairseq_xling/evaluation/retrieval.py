"""Parallel-sentence retrieval: P@k of the true translation among K distractors (Chidambaram et al., 2019)
and the Tatoeba-style error rate over the whole set (Artetxe & Schwenk, 2019).

Pure functions on numpy arrays; no fairseq, no torch. Row ``i`` of ``src_emb`` and row ``i`` of
``tgt_emb`` are a translation pair. Similarity is cosine. Each query is scored in one direction
(source -> target); the other direction is obtained by swapping the arguments.

Pools (``num_distractors=K``): the pairs are shuffled with ``seed`` and cut into consecutive blocks of
``K + 1`` pairs. Every source sentence of a block is a query and the ``K + 1`` targets of its block are
its candidates (its translation plus ``K`` distractors). When ``N`` is not a multiple of ``K + 1`` the
last, smaller block is kept as a pool of its own (with fewer distractors) if it has at least 2 pairs; a
single left-over pair has no distractor and is dropped (``n`` in the result counts the scored queries).
If ``K >= N - 1`` there is a single pool holding every pair, which is the same as the full search.

Ties: a candidate whose score equals the true target's score counts as ranked above it, so P@k is a
lower bound and degenerate embeddings (all equal) score 0, not 1.
"""
from typing import Dict, Iterable, Iterator, Optional, Sequence, Union

import numpy as np

DEFAULT_NUM_DISTRACTORS = 999


def normalize_rows(emb: np.ndarray) -> np.ndarray:
    """L2-normalise rows as float32; an all-zero row stays zero (its cosine with anything is 0)."""
    emb = np.asarray(emb, dtype=np.float32)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)  # N x 1
    return emb / np.maximum(norms, 1e-12)  # N x d


def true_ranks(
    query_emb: np.ndarray,
    cand_emb: np.ndarray,
    true_idx: np.ndarray,
    chunk_size: int = 4096,
) -> np.ndarray:
    """Rank of each query's true candidate: the number of *other* candidates scoring >= it.

    Scores are dot products, so pass normalised rows for cosine. Candidates are scored in column
    chunks of ``chunk_size``, so memory is ``len(query_emb) x chunk_size`` whatever the number of
    candidates.

    Args:
        query_emb: Q x d queries.
        cand_emb: M x d candidates.
        true_idx: Q ints, the row of ``cand_emb`` that is the right answer for each query.
        chunk_size: candidates scored per matmul.

    Returns:
        Q int64 ranks; 0 means the true candidate is strictly the best.
    """
    true_idx = np.asarray(true_idx, dtype=np.int64)
    # The true score comes from a row-wise dot product rather than from the matmul, and the true
    # candidate's own cell is masked out below, so rounding differences between the two never
    # count the true candidate against itself.
    true_scores = np.einsum("qd,qd->q", query_emb, cand_emb[true_idx])  # Q
    ranks = np.zeros(len(query_emb), dtype=np.int64)  # Q
    for start in range(0, len(cand_emb), chunk_size):
        stop = min(start + chunk_size, len(cand_emb))
        scores = query_emb @ cand_emb[start:stop].T  # Q x C
        ahead = scores >= true_scores[:, None]  # Q x C
        inside = np.nonzero((true_idx >= start) & (true_idx < stop))[0]
        ahead[inside, true_idx[inside] - start] = False
        ranks += ahead.sum(axis=1)
    return ranks


def make_pools(num_pairs: int, num_distractors: Optional[int], seed: int = 0) -> list:
    """Split pair indices into candidate pools (see the module docstring for the rules).

    Returns a list of int64 index arrays. ``num_distractors=None`` (or ``>= num_pairs - 1``) gives a
    single pool of every pair, in order.
    """
    if num_distractors is not None and num_distractors < 1:
        raise ValueError(f"num_distractors must be >= 1 or None (all), got {num_distractors}")
    if num_distractors is None or num_distractors >= num_pairs - 1:
        return [np.arange(num_pairs, dtype=np.int64)] if num_pairs >= 2 else []
    order = np.random.default_rng(seed).permutation(num_pairs)  # N
    pool_size = num_distractors + 1
    pools = [order[i : i + pool_size] for i in range(0, num_pairs, pool_size)]
    if len(pools[-1]) < 2:  # a lone left-over pair has nothing to be confused with
        pools.pop()
    return pools


def _progress(items: Iterable, enabled: bool, total: int, desc: str) -> Iterator:
    if not enabled:
        return iter(items)
    from tqdm import tqdm  # only the CLI asks for progress bars

    return iter(tqdm(items, total=total, desc=desc, unit="block", leave=False))


def precision_at_k(
    src_emb: np.ndarray,
    tgt_emb: np.ndarray,
    k: Union[int, Sequence[int]] = (1, 5),
    num_distractors: Optional[int] = DEFAULT_NUM_DISTRACTORS,
    seed: int = 0,
    chunk_size: int = 1024,
    progress: bool = False,
) -> Dict[str, object]:
    """P@k of retrieving ``tgt_emb[i]`` for query ``src_emb[i]`` by cosine similarity.

    Args:
        src_emb: N x d query embeddings.
        tgt_emb: N x d target embeddings, row i the translation of ``src_emb[i]``.
        k: one cutoff or several.
        num_distractors: K wrong candidates per query (pools of K + 1 pairs, see module docstring);
            ``None`` searches all N - 1 other targets.
        seed: shuffles pairs into pools; unused for the full search.
        chunk_size: rows (and candidate columns) scored per matmul; bounds memory for large N.
        progress: show a tqdm bar over blocks.

    Returns:
        ``{"p@1": float, "p@5": float, ..., "n": queries scored, "num_distractors": K or None,
        "num_pools": int, "pool_size": candidates in the largest pool}``.
    """
    src_emb, tgt_emb = np.asarray(src_emb), np.asarray(tgt_emb)
    if src_emb.ndim != 2 or src_emb.shape != tgt_emb.shape:
        raise ValueError(
            f"src_emb and tgt_emb must both be N x d with the same shape, got {src_emb.shape} and {tgt_emb.shape}"
        )
    cutoffs = (k,) if isinstance(k, (int, np.integer)) else tuple(k)
    if not cutoffs or min(cutoffs) < 1:
        raise ValueError(f"k must be positive, got {k}")
    if len(src_emb) < 2:
        raise ValueError(f"retrieval needs at least 2 pairs, got {len(src_emb)}")
    src_emb, tgt_emb = normalize_rows(src_emb), normalize_rows(tgt_emb)  # N x d

    pools = make_pools(len(src_emb), num_distractors, seed)
    if len(pools) == 1:
        # One pool = full search: chunk the query rows too, never an N x N matrix.
        pool = pools[0]
        blocks = [pool[i : i + chunk_size] for i in range(0, len(pool), chunk_size)]
        rank_blocks = (
            true_ranks(src_emb[rows], tgt_emb, rows, chunk_size)
            for rows in _progress(blocks, progress, len(blocks), "retrieval")
        )
    else:
        rank_blocks = (
            true_ranks(src_emb[pool], tgt_emb[pool], np.arange(len(pool)), chunk_size)
            for pool in _progress(pools, progress, len(pools), "retrieval")
        )
    ranks = np.concatenate(list(rank_blocks))  # n
    result: Dict[str, object] = {f"p@{c}": float(np.mean(ranks < c)) for c in cutoffs}
    result.update(
        n=int(len(ranks)), num_distractors=num_distractors, num_pools=len(pools), pool_size=int(len(pools[0]))
    )
    return result


def error_rate(src_emb: np.ndarray, tgt_emb: np.ndarray, chunk_size: int = 1024, progress: bool = False) -> float:
    """Tatoeba-style error rate: 1 - P@1 when searching all N targets for each source sentence."""
    return 1.0 - float(
        precision_at_k(src_emb, tgt_emb, k=1, num_distractors=None, chunk_size=chunk_size, progress=progress)["p@1"]
    )
