"""The encoder contract, for every registered encoder: every layer's states, the padding mask, the pooled
sentence vector, equal to a forward pass run by hand from the encoder's parts."""
import pytest
import torch

from fairseq_xling.modules.pooling import masked_mean
from tests.models.test_bilstm_avg import vocab
from fairseq_xling.models.bilstm_avg import BiLSTMAvgEncoder
from fairseq_xling.models.char_cnn_tagger import CharCNNBiLSTMEncoder
from fairseq_xling.models.dual_encoder import DualEncoder

TOKENS = torch.tensor([[4, 5, 6, 7], [8, 9, 1, 1]])  # B x T, 1 = padding
LENGTHS = torch.tensor([4, 2])
CHARS = torch.tensor([[[4, 5, 1]] * 4, [[6, 1, 1]] * 2 + [[1, 1, 1]] * 2])  # B x T x C


def bilstm_avg(layers):
    return BiLSTMAvgEncoder({"word": vocab()}, 8, 4, layers, 0.0), {}


def char_cnn():
    enc = CharCNNBiLSTMEncoder({"word": vocab(), "char": vocab()}, word_dim=8, char_dim=4, char_filters=5,
                               highway_layers=1, lstm_hidden=6, dropout=0.0)
    return enc, {"src_chars": CHARS}


def by_hand_bilstm_avg(enc, tokens, lengths, lang):
    x = enc.embed_tokens(tokens + enc.vocabs["word"].offsets[lang])
    layers = [x]
    for lstm in (enc.lstm.layers if enc.lstm is not None else []):
        packed = torch.nn.utils.rnn.pack_padded_sequence(layers[-1], lengths, batch_first=True, enforce_sorted=False)
        layers.append(torch.nn.utils.rnn.pad_packed_sequence(lstm(packed)[0], batch_first=True)[0])
    return layers


def by_hand_char_cnn(enc, tokens, lengths, lang):
    chars = (CHARS + enc.vocabs["char"].offsets[lang]).masked_fill(CHARS.eq(1), 1)
    x = torch.cat([enc.embed_tokens(tokens + enc.vocabs["word"].offsets[lang]), enc.char_cnn(chars, CHARS.eq(1))], -1)
    x = enc.highway(x)
    return [x, enc.lstm(x, lengths)]


def dual_encoder(normalize_before, input_norm=True):
    enc = DualEncoder({"word": vocab()}, embed_dim=6, model_dim=8, layers=2, heads=2, ffn_dim=12, dropout=0.0,
                      normalize_before=normalize_before, word_vocab=3, oov_buckets=5, ngram_buckets=20,
                      input_norm=input_norm)
    return enc, {}


def by_hand_dual_encoder(enc, tokens, lengths, lang):
    x = enc.project(enc.embed(tokens + enc.vocabs["word"].offsets[lang]))
    positions = enc.transformer.positions[: tokens.size(1)]
    if enc.transformer.input_norm is None:  # fairseq's embedding scale
        h = x * 8 ** 0.5 + positions
    else:
        h = torch.nn.functional.layer_norm(x + positions, (8,), enc.transformer.input_norm.weight,
                                           enc.transformer.input_norm.bias)
    layers = [h]
    for layer in enc.transformer.layers:
        layers.append(layer(layers[-1].transpose(0, 1), tokens.eq(1)).transpose(0, 1))
    if enc.transformer.final_norm is not None:
        layers[-1] = enc.transformer.final_norm(layers[-1])
    return layers


CASES = {"dual_encoder_post_norm": (lambda: dual_encoder(False), by_hand_dual_encoder),
         "dual_encoder_pre_norm": (lambda: dual_encoder(True), by_hand_dual_encoder),
         "dual_encoder_scaled_input": (lambda: dual_encoder(True, input_norm=False), by_hand_dual_encoder),
"sent_lstm_2_layers": (lambda: bilstm_avg(2), by_hand_bilstm_avg),
         "sent_avg": (lambda: bilstm_avg(0), by_hand_bilstm_avg),
         "char_cnn_bilstm": (char_cnn, by_hand_char_cnn)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_encoder_contract(case):
    make, by_hand = CASES[case]
    enc, extra = make()
    enc.eval()
    out = enc(TOKENS, LENGTHS, "en", **extra)
    pad_mask = TOKENS.eq(1)
    assert torch.equal(out["pad_mask"], pad_mask)
    expected = by_hand(enc, TOKENS, LENGTHS, "en")
    assert len(out["layers"]) == len(expected)
    for got, want in zip(out["layers"], expected):
        keep = ~pad_mask
        assert torch.allclose(got[keep], want[keep], atol=1e-5)
    top = expected[-1].masked_fill(pad_mask.unsqueeze(-1), 0.0)
    assert torch.allclose(out["token_features"], top, atol=1e-5)
    assert out["token_features"].size(-1) == enc.output_dim
    assert torch.allclose(out["sentence_emb"], masked_mean(top, pad_mask), atol=1e-5)
    assert out["sentence_emb"].shape == (2, enc.sentence_dim)


def test_languages_use_their_own_rows():
    enc, _ = bilstm_avg(0)
    de = enc(TOKENS[:1], LENGTHS[:1], "de")["sentence_emb"]
    en = enc(TOKENS[:1], LENGTHS[:1], "en")["sentence_emb"]
    assert not torch.allclose(de, en)
