"""Retrieval P@k on constructed embeddings where the answer is known in advance."""
import numpy as np
import pytest

from fairseq_xling.evaluation.retrieval import error_rate, make_pools, precision_at_k, true_ranks


def one_hot(n: int) -> np.ndarray:
    return np.eye(n, dtype=np.float32)  # n x n


def brute_force_ranks(src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    src = src / np.linalg.norm(src, axis=1, keepdims=True)
    tgt = tgt / np.linalg.norm(tgt, axis=1, keepdims=True)
    scores = src @ tgt.T  # N x N
    true = np.diag(scores)
    ahead = scores >= true[:, None]
    np.fill_diagonal(ahead, False)
    return ahead.sum(axis=1)


@pytest.mark.parametrize("num_distractors", [None, 3, 999])
def test_identity_is_perfect(num_distractors):
    emb = one_hot(20)
    result = precision_at_k(emb, emb, num_distractors=num_distractors)
    assert result["p@1"] == 1.0 and result["p@5"] == 1.0
    assert result["n"] == 20


def test_known_permutation_gives_fraction_of_fixed_points():
    n = 12
    perm = np.array([0, 1, 2, 4, 3, 6, 5, 8, 7, 10, 11, 9])  # 3 fixed points
    src = one_hot(n)
    tgt = src[perm]  # pair i is (e_i, e_perm[i]): a hit only where perm[i] == i
    result = precision_at_k(src, tgt, k=(1, 5), num_distractors=None)
    assert result["p@1"] == pytest.approx(3 / 12)
    # A wrong pair scores 0 against its target, tied with 10 other zeros, so it never enters the top 5.
    assert result["p@5"] == pytest.approx(3 / 12)


def test_graded_ranks_on_a_circle():
    angles = np.deg2rad([0.0, 10.0, 20.0, 30.0, 40.0])
    cands = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # 5 x 2, decreasing cosine with (1, 0)
    query = np.array([[1.0, 0.0]] * 5)  # 5 x 2
    ranks = true_ranks(query, cands, np.arange(5), chunk_size=2)
    assert ranks.tolist() == [0, 1, 2, 3, 4]
    result = precision_at_k(query, cands, k=(1, 2, 5), num_distractors=None)
    assert result["p@1"] == pytest.approx(1 / 5)
    assert result["p@2"] == pytest.approx(2 / 5)
    assert result["p@5"] == 1.0


def test_ties_count_against_the_query():
    emb = np.ones((6, 4), dtype=np.float32)  # every candidate ties with the true one
    result = precision_at_k(emb, emb, k=(1, 5, 6), num_distractors=None)
    assert result["p@1"] == 0.0 and result["p@5"] == 0.0
    assert result["p@6"] == 1.0  # 5 others ahead: rank 5 is inside the top 6


def test_cosine_ignores_row_scale():
    rng = np.random.default_rng(0)
    src, tgt = rng.normal(size=(30, 8)), rng.normal(size=(30, 8))
    scaled = src * rng.uniform(0.1, 10.0, size=(30, 1))
    assert precision_at_k(src, tgt, num_distractors=None) == precision_at_k(scaled, tgt, num_distractors=None)


def test_pools_cover_pairs_and_drop_a_lone_remainder():
    pools = make_pools(10, num_distractors=3, seed=0)
    assert [len(p) for p in pools] == [4, 4, 2]  # remainder of 2 pairs is its own pool
    assert sorted(np.concatenate(pools).tolist()) == list(range(10))
    pools = make_pools(9, num_distractors=3, seed=0)
    assert [len(p) for p in pools] == [4, 4]  # a single left-over pair has no distractor: dropped
    assert len(set(np.concatenate(pools).tolist())) == 8
    assert [p.tolist() for p in make_pools(5, num_distractors=999)] == [list(range(5))]
    assert [p.tolist() for p in make_pools(5, num_distractors=None)] == [list(range(5))]
    with pytest.raises(ValueError):
        make_pools(5, num_distractors=0)


def test_scores_follow_the_pools():
    # Pairs come as identical twins (2j, 2j+1): a query misses P@1 exactly when its twin is in its pool.
    n, k = 40, 5
    base = one_hot(n // 2)
    emb = np.repeat(base, 2, axis=0)  # n x n/2
    result = precision_at_k(emb, emb, k=1, num_distractors=k, seed=3)
    pools = make_pools(n, k, seed=3)
    hits = sum(1 for pool in pools for i in pool if (i ^ 1) not in set(pool.tolist()))
    assert result["n"] == sum(len(p) for p in pools) == n - (n % (k + 1) == 1)
    assert result["num_pools"] == len(pools)
    assert result["p@1"] == pytest.approx(hits / result["n"])
    # more distractors, more collisions: full search puts every twin in the pool
    assert precision_at_k(emb, emb, k=1, num_distractors=None)["p@1"] == 0.0


def test_seed_is_deterministic():
    rng = np.random.default_rng(1)
    src = rng.normal(size=(50, 8))
    tgt = src + rng.normal(size=(50, 8))
    assert precision_at_k(src, tgt, num_distractors=6, seed=7) == precision_at_k(src, tgt, num_distractors=6, seed=7)


@pytest.mark.parametrize("chunk_size", [1, 7, 64])
def test_chunked_full_search_equals_brute_force(chunk_size):
    rng = np.random.default_rng(2)
    src = rng.normal(size=(53, 6)).astype(np.float32)
    tgt = (src + 1.5 * rng.normal(size=(53, 6))).astype(np.float32)
    ranks = brute_force_ranks(src, tgt)
    result = precision_at_k(src, tgt, k=(1, 5, 10), num_distractors=None, chunk_size=chunk_size)
    for c in (1, 5, 10):
        assert result[f"p@{c}"] == pytest.approx(np.mean(ranks < c))
    assert 0.0 < result["p@1"] < 1.0  # the data is neither trivial nor hopeless


def test_chunking_does_not_change_pooled_scores():
    rng = np.random.default_rng(3)
    src = rng.normal(size=(70, 6))
    tgt = src + 1.5 * rng.normal(size=(70, 6))
    small = precision_at_k(src, tgt, num_distractors=9, chunk_size=3)
    large = precision_at_k(src, tgt, num_distractors=9, chunk_size=1000)
    assert small == large


def test_error_rate_is_one_minus_full_p_at_1():
    rng = np.random.default_rng(4)
    src = rng.normal(size=(40, 6))
    tgt = src + rng.normal(size=(40, 6))
    p1 = precision_at_k(src, tgt, k=1, num_distractors=None)["p@1"]
    assert error_rate(src, tgt) == pytest.approx(1.0 - p1)
    assert error_rate(one_hot(8), one_hot(8)) == 0.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        precision_at_k(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="at least 2"):
        precision_at_k(np.ones((1, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="k must be positive"):
        precision_at_k(one_hot(3), one_hot(3), k=0)
