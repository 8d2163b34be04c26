import json

from fairseq_xling.text.tokenize import XlingTokenizer, load_tokenizer


def test_moses_splits_punctuation_without_escaping():
    tok = XlingTokenizer("en")
    assert tok("Hello, world & \"friends\"!") == 'Hello , world & " friends " !'
    assert XlingTokenizer("de", lowercase=True)("Das Haus, groß.") == "das haus , groß ."


def test_none_only_normalises_whitespace_and_lowercases():
    tok = XlingTokenizer("en", kind="none", lowercase=True)
    assert tok("  A\tcat ,\u00a0Dog\r") == "a cat , dog"
    assert XlingTokenizer("en", kind="none")("A  B") == "A B"


def test_load_tokenizer_reads_preprocess_json(tmp_path):
    assert load_tokenizer(str(tmp_path), "en").kind == "none"  # no preprocess.json
    (tmp_path / "preprocess.json").write_text(json.dumps({"tokenizer": "moses", "lowercase": True}))
    tok = load_tokenizer(str(tmp_path), "fr")
    assert (tok.kind, tok.lowercase, tok.lang) == ("moses", True, "fr")
    assert tok("Bonjour, Paris.") == "bonjour , paris ."
