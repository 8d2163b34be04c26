import torch

from fairseq_xling.models.bilstm_avg import XlingBiLSTMAvgModel


def model(layers):
    m = XlingBiLSTMAvgModel({"de": 0, "en": 10}, 20, {"de": 1, "en": 1}, 8, 4, layers, 0.0)
    return m.eval()


def test_padding_does_not_change_the_sentence_embedding():
    m = model(1)
    alone = m(torch.tensor([[5, 6, 7]]), torch.tensor([3]), "de")["sentence_emb"]
    padded = m(torch.tensor([[5, 6, 7, 1, 1], [4, 5, 6, 7, 8]]), torch.tensor([3, 5]), "de")["sentence_emb"]
    assert torch.allclose(alone[0], padded[0], atol=1e-6)


def test_sent_avg_is_the_mean_of_word_embeddings_of_the_language_slice():
    m = model(0)
    out = m(torch.tensor([[4, 5, 1]]), torch.tensor([2]), "en")
    expected = m.embed_tokens.weight[[14, 15]].mean(0)
    assert torch.allclose(out["sentence_emb"][0], expected, atol=1e-6)
    assert out["pad_mask"].tolist() == [[False, False, True]] and m.sentence_dim == 8
