"""The rule-based sentence splitter: boundaries, abbreviations, initials, numbers, quotes, languages."""
import pytest

from fairseq_xling.text.sentences import split_sentences


@pytest.mark.parametrize("lang,text,expected", [
    ("en", "Use e.g. the menu. It has 3.5 items! Dr. Smith agrees.",
     ["Use e.g. the menu.", "It has 3.5 items!", "Dr. Smith agrees."]),
    ("en", "Is it on? Yes... It is.", ["Is it on?", "Yes...", "It is."]),
    ("en", "He said \"Stop.\" Then he left. (See Fig. 3.) Next one.",
     ["He said \"Stop.\"", "Then he left.", "(See Fig. 3.)", "Next one."]),
    ("en", "The U.S. Army and J. R. Smith met Mr. Jones i.e. the boss.",
     ["The U.S. Army and J. R. Smith met Mr. Jones i.e. the boss."]),
    ("en", "See No. 5 and vol. 2 of it. The answer was no. Then we left.",
     ["See No. 5 and vol. 2 of it.", "The answer was no.", "Then we left."]),
    ("en", "Pi is 3.14159, not 3. The end.", ["Pi is 3.14159, not 3.", "The end."]),
    ("en", "It costs $ 3 . The lobster , H. gammarus , is blue . It grows .",  # WikiText's tokenized text
     ["It costs $ 3 .", "The lobster , H. gammarus , is blue .", "It grows ."]),
    ("en", "Open the file.odt file. Example.org is a site. www.example.org is not split.",
     ["Open the file.odt file.", "Example.org is a site. www.example.org is not split."]),
    ("en", "lower case after a stop. does not split.", ["lower case after a stop. does not split."]),
    ("de", "Am 3. Oktober kam er, z. B. mit dem Zug. Dann ging er, bzw. lief. Siehe S. 12 usw. Gut.",
     ["Am 3. Oktober kam er, z. B. mit dem Zug.", "Dann ging er, bzw. lief.", "Siehe S. 12 usw. Gut."]),
    ("es", "¿Qué es esto? ¡Es un libro! Lo compró el Sr. García, p.ej. ayer. Bien.",
     ["¿Qué es esto?", "¡Es un libro!", "Lo compró el Sr. García, p.ej. ayer.", "Bien."]),
    ("fr", "M. Dupont arrive. Mme. Martin part. « Bonjour. » Voilà.",
     ["M. Dupont arrive.", "Mme. Martin part.", "« Bonjour. »", "Voilà."]),
    ("nl", "Dat is bijv. Piet. Hij komt d.w.z. morgen. Goed zo.",
     ["Dat is bijv. Piet.", "Hij komt d.w.z. morgen.", "Goed zo."]),
    ("fr", "Quoi ? Il vient ! D'accord.", ["Quoi ?", "Il vient !", "D'accord."]),
])
def test_split_sentences(lang, text, expected):
    assert split_sentences(text, lang) == expected


def test_spacing_inside_sentences_is_kept_and_blank_input_gives_none():
    assert split_sentences("  One  two.   Three\tfour.  ") == ["One  two.", "Three\tfour."]
    assert split_sentences("   ") == [] and split_sentences("") == []
    assert split_sentences("No final stop") == ["No final stop"]


def test_an_unknown_language_uses_the_english_rules():
    assert split_sentences("Dr. Who came. He left.", "xx") == ["Dr. Who came.", "He left."]
