"""CharCNN: shapes, padded positions, independence from char padding, short words, gradients."""
import pytest
import torch
import torch.nn.functional as F

from fairseq_xling.modules.char_cnn import CharCNN

PAD = 1
NUM_CHARS = 20


def pad_words(words, num_chars):
    """words: list of lists of char ids (a list of sentences) -> B x T x num_chars, padded with PAD."""
    length = max(len(sentence) for sentence in words)
    chars = torch.full((len(words), length, num_chars), PAD, dtype=torch.long)
    for b, sentence in enumerate(words):
        for t, word in enumerate(sentence):
            chars[b, t, :len(word)] = torch.tensor(word)
    return chars


def test_paper_defaults():
    cnn = CharCNN(NUM_CHARS)
    assert cnn.embed_chars.embedding_dim == 50  # Section 3.2
    assert cnn.output_size == 20  # Table 2: CharCNN filter number


def test_output_shape():
    cnn = CharCNN(NUM_CHARS, char_dim=8, num_filters=6, kernel_sizes=(2, 3))
    assert cnn.output_size == 12
    chars = torch.randint(2, NUM_CHARS, (2, 5, 7))
    assert cnn(chars).shape == (2, 5, 12)


def test_padded_position_is_zero():
    cnn = CharCNN(NUM_CHARS, char_dim=8, num_filters=6, kernel_sizes=(2, 3))
    chars = pad_words([[[2, 3, 4], [5, 6]], [[7, 8, 9, 10]]], num_chars=6)  # sentence 2 has a padded word
    out = cnn(chars)  # 2 x 2 x 12
    assert torch.equal(out[1, 1], torch.zeros(12))
    assert out[0].abs().sum(-1).gt(0).all()


@pytest.mark.parametrize("kernel_sizes", [(3,), (1, 2, 5)])
def test_independent_of_char_padding(kernel_sizes):
    cnn = CharCNN(NUM_CHARS, char_dim=8, num_filters=6, kernel_sizes=kernel_sizes)
    words = [[[2, 3, 4, 5, 6], [7]], [[8, 9]]]
    short = cnn(pad_words(words, num_chars=6))
    long = cnn(pad_words(words, num_chars=12))
    torch.testing.assert_close(short, long)


def test_explicit_mask_matches_default():
    cnn = CharCNN(NUM_CHARS, char_dim=8, num_filters=6)
    chars = pad_words([[[2, 3, 4], [5]]], num_chars=6)
    torch.testing.assert_close(cnn(chars, chars.eq(PAD)), cnn(chars))


def test_one_char_words_with_kernel_3():
    cnn = CharCNN(NUM_CHARS, char_dim=8, num_filters=6, kernel_sizes=(3,))
    chars = pad_words([[[2], [3], [4]]], num_chars=1)  # C = 1 < kernel width
    out = cnn(chars)  # 1 x 3 x 6
    assert out.shape == (1, 3, 6) and torch.isfinite(out).all()
    # Oracle: the windows covering the single char see it at each of the 3 kernel offsets.
    emb = cnn.embed_chars.weight[2]  # E
    conv = cnn.convs[0]
    expected = torch.stack([conv.weight[:, :, j] @ emb for j in range(3)], 1).max(1).values + conv.bias  # F
    torch.testing.assert_close(out[0, 0], expected)
    # and with no padding of the char axis at all (C = 1), as with C = 4
    torch.testing.assert_close(out, cnn(F.pad(chars, (0, 3), value=PAD)))


def test_gradients_reach_char_embeddings():
    cnn = CharCNN(NUM_CHARS, char_dim=8, num_filters=6, kernel_sizes=(2, 3))
    chars = pad_words([[[2, 3, 4], [5]], [[6, 7]]], num_chars=5)
    cnn(chars).sum().backward()
    grad = cnn.embed_chars.weight.grad
    assert torch.isfinite(grad).all()
    assert grad[[2, 3, 4, 5, 6, 7]].abs().sum(-1).gt(0).all()
    assert torch.equal(grad[PAD], torch.zeros(8))  # padding chars get no gradient
