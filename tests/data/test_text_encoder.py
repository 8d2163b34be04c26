"""RawTextEncoder: what a checkpoint's metadata says about the data, applied to new text and undone on output."""
import base64

import pytest

from fairseq_xling.data.text_encoder import RawTextEncoder


@pytest.fixture(scope="module")
def spm_model(tmp_path_factory):
    import sentencepiece as spm

    folder = tmp_path_factory.mktemp("spm")
    text = folder / "text.txt"
    text.write_text("\n".join(["Das ist ein kleines Haus .", "Das Haus ist gross .", "This is a small house .",
                               "The house is big , isn't it ?"] * 20), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(text), model_prefix=str(folder / "m"), vocab_size=30, hard_vocab_limit=False,
                                   character_coverage=1.0, minloglevel=2)
    return base64.b64encode((folder / "m.model").read_bytes()).decode("ascii")


def test_sentencepiece_on_raw_text_round_trips(spm_model):
    encoder = RawTextEncoder("de", {"tokenizer": "none", "bpe": "sentencepiece", "bpe_model_b64": spm_model})
    pieces = encoder("Das Haus ist klein.")
    assert len(pieces.split()) > 4 and "\u2581" in pieces  # sub-words, with SentencePiece's word marks
    assert encoder.decode(pieces) == "Das Haus ist klein."


def test_moses_tokens_are_detokenised_on_output(spm_model):
    encoder = RawTextEncoder("en", {"tokenizer": "moses", "bpe": "sentencepiece", "bpe_model_b64": spm_model})
    tokens = encoder("The house is big, isn't it?")
    assert tokens.replace(" ", "").replace("\u2581", " ").strip() == "The house is big , isn 't it ?"
    assert encoder.decode(tokens) == "The house is big, isn't it?"
    plain = RawTextEncoder("en", {})  # pre-tokenised data: the tokens as they are
    assert plain.decode("a b , c") == "a b , c"
