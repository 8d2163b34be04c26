"""Hashed word embeddings: out-of-vocabulary words get an OOV bucket and character n-grams, the same way through
the word table's rows (training) and through raw strings (the hub)."""
import zlib

import torch

from fairseq_xling.modules.hashed_embedding import HashedWordEmbedding, char_ngrams, stable_hash

WORDS = [None, None, "haus", "hund", "zebra", "zebras"]  # rows 0-1: special symbols
IN_VOCAB = [True, True, True, True, False, False]  # zebra, zebras: in the dictionary, not in the vocabulary


def embedding(**kwargs):
    torch.manual_seed(0)
    args = dict(dim=6, oov_buckets=7, ngram_buckets=50)
    args.update(kwargs)
    return HashedWordEmbedding(WORDS, IN_VOCAB, **args)


def test_char_ngrams_mark_word_boundaries():
    assert char_ngrams("ab") == ["<ab", "ab>", "<ab>"]
    assert char_ngrams("a", orders=(3,)) == ["<a>"]
    assert char_ngrams("abc", orders=(4,)) == ["<abc", "abc>"]
    assert stable_hash("haus") == zlib.crc32(b"haus")  # fixed across processes, unlike hash()


def by_hand(emb, row):
    """word vector (own row or OOV bucket) + sum of tanh(W e_g + b) over the word's n-grams."""
    word = WORDS[row]
    vector = emb.embed_tokens.weight[row] if IN_VOCAB[row] else emb.embed_oov.weight[stable_hash(word) % 7]
    if word is not None:
        for gram in char_ngrams(word):
            vector = vector + torch.tanh(emb.ngram_proj(emb.embed_ngrams.weight[stable_hash(gram) % 50]))
    return vector


def test_rows_embed_as_computed_by_hand():
    emb = embedding()
    rows = torch.tensor([[2, 4, 5, 0], [3, 2, 1, 1]])
    out = emb(rows)
    assert out.shape == (2, 4, 6)
    for b in range(2):
        for t in range(4):
            assert torch.allclose(out[b, t], by_hand(emb, int(rows[b, t])), atol=1e-6)


def test_an_oov_word_is_the_same_from_its_row_and_from_its_string():
    emb = embedding()
    from_rows = emb(torch.tensor([4, 5]))
    from_strings = emb.embed_strings(["zebra", "zebras"])
    assert torch.allclose(from_rows, from_strings, atol=1e-6)
    assert not torch.allclose(from_strings[0], from_strings[1])  # two OOV words differ (n-grams, buckets)
    unseen = emb.embed_strings(["giraffe", "zebra"])  # not even in the dictionary
    assert torch.allclose(unseen[1], from_rows[0], atol=1e-6) and not torch.allclose(unseen[0], unseen[1])


def test_without_buckets_every_row_keeps_its_own_vector():
    emb = embedding(oov_buckets=0, ngram_buckets=0)
    rows = torch.tensor([2, 4, 5])
    assert torch.equal(emb(rows), emb.embed_tokens.weight[rows])
    assert emb.tables == ("embed_tokens.weight",)


def test_gradients_reach_the_rows_buckets_and_ngrams_used():
    emb = embedding()
    emb(torch.tensor([4])).sum().backward()
    assert emb.embed_oov.weight.grad[stable_hash("zebra") % 7].abs().sum() > 0
    assert emb.embed_tokens.weight.grad[4].abs().sum() == 0  # out of the vocabulary: its own row is not used
    used = {stable_hash(g) % 50 for g in char_ngrams("zebra")}
    touched = set(emb.embed_ngrams.weight.grad.abs().sum(1).nonzero().flatten().tolist())
    assert touched == used
