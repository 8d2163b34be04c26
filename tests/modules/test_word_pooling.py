"""Word pooling of sub-word states (first / mean / max) against a hand computation, words of 1-4 sub-words."""
import pytest
import torch

from fairseq_xling.modules.word_pooling import pool_words, word_index_from_counts, word_pad_mask, word_windows

# two sentences: words of 1, 4, 2 sub-words, then </s>; words of 3, 1 sub-words, then padding
COUNTS = ([1, 4, 2], [3, 1])
WORD_INDEX = torch.tensor([[0, 1, 1, 1, 1, 2, 2, -1],
                           [0, 0, 0, 1, -1, -1, -1, -1]])
# C = 2: position p of sentence b holds (10 b + p, -(10 b + p)) with a twist so that max differs from last
STATES = torch.tensor([[[0., 0.], [1., -1.], [5., -5.], [3., -3.], [2., -2.], [6., -6.], [4., -4.], [99., 99.]],
                       [[10., -10.], [13., -13.], [11., -11.], [14., -14.], [99., 99.], [99., 99.], [99., 99.],
                        [99., 99.]]])


def test_word_index_from_counts():
    assert word_index_from_counts(torch.tensor(COUNTS[0])).tolist() == [0, 1, 1, 1, 1, 2, 2]
    assert word_index_from_counts(torch.tensor(COUNTS[1])).tolist() == [0, 0, 0, 1]


@pytest.mark.parametrize("counts, limit, expected", [
    ([2, 3, 1, 4], 5, [(0, 2), (2, 4)]),  # 2 + 3 fit, 1 + 4 fit
    ([2, 3, 1, 4], 10, [(0, 4)]),  # the sentence fits
    ([2, 3, 1, 4], None, [(0, 4)]),  # the encoder takes any length
    ([7, 1, 1], 5, [(0, 1), (1, 3)]),  # a word longer than the limit is a window of its own
    ([1, 1, 1], 1, [(0, 1), (1, 2), (2, 3)]),
    ([], 5, [(0, 0)]),
])
def test_word_windows_cover_the_sentence_in_order(counts, limit, expected):
    windows = word_windows(counts, limit)
    assert windows == expected
    assert [w for b, e in windows for w in range(b, e)] == list(range(len(counts)))


def test_pad_mask():
    assert word_pad_mask(WORD_INDEX).tolist() == [[False, False, False], [False, False, True]]
    assert word_pad_mask(WORD_INDEX, num_words=4).tolist() == [[False, False, False, True],
                                                                [False, False, True, True]]


@pytest.mark.parametrize("method,expected", [
    ("first", [[[0, 0], [1, -1], [6, -6]], [[10, -10], [14, -14], [0, 0]]]),
    ("mean", [[[0, 0], [11 / 4, -11 / 4], [5, -5]], [[34 / 3, -34 / 3], [14, -14], [0, 0]]]),
    ("max", [[[0, 0], [5, -1], [6, -4]], [[13, -10], [14, -14], [0, 0]]]),
])
def test_pooling_by_hand(method, expected):
    words, pad_mask = pool_words(STATES, WORD_INDEX, method)
    assert torch.allclose(words, torch.tensor(expected, dtype=torch.float))
    assert pad_mask.tolist() == [[False, False, False], [False, False, True]]


@pytest.mark.parametrize("method", ["first", "mean", "max"])
def test_gradients_reach_exactly_the_pooled_sub_words(method):
    states = STATES.clone().requires_grad_(True)
    words, _ = pool_words(states, WORD_INDEX, method)
    words.sum().backward()
    grad = states.grad[..., 0]  # B x S
    assert grad[WORD_INDEX.lt(0)].abs().sum() == 0  # no word: nothing flows back
    if method == "first":
        assert grad.tolist() == [[1, 1, 0, 0, 0, 1, 0, 0], [1, 0, 0, 1, 0, 0, 0, 0]]
    elif method == "mean":
        assert torch.allclose(grad, torch.tensor([[1, .25, .25, .25, .25, .5, .5, 0], [1 / 3] * 3 + [1, 0, 0, 0, 0]]))
    else:  # the argmax of channel 0 of each word
        assert grad.tolist() == [[1, 0, 1, 0, 0, 1, 0, 0], [0, 1, 0, 1, 0, 0, 0, 0]]


def test_sub_words_need_not_be_contiguous_and_bad_methods_stop():
    index = torch.tensor([[1, 0, 1]])
    states = torch.tensor([[[1.], [2.], [3.]]])
    assert pool_words(states, index, "first")[0].flatten().tolist() == [2, 1]
    assert pool_words(states, index, "mean")[0].flatten().tolist() == [2, 2]
    with pytest.raises(ValueError, match="expected one of first, mean, max"):
        pool_words(states, index, "last")
