"""Document converters (WikiText, LibreOffice help pages, WikiExtractor output), the SICK converter and the
stream readers, on tiny hand-made samples."""
import bz2
import os

import pytest

from fairseq_xling.text import documents, sick
from fairseq_xling.text.lines import CorpusError
from fairseq_xling.text.streams import read_documents, read_nli, read_response_pairs, triplets
from tests.utils_text import write_lines

WIKITEXT = [
    " ",
    " = Homarus gammarus = ",
    " ",
    " Homarus gammarus is a lobster . It is related to H. americanus . ",
    " ",
    " = = Description = = ",
    " ",
    " It is blue @-@ grey . It grows to 60 @.@ 5 cm ( 1 @,@ 000 in ) in the <unk> . ",
    " = = = Colour = = = ",
    " Red after cooking ! ",
    " ",
    " = Ironclad = ",
    " ",
    " An ironclad is a ship . ",
]


def read_docs(path):
    with open(path, encoding="utf-8") as f:
        return [block.splitlines() for block in f.read().split("\n\n")]


def test_wikitext_articles_become_documents(tmp_path):
    src = write_lines(tmp_path / "wiki.txt", WIKITEXT)
    out = tmp_path / "out" / "wiki.docs"
    assert documents.main(["wikitext", src, str(out)]) == 0
    assert read_docs(out) == [
        ["Homarus gammarus is a lobster .", "It is related to H. americanus .", "It is blue-grey .",
         "It grows to 60.5 cm ( 1,000 in ) in the unk .", "Red after cooking !"],
        ["An ironclad is a ship ."],
    ]
    assert not [name for name in os.listdir(out.parent) if name.startswith(".")]  # no temporary file left
    # the output reads back as the documents of --qt
    assert [len(doc) for doc in read_documents(str(out))] == [5, 1]
    assert documents.main(["wikitext", src, str(out), "--unk", "<unk>"]) == 0
    assert "in the <unk> ." in out.read_text()


def test_libreoffice_pages_become_documents(tmp_path):
    text = write_lines(tmp_path / "train.de", ["Was ist das?", "Das ist z.B. ein Test. Er hat 3.5 Teile.",
                                               "Andere Seite.", "Noch ein Absatz der ersten Seite."])
    ids = write_lines(tmp_path / "ids.train", ["text/a.xhp#hd_1", "text/a.xhp#par_2", "text/b.xhp#par_1",
                                               "text/a.xhp#par_3"])
    out = tmp_path / "pages.de"
    assert documents.main(["libreoffice", text, ids, str(out), "--lang", "de"]) == 0
    assert read_docs(out) == [["Was ist das?", "Das ist z.B. ein Test.", "Er hat 3.5 Teile.",
                               "Noch ein Absatz der ersten Seite."], ["Andere Seite."]]


@pytest.mark.parametrize("ids_lines,expected", [
    (["text/a.xhp#1", "text/a.xhp"], "ids.train:2: 'text/a.xhp'; expected PAGE#ID"),
    (["text/a.xhp#1"], "ids.train:2: missing line 2; expected as many lines as"),
    (["a#1", "a#2", "a#3"], "train.en:3: missing line 3"),
])
def test_libreoffice_checks_the_ids(tmp_path, capsys, ids_lines, expected):
    text = write_lines(tmp_path / "train.en", ["One.", "Two."])
    ids = write_lines(tmp_path / "ids.train", ids_lines)
    out = tmp_path / "pages.en"
    assert documents.main(["libreoffice", text, ids, str(out), "--lang", "en"]) == 1
    assert expected in capsys.readouterr().err
    assert not out.exists() and not [name for name in os.listdir(tmp_path) if name.startswith(".")]


EXTRACTED = [
    '<doc id="12" url="https://en.wikipedia.org/wiki?curid=12" title="Anarchism">',
    "Anarchism",
    "",
    "Anarchism is a political philosophy. It rejects e.g. the state.",
    "Its history is long.",
    "</doc>",
    '<doc id="25" url="https://en.wikipedia.org/wiki?curid=25" title="Autism">',
    "Autism",
    "Autism is a condition. Dr. Kanner described it.",
    "</doc>",
]


def test_wikiextractor_output_becomes_documents(tmp_path):
    folder = tmp_path / "extracted" / "AA"
    folder.mkdir(parents=True)
    write_lines(folder / "wiki_00", EXTRACTED[:6])
    with bz2.open(folder / "wiki_01.bz2", "wt", encoding="utf-8") as f:
        f.write("\n".join(EXTRACTED[6:]) + "\n")
    out = tmp_path / "wiki.en"
    assert documents.main(["wikiextractor", str(tmp_path / "extracted"), str(out), "--lang", "en"]) == 0
    assert read_docs(out) == [
        ["Anarchism is a political philosophy.", "It rejects e.g. the state.", "Its history is long."],
        ["Autism is a condition.", "Dr. Kanner described it."],
    ]


@pytest.mark.parametrize("lines,expected", [
    (EXTRACTED[:3], "wiki_00:1: <doc> never closed"),
    (["stray text"], "wiki_00:1: text outside <doc ...>"),
    (EXTRACTED[:2] + EXTRACTED[6:], "wiki_00:3: <doc> inside the document opened at line 1"),
    (["</doc>"], "wiki_00:1: </doc> without <doc ...>"),
])
def test_wikiextractor_checks_its_input(tmp_path, capsys, lines, expected):
    src = write_lines(tmp_path / "wiki_00", lines)
    out = tmp_path / "wiki.en"
    assert documents.main(["wikiextractor", src, str(out), "--lang", "en"]) == 1
    assert expected in capsys.readouterr().err and not out.exists()


def test_write_documents_is_atomic(tmp_path):
    out = tmp_path / "docs.txt"
    out.write_text("old\n")

    def failing():
        yield ["One.", "Two."]
        raise CorpusError("x.txt:9: bad")

    with pytest.raises(CorpusError):
        documents.write_documents(str(out), failing())
    assert out.read_text() == "old\n" and os.listdir(tmp_path) == ["docs.txt"]
    assert documents.write_documents(str(out), [["A b.", "C\td."], [], ["E."]]) == (2, 3)
    assert out.read_text() == "A b.\nC d.\n\nE.\n"


SICK_HEADER = ("pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\tentailment_AB\tentailment_BA\t"
               "sentence_A_original\tsentence_B_original\tsentence_A_dataset\tsentence_B_dataset\tSemEval_set")


def sick_row(k, a, b, label, split):
    return f"{k}\t{a}\t{b}\t{label}\t4.5\tA_x_B\tB_x_A\t{a}\t{b}\tFLICKR\tFLICKR\t{split}"


def test_sick_splits_train_and_trial_and_holds_out_test(tmp_path):
    src = write_lines(tmp_path / "SICK.txt", [
        SICK_HEADER, sick_row(1, "A man sleeps", "A person rests", "ENTAILMENT", "TRAIN"),
        sick_row(2, "A dog barks", "A cat meows", "CONTRADICTION", "TEST"),
        sick_row(3, "A tree grows", "A big tree grows", "NEUTRAL", "TRIAL"),
        sick_row(4, "Kids play", "Children play", "ENTAILMENT", "TRAIN")], newline="\r\n")
    train, valid = tmp_path / "sick.train", tmp_path / "sick.valid"
    assert sick.main([src, "--train-out", str(train), "--valid-out", str(valid)]) == 0
    assert train.read_text().splitlines() == ["A man sleeps\tA person rests\tentailment",
                                              "Kids play\tChildren play\tentailment"]
    assert valid.read_text().splitlines() == ["A tree grows\tA big tree grows\tneutral"]
    assert [row[1:] for row in read_nli(str(train))] == [("A man sleeps", "A person rests", "entailment"),
                                                         ("Kids play", "Children play", "entailment")]


@pytest.mark.parametrize("row,expected", [
    (sick_row(1, "A", "B", "MAYBE", "TRAIN"), "SICK.txt:2: entailment_label 'MAYBE'"),
    (sick_row(1, "A", "B", "NEUTRAL", "DEV"), "SICK.txt:2: SemEval_set 'DEV'; expected one of TRAIN, TRIAL, TEST"),
    ("1\tA\tB", "SICK.txt:2: 3 tab-separated fields; expected 12"),
])
def test_sick_checks_its_rows(tmp_path, capsys, row, expected):
    src = write_lines(tmp_path / "SICK.txt", [SICK_HEADER, row])
    assert sick.main([src, "--train-out", str(tmp_path / "t")]) == 1
    assert expected in capsys.readouterr().err and not (tmp_path / "t").exists()


def test_stream_readers_and_triplets(tmp_path):
    docs = write_lines(tmp_path / "d.txt", ["", "A.", "B.", "C.", "", "", "D.", " ", "E.", "F.", "G."])
    read = read_documents(docs)
    assert [[n for n, _ in doc] for doc in read] == [[2, 3, 4], [7], [9, 10, 11]]
    doc_ids = [k for k, doc in enumerate(read) for _ in doc]
    assert triplets(doc_ids) == [(0, 1, 2), (4, 5, 6)]
    rsp = write_lines(tmp_path / "r.tsv", ["Hi there\t Hello "])
    assert list(read_response_pairs(rsp)) == [(1, "Hi there", "Hello")]
    bad = write_lines(tmp_path / "n.tsv", ["A\tB\tentailment", "A\tB\tnot_entailment"])
    with pytest.raises(CorpusError, match=r"n.tsv:2: label 'not_entailment'; expected one of entailment, neutral"):
        list(read_nli(bad))
