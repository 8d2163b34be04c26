"""Parallel-sentence retrieval: P@k of the true translation among K distractors (Chidambaram et al., 2019)
and the Tatoeba-style error rate over the whole set (Artetxe & Schwenk, 2019), scored by cosine or by
the margin of Artetxe & Schwenk (2019, "Margin-based parallel corpus mining with multilingual sentence
embeddings"), as LASER's xSIM does.

Pure functions on numpy arrays; no fairseq, no torch. Row ``i`` of ``src_emb`` and row ``i`` of
``tgt_emb`` are a translation pair. Each query is scored in one direction (source -> target); the other
direction is obtained by swapping the arguments.

Scorings (``scoring=``):
- ``"cosine"``: cos(x, y).
- ``"margin"`` (ratio margin): cos(x, y) / ((knn(x) + knn(y)) / 2), where knn(x) is the mean cosine of
  source x with its k nearest candidate targets and knn(y) the mean cosine of target y with its k nearest
  source sentences, both taken within the candidates being searched (the pool, or the whole set). A
  "hub" target, close to everything, has a high knn(y) and loses the queries it does not translate.
- ``"margin-distance"`` (distance margin): cos(x, y) - (knn(x) + knn(y)) / 2.
In the reverse direction the roles swap (knn of each target over the sources and vice versa). ``k``
(``margin_k``, default 4) is clamped to the number of candidates of each pool rather than refused, so that
a small left-over pool is scored with every candidate as a neighbour (``knn_mean`` alone refuses it).
xSIM re-scores only each query's k cosine nearest neighbours and breaks ties by taking the first; here
every candidate is scored by its margin and ties count against the query, as for cosine. The ratio
assumes positive k-NN means (as sentence embeddings have): a query or candidate with no similar
neighbour at all (an all-zero row) can make it 0/0, and such a NaN score counts against the query like
a tie.

Pools (``num_distractors=K``): the pairs are shuffled with ``seed`` and cut into consecutive blocks of
``K + 1`` pairs. Every source sentence of a block is a query and the ``K + 1`` targets of its block are
its candidates (its translation plus ``K`` distractors). When ``N`` is not a multiple of ``K + 1`` the
last, smaller block is kept as a pool of its own (with fewer distractors) if it has at least 2 pairs; a
single left-over pair has no distractor and is dropped (``n`` in the result counts the scored queries).
If ``K >= N - 1`` there is a single pool holding every pair, which is the same as the full search.

Ties: a candidate whose score equals the true target's score counts as ranked above it, so P@k is a
lower bound and degenerate embeddings (all equal) score 0, not 1.
"""
from typing import Dict, Iterable, Iterator, Optional, Sequence, Tuple, Union

import numpy as np

DEFAULT_NUM_DISTRACTORS = 999
DEFAULT_MARGIN_K = 4
# scoring name -> the margin of margin_score (None: plain cosine)
SCORINGS = {"cosine": None, "margin": "ratio", "margin-distance": "distance"}


def normalize_rows(emb: np.ndarray) -> np.ndarray:
    """L2-normalise rows as float32; an all-zero row stays zero (its cosine with anything is 0)."""
    emb = np.asarray(emb, dtype=np.float32)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)  # N x 1
    return emb / np.maximum(norms, 1e-12)  # N x d


def _chunk_scores(query_emb: np.ndarray, cand_emb: np.ndarray, chunk_size: int) -> Iterator[Tuple[int, np.ndarray]]:
    """Dot products of every query with one column chunk of candidates at a time: (first column, scores)."""
    for start in range(0, len(cand_emb), chunk_size):
        yield start, query_emb @ cand_emb[start : start + chunk_size].T  # Q x C


def knn_mean(query_emb: np.ndarray, cand_emb: np.ndarray, k: int, chunk_size: int = 4096) -> np.ndarray:
    """Mean similarity of each query with its ``k`` most similar candidates (the margin's knn(x)).

    Scores are dot products, so pass normalised rows for cosine. Candidates are scored in column chunks
    and only the running top ``k`` is kept, so memory is ``len(query_emb) x (chunk_size + k)``.

    Args:
        query_emb: Q x d queries.
        cand_emb: M x d candidates.
        k: neighbours per query, ``1 <= k <= M`` (ValueError otherwise; ``precision_at_k`` clamps k).
        chunk_size: candidates scored per matmul.

    Returns:
        Q means.
    """
    if not 1 <= k <= len(cand_emb):
        raise ValueError(f"k-NN needs 1 <= k <= the number of candidates ({len(cand_emb)}), got k={k}")
    top = np.empty((len(query_emb), 0), dtype=np.float32)  # Q x 0
    for _, scores in _chunk_scores(query_emb, cand_emb, chunk_size):
        top = np.concatenate([top, scores], axis=1)  # Q x (k + C)
        if top.shape[1] > k:
            top = np.partition(top, top.shape[1] - k, axis=1)[:, -k:]  # Q x k, unordered
    return top.mean(axis=1)  # Q


def margin_score(cos: np.ndarray, query_knn: np.ndarray, cand_knn: np.ndarray, margin: str = "ratio") -> np.ndarray:
    """Margin of Artetxe & Schwenk (2019) from cosines and the two sides' k-NN means (``knn_mean``).

    ``ratio``: cos / ((query_knn + cand_knn) / 2); ``distance``: cos - (query_knn + cand_knn) / 2.
    The three arrays broadcast: pass Q x M cosines with a Q x 1 and a 1 x M column/row, or three Q
    vectors for one candidate per query. A zero ratio denominator gives inf or NaN (no warning).
    """
    mean_knn = (query_knn + cand_knn) / 2  # broadcast shape of the scores
    if margin == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            return cos / mean_knn
    if margin == "distance":
        return cos - mean_knn
    raise ValueError(f"margin must be 'ratio' or 'distance', got {margin!r}")


def true_ranks(
    query_emb: np.ndarray,
    cand_emb: np.ndarray,
    true_idx: np.ndarray,
    chunk_size: int = 4096,
    query_knn: Optional[np.ndarray] = None,
    cand_knn: Optional[np.ndarray] = None,
    margin: str = "ratio",
) -> np.ndarray:
    """Rank of each query's true candidate: the number of *other* candidates scoring >= it.

    Scores are dot products, so pass normalised rows for cosine; with ``query_knn`` and ``cand_knn`` they
    are margins (``margin_score``). Candidates are scored in column chunks of ``chunk_size``, so memory
    is ``len(query_emb) x chunk_size`` whatever the number of candidates.

    Args:
        query_emb: Q x d queries.
        cand_emb: M x d candidates.
        true_idx: Q ints, the row of ``cand_emb`` that is the right answer for each query.
        chunk_size: candidates scored per matmul.
        query_knn: Q k-NN means of the queries over the candidates (``knn_mean(query_emb, cand_emb, k)``).
        cand_knn: M k-NN means of the candidates over the queries' side (``knn_mean(cand_emb, ..., k)``).
        margin: ``ratio`` or ``distance`` (used only with the k-NN means).

    Returns:
        Q int64 ranks; 0 means the true candidate is strictly the best.
    """
    if (query_knn is None) != (cand_knn is None):
        raise ValueError("give both query_knn and cand_knn (margin scores) or neither (dot products)")
    true_idx = np.asarray(true_idx, dtype=np.int64)
    # The true score comes from a row-wise dot product rather than from the matmul, and the true
    # candidate's own cell is masked out below, so rounding differences between the two never
    # count the true candidate against itself.
    true_scores = np.einsum("qd,qd->q", query_emb, cand_emb[true_idx])  # Q
    if query_knn is not None:
        true_scores = margin_score(true_scores, query_knn, cand_knn[true_idx], margin)  # Q
    ranks = np.zeros(len(query_emb), dtype=np.int64)  # Q
    for start, scores in _chunk_scores(query_emb, cand_emb, chunk_size):
        stop = start + scores.shape[1]
        if query_knn is not None:
            scores = margin_score(scores, query_knn[:, None], cand_knn[None, start:stop], margin)  # Q x C
        # "not below" rather than ">=": a NaN margin (0/0) counts against the query, as a tie does.
        ahead = ~(scores < true_scores[:, None])  # Q x C
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
    scoring: str = "cosine",
    margin_k: int = DEFAULT_MARGIN_K,
) -> Dict[str, object]:
    """P@k of retrieving ``tgt_emb[i]`` for query ``src_emb[i]`` by cosine similarity or by margin.

    Args:
        src_emb: N x d query embeddings.
        tgt_emb: N x d target embeddings, row i the translation of ``src_emb[i]``.
        k: one cutoff or several.
        num_distractors: K wrong candidates per query (pools of K + 1 pairs, see module docstring);
            ``None`` searches all N - 1 other targets.
        seed: shuffles pairs into pools; unused for the full search.
        chunk_size: rows (and candidate columns) scored per matmul; bounds memory for large N.
        progress: show a tqdm bar over blocks.
        scoring: ``cosine``, ``margin`` (ratio) or ``margin-distance`` (see module docstring).
        margin_k: neighbours in the margin's k-NN means, clamped to each pool's size; unused for cosine.

    Returns:
        ``{"p@1": float, "p@5": float, ..., "error": 1 - P@1 (the xSIM error when ``num_distractors`` is
        None), "num_errors": queries whose best candidate is not their translation (ties count), "n":
        queries scored, "num_distractors": K or None, "num_pools": int, "pool_size": candidates in the
        largest pool}``.
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
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {', '.join(SCORINGS)}, got {scoring!r}")
    if margin_k < 1:
        raise ValueError(f"margin_k must be >= 1, got {margin_k}")
    margin = SCORINGS[scoring]
    src_emb, tgt_emb = normalize_rows(src_emb), normalize_rows(tgt_emb)  # N x d

    pools = make_pools(len(src_emb), num_distractors, seed)
    # One pool = full search: the progress bars follow its query blocks; otherwise one bar over the pools.
    block_bars = progress and len(pools) == 1

    def pool_ranks(pool: np.ndarray) -> np.ndarray:
        """Ranks of the pool's sources among the pool's targets, ``chunk_size`` query rows at a time (never a
        P x P matrix). The margin's k-NN means are taken within the pool: knn(x) over its targets, knn(y)
        over its sources."""
        src, tgt = src_emb[pool], tgt_emb[pool]  # P x d
        blocks = [np.arange(i, min(i + chunk_size, len(pool))) for i in range(0, len(pool), chunk_size)]

        def each_block(desc: str) -> Iterator:
            return _progress(blocks, block_bars, len(blocks), desc)

        src_knn = tgt_knn = None
        if margin is not None:
            knn_k = min(margin_k, len(pool))
            src_knn = np.concatenate([knn_mean(src[rows], tgt, knn_k, chunk_size) for rows in each_block("k-NN")])
            tgt_knn = np.concatenate([knn_mean(tgt[rows], src, knn_k, chunk_size) for rows in each_block("k-NN")])
        ranks = [
            true_ranks(src[rows], tgt, rows, chunk_size, None if src_knn is None else src_knn[rows], tgt_knn, margin)
            for rows in each_block("retrieval")
        ]
        return np.concatenate(ranks)  # P

    rank_blocks = [pool_ranks(pool) for pool in _progress(pools, progress and not block_bars, len(pools), "retrieval")]
    ranks = np.concatenate(rank_blocks)  # n
    result: Dict[str, object] = {f"p@{c}": float(np.mean(ranks < c)) for c in cutoffs}
    num_errors = int(np.count_nonzero(ranks > 0))
    result.update(
        error=num_errors / len(ranks),
        num_errors=num_errors,
        n=int(len(ranks)),
        # what was done, not what was asked: K >= n - 1 scores every pair against all others
        num_distractors=None if len(pools) == 1 and len(pools[0]) == len(ranks) else num_distractors,
        num_pools=len(pools),
        pool_size=int(len(pools[0])),
    )
    return result


def error_rate(
    src_emb: np.ndarray,
    tgt_emb: np.ndarray,
    chunk_size: int = 1024,
    progress: bool = False,
    scoring: str = "cosine",
    margin_k: int = DEFAULT_MARGIN_K,
) -> float:
    """Tatoeba / xSIM error rate: the fraction of source sentences whose best-scoring target among all N
    is not their translation (ties count as errors), i.e. 1 - P@1 of the full search."""
    return float(
        precision_at_k(
            src_emb, tgt_emb, k=1, num_distractors=None, chunk_size=chunk_size, progress=progress,
            scoring=scoring, margin_k=margin_k,
        )["error"]
    )  # fmt: skip
