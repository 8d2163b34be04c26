import numpy as np

from fairseq_xling.data.skipgram_pairs import balance, crosslingual_pairs, monolingual_pairs


def as_set(centers, contexts):
    return sorted(zip(centers.tolist(), contexts.tolist()))


def test_monolingual_pairs_stay_inside_sentences():
    # sentences [1 2 3] and [4 5], window 1
    centers, contexts = monolingual_pairs(np.array([1, 2, 3, 4, 5]), np.array([0, 0, 0, 1, 1]), window=1)
    assert as_set(centers, contexts) == sorted([(1, 2), (2, 1), (2, 3), (3, 2), (4, 5), (5, 4)])


def test_monolingual_pairs_window_two():
    centers, contexts = monolingual_pairs(np.array([1, 2, 3]), np.array([0, 0, 0]), window=2)
    assert as_set(centers, contexts) == sorted([(1, 2), (1, 3), (2, 1), (2, 3), (3, 1), (3, 2)])


def test_crosslingual_pairs_hand_made_alignment():
    # src "a b c" (10 11 12), tgt "x y" (20 21); links a-x (0-0) and c-y (2-1); window 1
    src, tgt = np.array([10, 11, 12]), np.array([20, 21])
    centers, contexts = crosslingual_pairs(
        src, np.array([0]), np.array([3]), tgt, np.array([0]), np.array([2]),
        np.array([0, 0]), np.array([0, 2]), np.array([0, 1]), window=1)
    expected = [
        (10, 20), (10, 21),  # a -> aligned x and its neighbour y
        (12, 20), (12, 21),  # c -> aligned y and its neighbour x
        (20, 10), (20, 11),  # x -> aligned a and its neighbour b
        (21, 11), (21, 12),  # y -> aligned c and its neighbour b
    ]
    assert as_set(centers, contexts) == sorted(expected)


def test_crosslingual_pairs_second_sentence_uses_its_own_offsets():
    src, tgt = np.array([1, 2, 3, 4]), np.array([5, 6, 7])
    # pair 0: src [1 2] tgt [5]; pair 1: src [3 4] tgt [6 7]; one link in pair 1: 1-0 (word 4 <-> word 6)
    centers, contexts = crosslingual_pairs(
        src, np.array([0, 2]), np.array([2, 2]), tgt, np.array([0, 1]), np.array([1, 2]),
        np.array([1]), np.array([1]), np.array([0]), window=0)
    assert as_set(centers, contexts) == [(4, 6), (6, 4)]


def test_balance_gives_equal_counts():
    rng = np.random.default_rng(0)
    mono = (np.arange(10), np.arange(10) + 100)
    cross = (np.arange(4) + 50, np.arange(4) + 150)
    centers, contexts, n_mono, n_cross = balance(mono, cross, rng)
    assert n_mono == n_cross == 4 and len(centers) == 8
    assert set(centers[4:].tolist()) == {50, 51, 52, 53}
    assert all(c + 100 == x for c, x in zip(centers.tolist(), contexts.tolist()))  # pairs kept together


def test_balance_with_cap_and_empty_side():
    rng = np.random.default_rng(0)
    centers, _, n_mono, n_cross = balance((np.arange(10), np.arange(10)), (np.zeros(0), np.zeros(0)), rng, 6)
    assert (n_mono, n_cross, len(centers)) == (6, 0, 6)
