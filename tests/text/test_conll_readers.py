"""Readers for CoNLL-2002/2003, WikiANN / PAN-X, CoNLL-U and UD-POS on tiny files in each release format."""
import pytest

from fairseq_xling.text.conll import (
    WORD_SEPARATOR,
    Sentence,
    char_line,
    detect_encoding,
    fairseq_token,
    merge_dicts,
    read_conll,
    split_words,
    write_tsv,
)
from fairseq_xling.text.corpus import CorpusError


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return str(path)


CONLL2002_NL = """-DOCSTART- -DOCSTART- O
De Art O
Kamer N B-ORG
stemt V O

Jan N B-PER
Peeters N I-PER

-DOCSTART- -DOCSTART- O
Gent N B-LOC


"""
CONLL2002_ES = "Sao B-LOC\nPaulo I-LOC\n( O\n\nEFE B-ORG\n"  # no blank line at the end
CONLL2003 = """-DOCSTART- -X- -X- O

EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER
"""
WIKIANN = "nl:Jan\tB-PER\nnl:Peeters\tI-PER\nnl:a:b\tO\n\nnl:Gent\tB-LOC\n\n"
PANX = "Jerónimo\tB-PER\nde\tI-PER\n\nVigo\tB-LOC"
CONLLU = """# newdoc id = d1
# sent_id = 1
# text = Im Haus.
1-2\tIm\t_\t_\t_\t_\t_\t_\t_\t_
1\tIn\tin\tADP\tAPPR\t_\t3\tcase\t_\t_
2\tdem\tder\tDET\tART\t_\t3\tdet\t_\t_
3\tHaus\tHaus\tNOUN\tNN\t_\t0\troot\t_\tSpaceAfter=No
3.1\tist\tsein\tAUX\t_\t_\t_\t_\t3:orphan\t_
4\t.\t.\tPUNCT\t$.\t_\t3\tpunct\t_\t_

# sent_id = 2
1\t2 001\t2 001\tNUM\t_\t_\t0\troot\t_\t_


"""
UDPOS = "Dat\tPRON\nis\tAUX\n\n\nJa\tINTJ\n"


def sentences(path, fmt, **kw):
    return [tuple(s) for s in read_conll(path, fmt, **kw)]


def test_conll2002_dutch_docstart_and_trailing_blanks(tmp_path):
    path = write(tmp_path / "ned.train", CONLL2002_NL)
    assert sentences(path, "conll2002", lang="nl") == [
        (["De", "Kamer", "stemt"], ["O", "B-ORG", "O"], 2),
        (["Jan", "Peeters"], ["B-PER", "I-PER"], 6),
        (["Gent"], ["B-LOC"], 10),
    ]
    assert all(isinstance(s, Sentence) for s in read_conll(path, "conll2002"))


def test_conll2002_spanish_two_columns_no_final_blank(tmp_path):
    path = write(tmp_path / "esp.train", CONLL2002_ES)
    assert sentences(path, "conll2002") == [(["Sao", "Paulo", "("], ["B-LOC", "I-LOC", "O"], 1), (["EFE"], ["B-ORG"], 5)]


def test_conll2002_latin1(tmp_path):
    path = write(tmp_path / "esp.latin1", "Bogotá B-LOC\nañade O\n", "latin-1")
    with pytest.raises(CorpusError, match=r"esp.latin1:1: byte 0xe1 .* not valid utf-8"):
        list(read_conll(path, "conll2002"))
    assert detect_encoding(path) == ("latin-1", 1)
    assert sentences(path, "conll2002", encoding="auto") == [(["Bogotá", "añade"], ["B-LOC", "O"], 1)]
    assert sentences(path, "conll2002", encoding="latin-1")[0][0] == ["Bogotá", "añade"]


def test_conll2003(tmp_path):
    path = write(tmp_path / "eng.train", CONLL2003)
    assert sentences(path, "conll2003") == [
        (["EU", "rejects", "German"], ["I-ORG", "O", "I-MISC"], 3),
        (["Peter", "Blackburn"], ["I-PER", "I-PER"], 7),
    ]


def test_wikiann_prefixed_and_panx(tmp_path):
    path = write(tmp_path / "train", WIKIANN)
    assert sentences(path, "wikiann", lang="nl") == [
        (["Jan", "Peeters", "a:b"], ["B-PER", "I-PER", "O"], 1),
        (["Gent"], ["B-LOC"], 5),
    ]
    # an ISO 639-3 prefix is known when it is the --lang; unknown otherwise, so the tokens keep it
    path = write(tmp_path / "train-ace", "ace:Aceh\tB-LOC\nace:ok\tO\n")
    assert sentences(path, "wikiann", lang="ace") == [(["Aceh", "ok"], ["B-LOC", "O"], 1)]
    assert sentences(path, "wikiann") == [(["ace:Aceh", "ace:ok"], ["B-LOC", "O"], 1)]
    path = write(tmp_path / "train-es.tsv", PANX)
    assert sentences(path, "wikiann", lang="es") == [
        (["Jerónimo", "de"], ["B-PER", "I-PER"], 1),
        (["Vigo"], ["B-LOC"], 4),
    ]


def test_conllu_skips_comments_ranges_and_empty_nodes(tmp_path):
    path = write(tmp_path / "de-ud-dev.conllu", CONLLU)
    assert sentences(path, "conllu") == [
        (["In", "dem", "Haus", "."], ["ADP", "DET", "NOUN", "PUNCT"], 5),
        (["2 001"], ["NUM"], 12),
    ]


def test_udpos_and_crlf(tmp_path):
    path = write(tmp_path / "dev-nl.tsv", UDPOS.replace("\n", "\r\n"))
    assert sentences(path, "udpos") == [(["Dat", "is"], ["PRON", "AUX"], 1), (["Ja"], ["INTJ"], 5)]


BAD = [
    # (format, file text, expected message start, fragment of the expectation)
    ("conll2002", "De Art O\nKamer N\n", "2:", "expected 3 (CoNLL-2002"),
    ("conll2002", "De O\nKamer N B-ORG\n", "2:", "expected 2 (CoNLL-2002"),
    ("conll2002", "De Art O\nKamer N \n", "2:", "empty tag"),
    ("conll2003", "EU NNP B-NP I-ORG\nrejects VBZ O\n", "2:", "expected 4"),
    ("wikiann", "nl:Jan\tB-PER\nnl:Peeters\n", "2:", "expected 2"),
    ("wikiann", "nl:Jan\tB-PER\nPeeters\tI-PER\n", "2:", "expected the prefix 'nl:'"),
    ("wikiann", "en:Jan\tB-PER\n", "1:", "expected 'nl:'"),
    ("wikiann", "Jan\t\n", "1:", "empty tag"),
    ("udpos", "Dat\tPRON\n\nis\tVERBS\n", "3:", "expected one of ADJ"),
    ("conllu", "# c\n1\tIn\tin\tADP\t_\t_\t0\troot\t_\n", "2:", "expected 10"),
    ("conllu", "1\tIn\tin\t\t_\t_\t0\troot\t_\t_\n", "1:", "empty tag"),
    ("conllu", "x\tIn\tin\tADP\t_\t_\t0\troot\t_\t_\n", "1:", "expected a word index"),
    ("conll2002", "", "1:", "empty input"),
]


@pytest.mark.parametrize("fmt, text, where, what", BAD)
def test_bad_input_names_file_and_line(tmp_path, fmt, text, where, what):
    path = write(tmp_path / "bad.txt", text)
    with pytest.raises(CorpusError) as err:
        list(read_conll(path, fmt, lang="nl"))
    message = str(err.value)
    assert message.startswith(f"{path}:{where}") and what in message, message


def test_unknown_format(tmp_path):
    path = write(tmp_path / "x.txt", "a O\n")
    with pytest.raises(CorpusError, match=r"x.txt:1: unknown format 'conll2004'"):
        list(read_conll(path, "conll2004"))


def test_write_tsv_reads_back(tmp_path):
    sents = [Sentence(["Jan", "Peeters"], ["B-PER", "E-PER"], 1), Sentence(["."], ["O"], 4)]
    out = tmp_path / "out.tsv"
    write_tsv(sents, out)
    assert out.read_text() == "Jan\tB-PER\nPeeters\tE-PER\n\n.\tO\n\n"
    # the tsv is the PAN-X layout, so it reads back as wikiann (the tags need not be IOB2 for the reader)
    assert sentences(str(out), "wikiann") == [(["Jan", "Peeters"], ["B-PER", "E-PER"], 1), (["."], ["O"], 4)]


def test_char_stream_layout():
    line = char_line(["Die", "2 001"])
    assert line == f"D i e {WORD_SEPARATOR} 2 _ 0 0 1"
    assert fairseq_token("2 001") == "2_001"
    assert split_words(line.split() + ["</s>"], WORD_SEPARATOR, "</s>") == [list("Die"), list("2_001")]


def test_merge_dicts_sums_counts_and_keeps_one_file_as_is(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("de 5\nKamer 2\nB-PER 0\n")
    b.write_text("Kamer 4\nRusland 1\n")
    assert merge_dicts([str(a)]) == [("de", 5), ("Kamer", 2), ("B-PER", 0)]
    assert merge_dicts([str(a), str(b)]) == [("Kamer", 6), ("de", 5), ("Rusland", 1), ("B-PER", 0)]
    b.write_text("Kamer\n")
    with pytest.raises(CorpusError, match=r"b.txt:1: .*expected 'symbol count'"):
        merge_dicts([str(a), str(b)])
