"""Word features of van der Heijden et al. (2020): folding, ScalarMix, LASER-top / LASER-elmo / BPE-BOW / BPE-GRU
against hand computations on a batch with words of 1 to 4 sub-words."""
import pytest
import torch

from fairseq_xling.modules.word_features import ScalarMix, WordFeatures, fold_directions, words_as_rows

# two sentences: words of 1, 4, 2 sub-words (+ </s>), and of 3, 1 sub-words (+ </s>, padding)
WORD_INDEX = torch.tensor([[0, 1, 1, 1, 1, 2, 2, -1],
                           [0, 0, 0, 1, -1, -1, -1, -1]])
PAD_MASK = torch.tensor([[False] * 8, [False] * 5 + [True] * 3])
WORDS = [[[0], [1, 2, 3, 4], [5, 6]], [[0, 1, 2], [3]]]  # each word's sub-word positions


def encoder_out(dims=(3, 4, 4, 4), seed=0):
    generator = torch.Generator().manual_seed(seed)
    layers = [torch.randn(2, 8, d, generator=generator) for d in dims]
    return {"layers": layers, "token_features": layers[-1], "pad_mask": PAD_MASK}


def by_hand(tokens, reduce):
    """B x W x C word vectors from B x S x C token features, each word reduced over its positions."""
    rows = [torch.stack([reduce(tokens[b, positions]) for positions in words]) for b, words in enumerate(WORDS)]
    out = torch.zeros(2, 3, rows[0].size(-1))
    for b, r in enumerate(rows):
        out[b, : len(r)] = r
    return out


def test_fold_is_the_max_of_the_forward_and_backward_halves():
    states = torch.tensor([[1.0, -2.0, 0.5, 3.0], [0.0, 4.0, -1.0, -5.0]])
    assert torch.equal(fold_directions(states), torch.tensor([[1.0, 3.0], [0.0, 4.0]]))


def test_scalar_mix_is_gamma_times_the_softmax_weighted_sum():
    mix = ScalarMix(3)
    with torch.no_grad():
        mix.weights.copy_(torch.tensor([0.2, -1.0, 1.5]))
        mix.gamma.fill_(2.5)
    layers = [torch.randn(2, 5, 4) for _ in range(3)]
    s = torch.exp(torch.tensor([0.2, -1.0, 1.5]))
    s = s / s.sum()
    expected = 2.5 * (s[0] * layers[0] + s[1] * layers[1] + s[2] * layers[2])
    assert torch.allclose(mix(layers), expected, atol=1e-6)
    with pytest.raises(ValueError, match="a mix of 3 layers got 2"):
        mix(layers[:2])


def test_laser_top_is_gamma_times_the_folded_top_layer_max_pooled_per_word():
    out = encoder_out()
    features = WordFeatures("top", [3, 4, 4, 4], fold=True)
    with torch.no_grad():
        features.gamma.fill_(0.5)
    words, pad_mask = features(out, WORD_INDEX)
    expected = by_hand(0.5 * fold_directions(out["layers"][-1]), lambda x: x.max(0).values)
    assert features.output_dim == 2 and words.shape == (2, 3, 2)
    assert torch.allclose(words, expected, atol=1e-6)
    assert pad_mask.tolist() == [[False, False, False], [False, False, True]]


def test_laser_elmo_mixes_the_folded_contextual_layers_then_max_pools():
    out = encoder_out()
    features = WordFeatures("elmo", [3, 4, 4, 4], fold=True)
    with torch.no_grad():
        features.scalar_mix.weights.copy_(torch.tensor([1.0, 0.0, -1.0]))
    s = torch.softmax(torch.tensor([1.0, 0.0, -1.0]), 0)
    mixed = sum(w * fold_directions(x) for w, x in zip(s, out["layers"][1:]))  # not the embedding layer
    assert torch.allclose(features(out, WORD_INDEX)[0], by_hand(mixed, lambda x: x.max(0).values), atol=1e-6)
    unfolded = WordFeatures("elmo", [3, 4, 4, 4], fold=False)
    assert unfolded.output_dim == 4 and unfolded(out, WORD_INDEX)[0].shape == (2, 3, 4)


def test_bpe_bow_is_the_mean_sub_word_embedding():
    out = encoder_out()
    words, _ = WordFeatures("bow", [3, 4, 4, 4])(out, WORD_INDEX)
    assert torch.allclose(words, by_hand(out["layers"][0], lambda x: x.mean(0)), atol=1e-6)


def test_bpe_gru_reads_each_word_on_its_own_and_max_pools_its_steps():
    out = encoder_out()
    features = WordFeatures("gru", [3, 4, 4, 4], gru_dim=5)
    words, pad_mask = features(out, WORD_INDEX)

    def one_word(x):  # the GRU over this word's sub-words alone, max over its steps
        return features.gru(x.unsqueeze(0))[0][0].max(0).values

    assert words.shape == (2, 3, 5)
    with torch.no_grad():
        assert torch.allclose(words, by_hand(out["layers"][0], one_word), atol=1e-6)
    assert pad_mask.tolist() == [[False, False, False], [False, False, True]]
    words.sum().backward()  # gradients reach the GRU and the embeddings of real sub-words only
    assert features.gru.weight_ih_l0.grad.abs().sum() > 0


def test_states_pool_the_top_layer_as_asked():
    out = encoder_out()
    first = WordFeatures("states", [3, 4, 4, 4], pool="first")(out, WORD_INDEX)[0]
    assert torch.allclose(first, by_hand(out["layers"][-1], lambda x: x[0]))
    mean = WordFeatures("states", [3, 4, 4, 4], pool="mean")(out, WORD_INDEX)[0]
    assert torch.allclose(mean, by_hand(out["layers"][-1], lambda x: x.mean(0)), atol=1e-6)


def test_word_level_tokens_are_the_words():
    out = encoder_out()
    words, pad_mask = WordFeatures("top", [3, 4, 4, 4], fold=True)(out)
    assert torch.equal(pad_mask, PAD_MASK)
    assert torch.allclose(words, fold_directions(out["layers"][-1]).masked_fill(PAD_MASK.unsqueeze(-1), 0.0))
    gru = WordFeatures("gru", [3, 4, 4, 4])
    words, _ = gru(out)
    assert torch.allclose(words[0, 2], gru.gru(out["layers"][0][0, 2].view(1, 1, -1))[0].view(-1), atol=1e-6)


def test_words_as_rows_and_its_errors():
    states = torch.arange(16.0).view(2, 8, 1)
    rows, lengths, slots = words_as_rows(states, WORD_INDEX, 3)
    assert lengths.tolist() == [1, 4, 2, 3, 1] and slots.tolist() == [0, 1, 2, 3, 4]
    assert rows[1, :, 0].tolist() == [1.0, 2.0, 3.0, 4.0] and rows[3, :, 0].tolist() == [8.0, 9.0, 10.0, 0.0]
    with pytest.raises(ValueError, match="not consecutive"):
        words_as_rows(states, torch.tensor([[0, 1, 0, -1, -1, -1, -1, -1]] * 2), 2)


@pytest.mark.parametrize("kind, dims, match", [
    ("last", [3, 4], "expected one of states, top, elmo, bow, gru"),
    ("top", [3], "the encoder has only embeddings"),
    ("elmo", [3, 4, 6], "mix layers of one size"),
])
def test_bad_configurations(kind, dims, match):
    with pytest.raises(ValueError, match=match):
        WordFeatures(kind, dims)
