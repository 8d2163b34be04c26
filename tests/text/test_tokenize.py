
from fairseq_xling.text.tokenize import XlingTokenizer


def test_moses_splits_punctuation_without_escaping():
    tok = XlingTokenizer("en")
    assert tok("Hello, world & \"friends\"!") == 'Hello , world & " friends " !'
    assert XlingTokenizer("de", lowercase=True)("Das Haus, groß.") == "das haus , groß ."


def test_none_only_normalises_whitespace_and_lowercases():
    tok = XlingTokenizer("en", kind="none", lowercase=True)
    assert tok("  A\tcat ,\u00a0Dog\r") == "a cat , dog"
    assert XlingTokenizer("en", kind="none")("A  B") == "A B"


def test_the_tokenizer_a_pipeline_recorded():
    assert XlingTokenizer.from_metadata("en", {}).kind == "none"  # no record: pre-tokenized text
    tok = XlingTokenizer.from_metadata("fr", {"tokenizer": "moses", "lowercase": True})
    assert (tok.kind, tok.lowercase, tok.lang) == ("moses", True, "fr")
    assert tok("Bonjour, Paris.") == "bonjour , paris ."
