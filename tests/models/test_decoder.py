"""A model with a decoder keeps fairseq's encoder-decoder contract: incremental decoding equals the teacher-forced
forward pass, and fairseq's own SequenceGenerator searches with it."""
import pytest
import torch
from fairseq.data import Dictionary
from fairseq.sequence_generator import SequenceGenerator

from fairseq_xling.data.vocab import MultilingualVocab
from fairseq_xling.models.bilstm_avg import BiLSTMAvgEncoder, XlingBiLSTMAvgModel
from fairseq_xling.models.decoders import SentenceLSTMDecoder


def joined_dictionary():
    d = Dictionary()
    for i in range(10):
        d.add_symbol(f"w{i}")
    return d


def model():
    d = joined_dictionary()
    vocab = MultilingualVocab({"de": d, "en": d})  # one sub-word vocabulary for both languages
    encoder = BiLSTMAvgEncoder({"word": vocab}, 8, 4, 1, 0.0)
    decoder = SentenceLSTMDecoder(d, vocab.langs, encoder.sentence_dim, embed_dim=6, hidden_size=12, lang_dim=3)
    return XlingBiLSTMAvgModel(encoder, {}, decoder=decoder).eval(), d


SRC = torch.tensor([[4, 5, 6, 7], [8, 9, 1, 1]])  # B x T, 1 = padding
NET_INPUT = {"src_tokens": SRC, "src_lengths": torch.tensor([4, 2]), "src_lang": "de", "tgt_lang": "en"}


def test_incremental_decoding_equals_the_full_forward_pass():
    m, d = model()
    prev = torch.tensor([[d.eos(), 5, 6, 7], [d.eos(), 9, 4, 4]])  # B x T, the target shifted right
    with torch.no_grad():
        full = m(**NET_INPUT, prev_output_tokens=prev)["logits"]  # B x T x V
        encoder_out = m.encoder.forward_torchscript(NET_INPUT)
        state, steps = {}, []
        for t in range(prev.size(1)):
            steps.append(m.decoder(prev[:, : t + 1], encoder_out=encoder_out, incremental_state=state)[0])
    assert full.shape == (2, 4, len(d))
    assert torch.allclose(torch.cat(steps, 1), full, atol=1e-5)


def test_the_constant_input_computed_once_gives_the_same_outputs_and_gradients():
    d = joined_dictionary()
    decoder = SentenceLSTMDecoder(d, ["de", "en"], 8, embed_dim=6, hidden_size=12, num_layers=2, lang_dim=3)
    torch.manual_seed(0)
    embedded, context = torch.randn(3, 5, 6, requires_grad=True), torch.randn(3, 11, requires_grad=True)
    hidden, cell = torch.randn(2, 3, 12), torch.randn(2, 3, 12)
    results = []
    for run in (decoder.lstm_concat, decoder.lstm_one_hot):
        h, last_hidden, last_cell = run(embedded, context, hidden, cell)
        loss = (h * torch.arange(12.0)).sum() + last_cell.sum()
        inputs = [embedded, context, *decoder.lstm.parameters()]
        results.append([h, last_hidden, last_cell, *torch.autograd.grad(loss, inputs)])
    assert results[0][0].shape == (3, 5, 12)
    for concat, one_hot in zip(*results):
        assert torch.allclose(concat, one_hot, atol=1e-5)


def test_output_mask_keeps_the_logits_of_the_masked_positions():
    m, d = model()
    prev = torch.tensor([[d.eos(), 5, 6], [d.eos(), 9, 4]])
    mask = torch.tensor([[True, True, True], [True, False, False]])
    with torch.no_grad():
        full = m(**NET_INPUT, prev_output_tokens=prev)["logits"]
        masked = m(**NET_INPUT, prev_output_tokens=prev, output_mask=mask)["logits"]
    assert masked.shape == (4, len(d)) and torch.allclose(masked, full[mask])


def test_the_target_language_changes_the_output_and_must_be_known():
    m, d = model()
    prev = torch.tensor([[d.eos(), 5]] * 2)
    with torch.no_grad():
        en = m(**NET_INPUT, prev_output_tokens=prev)["logits"]
        de = m(**dict(NET_INPUT, tgt_lang="de"), prev_output_tokens=prev)["logits"]
    assert not torch.allclose(en, de)
    with pytest.raises(ValueError, match="asked for tgt_lang='fr'"):
        m(**dict(NET_INPUT, tgt_lang="fr"), prev_output_tokens=prev)


def test_fairseq_sequence_generator_searches_with_the_model():
    m, d = model()
    for beam in (1, 3):
        generator = SequenceGenerator([m], d, beam_size=beam, max_len_b=6)
        hypos = generator.forward({"net_input": dict(NET_INPUT)})
        assert len(hypos) == 2 and len(hypos[0]) == beam
        assert all(h["tokens"][-1] == d.eos() and len(h["tokens"]) <= 7 for hs in hypos for h in hs)
    # greedy search = the argmax at every step, by hand (scores differ from beam search, tokens must not)
    generator = SequenceGenerator([m], d, beam_size=1, max_len_b=6, min_len=6)
    best = generator.forward({"net_input": dict(NET_INPUT)})[0][0]["tokens"]
    prev = torch.tensor([[d.eos()]])
    net_input = {k: v[:1] if torch.is_tensor(v) else v for k, v in NET_INPUT.items()}
    net_input["src_lengths"] = torch.tensor([4])
    with torch.no_grad():
        for _ in range(6):
            logits = m(**net_input, prev_output_tokens=prev)["logits"][0, -1]
            logits[[d.pad(), d.eos()]] = float("-inf")  # as the generator: never pad, no </s> before min_len
            prev = torch.cat([prev, logits.argmax().view(1, 1)], 1)
    assert best[:6].tolist() == prev[0, 1:].tolist()


def test_a_decoder_needs_one_joined_vocabulary():
    from types import SimpleNamespace

    from fairseq_xling.models.decoders import build_decoder

    de, en = Dictionary(), Dictionary()
    de.add_symbol("haus")
    en.add_symbol("house")
    task = SimpleNamespace(vocabs={"word": MultilingualVocab({"de": de, "en": en})})
    cfg = SimpleNamespace(decoder="lstm", decoder_init="zero")
    with pytest.raises(ValueError, match="one vocabulary shared by every language"):
        build_decoder(cfg, task, encoder=None)
    with pytest.raises(ValueError, match="expected one of none, lstm"):
        build_decoder(SimpleNamespace(decoder="gru", decoder_init="zero"), task, encoder=None)
    with pytest.raises(ValueError, match="expected zero or sentence"):
        build_decoder(SimpleNamespace(decoder="lstm", decoder_init="random"), task, encoder=None)


def test_the_decoder_can_start_from_the_sentence_vector():
    m, d = model()
    decoder = SentenceLSTMDecoder(d, ["de", "en"], m.encoder.sentence_dim, embed_dim=6, hidden_size=12, lang_dim=3,
                                  init_from_sentence=True)
    m = XlingBiLSTMAvgModel(m.encoder, {}, decoder=decoder).eval()
    prev = torch.tensor([[d.eos(), 5, 6], [d.eos(), 9, 4]])
    with torch.no_grad():
        full = m(**NET_INPUT, prev_output_tokens=prev)["logits"]
        encoder_out = m.encoder.forward_torchscript(NET_INPUT)
        state, steps = {}, []
        for t in range(prev.size(1)):  # incremental decoding starts from the same state
            steps.append(m.decoder(prev[:, : t + 1], encoder_out=encoder_out, incremental_state=state)[0])
        decoder.init_state.bias.add_(1.0)  # the first step depends on the initial state
        moved = m(**NET_INPUT, prev_output_tokens=prev[:, :1])["logits"]
    assert torch.allclose(torch.cat(steps, 1), full, atol=1e-5)
    assert not torch.allclose(moved, full[:, :1])
