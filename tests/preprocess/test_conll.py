"""preprocess/conll.sh end to end on tiny CoNLL-2002 / CoNLL-U files (no network)."""
import json
import os
import subprocess
import sys


from fairseq_xling.text.conll import WORD_SEPARATOR, split_words

import fairseq.data as fairseq_data  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONLL_SH = os.path.join(REPO, "preprocess", "conll.sh")

NL_SENTENCES = [
    [("De", "O"), ("Kamer", "B-ORG"), ("stemt", "O"), (".", "O")],
    [("Jan", "B-PER"), ("Peeters", "I-PER"), ("komt", "O")],
    [("Gent", "B-LOC"), ("en", "O"), ("Brugge", "B-LOC")],
    [("de", "O"), ("Europese", "B-MISC"), ("Unie", "I-MISC")],
]


def run_conll(*args):
    env = dict(os.environ, PYTHON=sys.executable)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.run(["bash", CONLL_SH, *map(str, args)], capture_output=True, text=True, env=env)


def make_conll2002(path, sentences, docstart=True, encoding="utf-8"):
    """Dutch CoNLL-2002 layout: ``word POS tag``, a -DOCSTART- line opening the first sentence, blank lines."""
    lines = ["-DOCSTART- -DOCSTART- O"] if docstart else []
    for sentence in sentences:
        lines += [f"{word} N {tag}" for word, tag in sentence] + [""]
    with open(path, "wb") as f:
        f.write(("\n".join(lines) + "\n\n").encode(encoding))
    return str(path)


def load(prefix):
    dataset = fairseq_data.data_utils.load_indexed_dataset(str(prefix), None, dataset_impl="mmap")
    assert dataset is not None, prefix
    return dataset


def no_leftovers(parent, name):
    return not [n for n in os.listdir(parent) if n.startswith(f".{name}.tmp")]


def test_conll2002_end_to_end(tmp_path):
    train = make_conll2002(tmp_path / "ned.train", NL_SENTENCES * 3)
    valid = make_conll2002(tmp_path / "ned.testa", NL_SENTENCES[:2])
    dest = tmp_path / "bin"
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--valid", valid,
                       "--dest", dest, "--max-sentences", 10)
    assert result.returncode == 0, result.stderr
    names = set(os.listdir(dest))
    assert names == {"preprocess.json", "request.txt", "text", "dict.word.txt", "dict.char.txt", "dict.tag.txt",
                     "train_fingerprints.npz"} | {
        f"{split}.{stream}.{ext}" for split in ("train", "valid") for stream in ("word", "char", "tag")
        for ext in ("bin", "idx")}
    meta = json.loads((dest / "preprocess.json").read_text())
    assert meta["pipeline"] == "conll" and meta["format"] == "conll2002" and meta["lang"] == "nl"
    assert meta["task"] == "ner" and meta["scheme"] == "BIOES" and meta["repaired"] == 0
    assert meta["lowercase"] is False
    assert meta["counts"] == {"train": 10, "train_tokens": 33, "valid": 2, "valid_tokens": 7,
                              "valid_in_train": 2}  # the valid sentences are training sentences too
    assert meta["inputs"]["sentences_in_files"] == {"train": 12, "valid": 2}

    tsv = (dest / "text" / "valid.tsv").read_text()
    assert tsv == "De\tO\nKamer\tS-ORG\nstemt\tO\n.\tO\n\nJan\tB-PER\nPeeters\tE-PER\nkomt\tO\n\n"
    tags = [line.split()[0] for line in (dest / "dict.tag.txt").read_text().splitlines()]
    assert tags == ["O"] + [f"{p}-{t}" for t in ("LOC", "MISC", "ORG", "PER") for p in "BIES"]

    words, chars, tag_ids = load(dest / "valid.word"), load(dest / "valid.char"), load(dest / "valid.tag")
    assert len(words) == len(chars) == len(tag_ids) == 2
    word_dict = fairseq_data.Dictionary.load(str(dest / "dict.word.txt"))
    char_dict = fairseq_data.Dictionary.load(str(dest / "dict.char.txt"))
    tag_dict = fairseq_data.Dictionary.load(str(dest / "dict.tag.txt"))
    assert word_dict.string(words[1]) == "Jan Peeters komt"
    assert tag_dict.string(tag_ids[1]) == "B-PER E-PER O"
    per_word = split_words(chars[1].tolist(), char_dict.index(WORD_SEPARATOR), char_dict.eos())
    assert [char_dict.string(w).replace(" ", "") for w in per_word] == ["Jan", "Peeters", "komt"]
    assert len(load(dest / "train.word")) == 10

    again = run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--valid", valid,
                      "--dest", dest, "--max-sentences", 10)
    assert again.returncode == 0 and "nothing to do" in again.stderr
    assert no_leftovers(tmp_path, "bin")

    # a second language sharing the first one's dictionaries
    shared = tmp_path / "shared"
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", valid, "--dest", shared, "--scheme",
                       "BIO", "--word-dict", dest / "dict.word.txt", "--char-dict", dest / "dict.char.txt")
    assert result.returncode == 0, result.stderr
    assert (shared / "dict.word.txt").read_text() == (dest / "dict.word.txt").read_text()
    assert (shared / "text" / "train.tsv").read_text().split("\n")[1] == "Kamer\tB-ORG"

    # repeated --word-dict: the union, counts summed; words of either corpus keep their own ids (no <unk>)
    other = make_conll2002(tmp_path / "other", [[("Rusland", "B-LOC"), ("en", "O"), ("Gent", "B-LOC")]])
    other_bin = tmp_path / "other_bin"
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", other, "--dest", other_bin)
    assert result.returncode == 0, result.stderr
    union = tmp_path / "union"
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", other, "--dest", union,
                       "--word-dict", dest / "dict.word.txt", "--word-dict", other_bin / "dict.word.txt")
    assert result.returncode == 0, result.stderr
    entries = dict(line.split() for line in (union / "dict.word.txt").read_text().splitlines())
    assert entries["Gent"] == "3" and entries["Rusland"] == "1" and entries["Kamer"] == "3"
    union_dict = fairseq_data.Dictionary.load(str(union / "dict.word.txt"))
    assert union_dict.string(load(union / "train.word")[0]) == "Rusland en Gent"


def test_conllu_pos(tmp_path):
    conllu = tmp_path / "de-ud.conllu"
    conllu.write_text("# sent_id = 1\n1-2\tIm\t_\t_\t_\t_\t_\t_\t_\t_\n1\tIn\tin\tADP\t_\t_\t3\tcase\t_\t_\n"
                      "2\tdem\tder\tDET\t_\t_\t3\tdet\t_\t_\n3\tHaus\tHaus\tNOUN\t_\t_\t0\troot\t_\t_\n"
                      "3.1\tist\tsein\tAUX\t_\t_\t_\t_\t3:x\t_\n\n")
    dest = tmp_path / "pos"
    result = run_conll("--format", "conllu", "--lang", "de", "--train", conllu, "--test", conllu, "--dest", dest)
    assert result.returncode == 0, result.stderr
    meta = json.loads((dest / "preprocess.json").read_text())
    assert meta["task"] == "pos" and meta["counts"] == {"train": 1, "train_tokens": 3, "test": 1, "test_tokens": 3,
                                                        "test_in_train": 1}
    assert "warning: 1 of 1 test sentences in" in result.stderr  # the test file is the training file
    assert len(load(dest / "test.tag")[0]) == 4  # 3 tags + </s>
    assert len((dest / "dict.tag.txt").read_text().splitlines()) == 17


def test_valid_sentences_seen_in_training_are_dropped_on_request(tmp_path):
    train = make_conll2002(tmp_path / "train", [[("Jan", "B-PER")], [("in", "O"), ("Gent", "B-LOC")]])
    valid = make_conll2002(tmp_path / "valid", [[("in", "O"), ("Gent", "B-LOC")], [("Piet", "B-PER")]])
    dest = tmp_path / "bin"
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--valid", valid, "--dest", dest,
                       "--drop-overlap")
    assert result.returncode == 0, result.stderr
    assert f"dropped 1 of 2 valid sentences in {valid} that also occur in training (lines 2)" in result.stderr
    meta = json.loads((dest / "preprocess.json").read_text())
    assert meta["counts"]["valid"] == 1 and meta["counts"]["valid_in_train"] == 1 and meta["drop_overlap"]
    assert (dest / "text" / "valid.tsv").read_text().split() == ["Piet", "S-PER"]


def test_repair(tmp_path):
    sentences = [[("Jan", "O"), ("Peeters", "I-PER")], [("Gent", "I-LOC")], [("ok", "O")]]
    train = make_conll2002(tmp_path / "train", sentences)
    dest = tmp_path / "bin"
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--dest", dest)
    assert result.returncode != 0 and f"{train}:3:" in result.stderr and "--repair" in result.stderr
    assert not dest.exists() and no_leftovers(tmp_path, "bin")
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--dest", dest, "--repair")
    assert result.returncode == 0, result.stderr
    assert "repaired 2 tags" in result.stderr and f"{train}:2" in result.stderr
    meta = json.loads((dest / "preprocess.json").read_text())
    assert meta["repaired"] == 2
    assert "Peeters\tS-PER" in (dest / "text" / "train.tsv").read_text()


def _bad_runs(tmp_path):
    """(description, arguments, text expected in the error message)."""
    good = make_conll2002(tmp_path / "good", NL_SENTENCES)
    short = tmp_path / "short"
    short.write_text("De Art O\nKamer B-ORG\n")
    empty_tag = tmp_path / "emptytag"
    empty_tag.write_text("De Art O\nKamer N \n")
    latin1 = make_conll2002(tmp_path / "latin1", [[("Bogotá", "B-LOC")]], encoding="latin-1")
    base = ["--format", "conll2002", "--lang", "nl"]
    return [
        ("columns", base + ["--train", short], f"{short}:2: 2 space-separated columns; expected 3"),
        ("empty tag", base + ["--train", empty_tag], f"{empty_tag}:2: empty tag"),
        ("encoding", base + ["--train", latin1], f"{latin1}:2: byte 0xe1"),
        ("bad valid", base + ["--train", good, "--valid", short], f"{short}:2:"),
        ("language", ["--format", "conll2002", "--lang", "NL", "--train", good], "--lang: 'NL' is not a language code"),
        ("format", ["--format", "conll2004", "--lang", "nl", "--train", good], "--format conll2004: expected"),
        ("task", base + ["--train", good, "--task", "pos"], "expected --task ner"),
    ]


def test_bad_input_leaves_no_dest(tmp_path):
    for what, args, message in _bad_runs(tmp_path):
        dest = tmp_path / "bin"
        result = run_conll(*args, "--dest", dest)
        assert result.returncode != 0, what
        assert message in result.stderr, (what, result.stderr)
        assert not dest.exists() and no_leftovers(tmp_path, "bin"), what


def test_encoding_auto_is_logged(tmp_path):
    latin1 = make_conll2002(tmp_path / "latin1", [[("Bogotá", "B-LOC"), ("ok", "O")]], encoding="latin-1")
    dest = tmp_path / "bin"
    result = run_conll("--format", "conll2002", "--lang", "es", "--train", latin1, "--dest", dest,
                       "--encoding", "auto", "--no-text")
    assert result.returncode == 0, result.stderr
    assert "reading the file as Latin-1" in result.stderr
    assert "Bogotá" in (dest / "dict.word.txt").read_text() and not (dest / "text").exists()


def test_add_words_puts_the_vectors_vocabulary_into_the_word_dictionary(tmp_path):
    """--add-words: a dev word training never saw but that has a vector gets its own id (not <unk>); the training
    words keep their ids and counts; a broken vectors file is an error naming it."""
    train = make_conll2002(tmp_path / "train", [[("Jan", "B-PER"), ("komt", "O")], [("Jan", "B-PER")]])
    valid = make_conll2002(tmp_path / "valid", [[("Piet", "B-PER"), ("komt", "O"), ("morgen", "O")]])
    vectors = tmp_path / "nl.vec"
    vectors.write_text("3 2\nPiet 0.1 0.2\nJan 0.3 0.4\n</s> 0 0\n")  # Jan: in training already
    plain, added = tmp_path / "plain", tmp_path / "added"
    assert run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--valid", valid,
                     "--dest", plain).returncode == 0
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--valid", valid,
                       "--dest", added, "--add-words", vectors)
    assert result.returncode == 0, result.stderr
    assert "--add-words: 1 words of" in result.stderr
    before = (plain / "dict.word.txt").read_text()
    assert (added / "dict.word.txt").read_text() == before + "Piet 0\n"  # appended: training ids unchanged
    plain_dict = fairseq_data.Dictionary.load(str(plain / "dict.word.txt"))
    added_dict = fairseq_data.Dictionary.load(str(added / "dict.word.txt"))
    assert plain_dict.string(load(plain / "valid.word")[0]) == "<unk> komt <unk>"
    assert added_dict.string(load(added / "valid.word")[0]) == "Piet komt <unk>"
    meta = json.loads((added / "preprocess.json").read_text())
    assert meta["dictionaries"]["added_words"] == [str(vectors)]

    broken = tmp_path / "broken.vec"
    broken.write_text("Piet 0.1 0.2\n")  # no header
    result = run_conll("--format", "conll2002", "--lang", "nl", "--train", train, "--dest", tmp_path / "b",
                       "--add-words", broken)
    assert result.returncode != 0 and f"{broken}:1: expected a word2vec header" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "b").exists()
