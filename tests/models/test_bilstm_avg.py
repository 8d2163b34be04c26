import torch
from fairseq.data import Dictionary

from fairseq_xling.data.vocab import MultilingualVocab
from fairseq_xling.models.bilstm_avg import BiLSTMAvgEncoder


def vocab(lang_sizes=(("de", 6), ("en", 6))):
    dicts = {}
    for lang, n in lang_sizes:
        d = Dictionary()
        for i in range(n):
            d.add_symbol(f"{lang}{i}")
        dicts[lang] = d
    return MultilingualVocab(dicts)


def encoder(layers):
    return BiLSTMAvgEncoder({"word": vocab()}, 8, 4, layers, 0.0).eval()


def test_padding_does_not_change_the_sentence_embedding():
    m = encoder(1)
    alone = m(torch.tensor([[5, 6, 7]]), torch.tensor([3]), "de")["sentence_emb"]
    padded = m(torch.tensor([[5, 6, 7, 1, 1], [4, 5, 6, 7, 8]]), torch.tensor([3, 5]), "de")["sentence_emb"]
    assert torch.allclose(alone[0], padded[0], atol=1e-6)


def test_sent_avg_is_the_mean_of_word_embeddings_of_the_language_slice():
    m = encoder(0)
    out = m(torch.tensor([[4, 5, 1]]), torch.tensor([2]), "en")
    offset = m.vocabs["word"].offsets["en"]
    assert offset == 10
    expected = m.embed_tokens.weight[[offset + 4, offset + 5]].mean(0)
    assert torch.allclose(out["sentence_emb"][0], expected, atol=1e-6)
    assert out["pad_mask"].tolist() == [[False, False, True]] and m.sentence_dim == 8
