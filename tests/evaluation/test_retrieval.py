"""Retrieval P@k on constructed embeddings where the answer is known in advance, and the margin scores
against a brute-force loop over every pair."""
import warnings

import numpy as np
import pytest

from fairseq_xling.evaluation.retrieval import (
    error_rate,
    knn_mean,
    make_pools,
    margin_score,
    precision_at_k,
    true_ranks,
)

SCORINGS = ["cosine", "margin", "margin-distance"]


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


@pytest.mark.parametrize("scoring", SCORINGS)
@pytest.mark.parametrize("num_distractors", [None, 3, 999])
def test_identity_is_perfect(num_distractors, scoring):
    emb = one_hot(20)
    result = precision_at_k(emb, emb, num_distractors=num_distractors, scoring=scoring)
    assert result["p@1"] == 1.0 and result["p@5"] == 1.0
    assert result["error"] == 0.0 and result["num_errors"] == 0
    assert result["n"] == 20
    # what was done: 999 distractors among 20 pairs is every pair against all the others
    assert result["num_distractors"] == (3 if num_distractors == 3 else None)


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


@pytest.mark.parametrize("scoring", SCORINGS)
def test_ties_count_against_the_query(scoring):
    emb = np.ones((6, 4), dtype=np.float32)  # every candidate ties with the true one
    result = precision_at_k(emb, emb, k=(1, 5, 6), num_distractors=None, scoring=scoring)
    assert result["p@1"] == 0.0 and result["p@5"] == 0.0
    assert result["error"] == 1.0 and result["num_errors"] == 6
    assert result["p@6"] == 1.0  # 5 others ahead: rank 5 is inside the top 6


@pytest.mark.parametrize("scoring", SCORINGS)
def test_scores_ignore_row_scale(scoring):
    rng = np.random.default_rng(0)
    src, tgt = rng.normal(size=(30, 8)), rng.normal(size=(30, 8))
    scaled = src * rng.uniform(0.1, 10.0, size=(30, 1))
    expected = precision_at_k(src, tgt, num_distractors=None, scoring=scoring)
    assert precision_at_k(scaled, tgt, num_distractors=None, scoring=scoring) == expected


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


@pytest.mark.parametrize("scoring", SCORINGS)
def test_seed_is_deterministic(scoring):
    rng = np.random.default_rng(1)
    src = rng.normal(size=(50, 8))
    tgt = src + rng.normal(size=(50, 8))
    first = precision_at_k(src, tgt, num_distractors=6, seed=7, scoring=scoring)
    assert precision_at_k(src, tgt, num_distractors=6, seed=7, scoring=scoring) == first


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


@pytest.mark.parametrize("scoring", SCORINGS)
def test_chunking_does_not_change_pooled_scores(scoring):
    rng = np.random.default_rng(3)
    src = rng.normal(size=(70, 6))
    tgt = src + 1.5 * rng.normal(size=(70, 6))
    small = precision_at_k(src, tgt, num_distractors=9, chunk_size=3, scoring=scoring)
    large = precision_at_k(src, tgt, num_distractors=9, chunk_size=1000, scoring=scoring)
    assert small == large


def test_error_rate_is_one_minus_full_p_at_1():
    rng = np.random.default_rng(4)
    src = rng.normal(size=(40, 6))
    tgt = src + rng.normal(size=(40, 6))
    p1 = precision_at_k(src, tgt, k=1, num_distractors=None)["p@1"]
    assert error_rate(src, tgt) == pytest.approx(1.0 - p1)
    assert error_rate(one_hot(8), one_hot(8)) == 0.0
    margin = precision_at_k(src, tgt, k=1, num_distractors=None, scoring="margin", margin_k=3)
    assert error_rate(src, tgt, scoring="margin", margin_k=3) == margin["error"] == margin["num_errors"] / 40
    assert margin["error"] == pytest.approx(1.0 - margin["p@1"])


def test_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        precision_at_k(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="at least 2"):
        precision_at_k(np.ones((1, 2)), np.ones((1, 2)))
    with pytest.raises(ValueError, match="k must be positive"):
        precision_at_k(one_hot(3), one_hot(3), k=0)
    with pytest.raises(ValueError, match="scoring must be one of cosine, margin, margin-distance"):
        precision_at_k(one_hot(3), one_hot(3), scoring="csls")
    with pytest.raises(ValueError, match="margin_k must be >= 1"):
        precision_at_k(one_hot(3), one_hot(3), scoring="margin", margin_k=0)
    with pytest.raises(ValueError, match="margin must be 'ratio' or 'distance'"):
        margin_score(np.ones(2), np.ones(2), np.ones(2), margin="product")
    with pytest.raises(ValueError, match="both query_knn and cand_knn"):
        true_ranks(one_hot(3), one_hot(3), np.arange(3), query_knn=np.ones(3))


# --- margin scoring (Artetxe & Schwenk, 2019) ------------------------------------------------------------


def brute_force_margin(src: np.ndarray, tgt: np.ndarray, k: int, margin: str = "ratio"):
    """(N x N margin scores, N ranks of the true target) by explicit loops, sorting for the k-NN."""
    src = src / np.linalg.norm(src, axis=1, keepdims=True)
    tgt = tgt / np.linalg.norm(tgt, axis=1, keepdims=True)
    n = len(src)
    cos = [[float(np.dot(src[i], tgt[j])) for j in range(n)] for i in range(n)]
    src_knn = [sum(sorted(cos[i], reverse=True)[:k]) / k for i in range(n)]  # x's k nearest targets
    tgt_knn = [sum(sorted((cos[i][j] for i in range(n)), reverse=True)[:k]) / k for j in range(n)]  # y's sources
    scores = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            mean_knn = src_knn[i] / 2 + tgt_knn[j] / 2
            scores[i, j] = cos[i][j] / mean_knn if margin == "ratio" else cos[i][j] - mean_knn
    ranks = np.array([sum(1 for j in range(n) if j != i and scores[i, j] >= scores[i, i]) for i in range(n)])
    return scores, ranks


def noisy_pairs(seed: int, n: int, noise: float = 1.5):
    rng = np.random.default_rng(seed)
    src = rng.normal(size=(n, 6)).astype(np.float32)
    tgt = (src + noise * rng.normal(size=(n, 6))).astype(np.float32)
    return src, tgt


@pytest.mark.parametrize("chunk_size", [1, 3, 64])
def test_knn_mean_equals_sorting(chunk_size):
    src, tgt = noisy_pairs(5, 23)
    cos = src @ tgt.T  # N x N
    for k in (1, 4, 23):
        expected = np.sort(cos, axis=1)[:, ::-1][:, :k].mean(axis=1)
        np.testing.assert_allclose(knn_mean(src, tgt, k, chunk_size), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("margin", ["ratio", "distance"])
def test_margin_scores_and_ranks_equal_brute_force(margin):
    src, tgt = noisy_pairs(6, 31)
    expected_scores, expected_ranks = brute_force_margin(src, tgt, k=4, margin=margin)
    src_n = src / np.linalg.norm(src, axis=1, keepdims=True)
    tgt_n = tgt / np.linalg.norm(tgt, axis=1, keepdims=True)
    src_knn, tgt_knn = knn_mean(src_n, tgt_n, 4), knn_mean(tgt_n, src_n, 4)  # N, N
    scores = margin_score(src_n @ tgt_n.T, src_knn[:, None], tgt_knn[None, :], margin)  # N x N
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5, atol=1e-6)
    for chunk_size in (1, 7, 64):
        ranks = true_ranks(src_n, tgt_n, np.arange(31), chunk_size, src_knn, tgt_knn, margin)
        assert ranks.tolist() == expected_ranks.tolist()
    assert 0 < np.count_nonzero(expected_ranks) < 31  # neither trivial nor hopeless


@pytest.mark.parametrize("scoring", ["margin", "margin-distance"])
@pytest.mark.parametrize("num_distractors", [None, 7])
@pytest.mark.parametrize("reverse", [False, True])
def test_margin_precision_equals_brute_force(scoring, num_distractors, reverse):
    """Both directions (the reverse one swaps the roles of the two sides), the full search and pools of 8
    (53 = 6 x 8 + 5: the last pool has 5 pairs), with the k-NN means taken within each pool."""
    src, tgt = noisy_pairs(7, 53)
    if reverse:
        src, tgt = tgt, src
    margin = {"margin": "ratio", "margin-distance": "distance"}[scoring]
    pools = make_pools(53, num_distractors, seed=2)
    ranks = np.concatenate([brute_force_margin(src[pool], tgt[pool], k=4, margin=margin)[1] for pool in pools])
    cutoffs = range(1, 54)  # every cutoff: the whole histogram of ranks
    result = precision_at_k(
        src, tgt, k=cutoffs, num_distractors=num_distractors, seed=2, chunk_size=5, scoring=scoring, margin_k=4
    )
    assert result["n"] == len(ranks) == 53
    assert [result[f"p@{c}"] for c in cutoffs] == pytest.approx([np.mean(ranks < c) for c in cutoffs])
    assert result["num_errors"] == np.count_nonzero(ranks) and result["error"] == pytest.approx(1 - result["p@1"])
    assert 0.0 < result["p@1"] < 1.0
    # The data tells margin from cosine, and k-NN means within the pools from k-NN means over the whole set.
    others = [np.concatenate([brute_force_ranks(src[pool], tgt[pool]) for pool in pools])]
    if num_distractors is not None:
        scores = brute_force_margin(src, tgt, k=4, margin=margin)[0]  # N x N, whole-set neighbourhoods
        others.append(np.concatenate([
            (scores[np.ix_(pool, pool)] >= scores[pool, pool][:, None]).sum(axis=1) - 1 for pool in pools
        ]))  # fmt: skip
    for other in others:
        assert [np.mean(other < c) for c in cutoffs] != pytest.approx([result[f"p@{c}"] for c in cutoffs])


def hub_example():
    """4 one-hot sources; targets 2 and 3 are exact translations, target 1 is a weak one (cosine 0.4 with
    its source) and target 0 is a hub at cosine 0.5 with every source."""
    src = np.eye(4, 5, dtype=np.float32)  # 4 x 5
    tgt = np.eye(4, 5, dtype=np.float32)  # 4 x 5
    tgt[0] = [0.5, 0.5, 0.5, 0.5, 0.0]
    tgt[1] = [0.0, 0.4, 0.0, 0.0, np.sqrt(1 - 0.4**2)]
    return src, tgt


@pytest.mark.parametrize("scoring", ["margin", "margin-distance"])
def test_margin_retrieves_what_the_hub_steals_from_cosine(scoring):
    src, tgt = hub_example()
    # cosine: source 1 retrieves the hub (0.5 > 0.4); the hub as a query ties with every source (0.5)
    assert precision_at_k(src, tgt, k=1, num_distractors=None)["num_errors"] == 1
    assert precision_at_k(tgt, src, k=1, num_distractors=None)["num_errors"] == 1
    # margin, k=2: knn(hub) = 0.5 against knn(target 1) = 0.2, so source 1 scores its translation
    # 0.4 / ((0.45 + 0.2) / 2) = 1.23 and the hub 0.5 / ((0.45 + 0.5) / 2) = 1.05
    src_knn, tgt_knn = knn_mean(src, tgt, 2), knn_mean(tgt, src, 2)
    np.testing.assert_allclose(tgt_knn[:2], [0.5, 0.2], rtol=1e-6)
    if scoring == "margin":
        np.testing.assert_allclose(margin_score(np.float32([0.4, 0.5]), src_knn[1], tgt_knn[[1, 0]]),
                                   [0.4 / 0.325, 0.5 / 0.475], rtol=1e-5)
    for query, cand in ((src, tgt), (tgt, src)):
        result = precision_at_k(query, cand, k=1, num_distractors=None, scoring=scoring, margin_k=2)
        assert result["p@1"] == 1.0 and result["num_errors"] == 0


def test_margin_k_is_clamped_to_the_pool_size():
    """precision_at_k: k beyond a pool's candidates means every candidate is a neighbour (so that the small
    left-over pool still counts); knn_mean itself refuses such a k."""
    src, tgt = noisy_pairs(8, 10)
    for num_distractors in (None, 3):  # one pool of 10; pools of 4, 4 and 2
        clamped = precision_at_k(src, tgt, num_distractors=num_distractors, scoring="margin", margin_k=100)
        every = precision_at_k(src, tgt, num_distractors=num_distractors, scoring="margin", margin_k=10)
        assert clamped == every
    pool_ranks = np.concatenate(
        [brute_force_margin(src[pool], tgt[pool], k=len(pool))[1] for pool in make_pools(10, 3, seed=0)]
    )
    clamped = precision_at_k(src, tgt, k=1, num_distractors=3, scoring="margin", margin_k=5)
    assert clamped["num_errors"] == np.count_nonzero(pool_ranks)
    with pytest.raises(ValueError, match="1 <= k <= the number of candidates \\(10\\), got k=11"):
        knn_mean(src, tgt, 11)


def test_a_zero_row_is_a_miss_without_warnings():
    """An all-zero source has no neighbour: its ratio margin is 0/0, which counts against it like a tie."""
    src, tgt = one_hot(5), one_hot(5)
    src[0] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = precision_at_k(src, tgt, k=1, num_distractors=None, scoring="margin")
    assert result["num_errors"] == 1 and result["p@1"] == pytest.approx(0.8)
