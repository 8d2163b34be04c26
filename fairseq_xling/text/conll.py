"""Checked readers for tagging corpora in their release formats, and the ``prepare`` step of preprocess/conll.sh.

Formats (``fmt``), one token per line, a blank line between sentences (any number of blank lines,
trailing ones included; the last sentence may end without one):

    conll2002  ``word tag`` (es) or ``word POS tag`` (nl, and the es copy with POS), space-separated,
               IOB2; ``-DOCSTART-`` lines (nl) mark articles and are skipped
    conll2003  ``word POS chunk tag``, space-separated, IOB1; ``-DOCSTART- -X- -X- O`` lines are skipped
    wikiann    ``lang:token<TAB>tag`` (WikiANN, Rahimi et al. splits) or ``token<TAB>tag`` (XTREME PAN-X),
               IOB2; the layout is taken from the file's first token line and must then hold throughout
    conllu     Universal Dependencies CoNLL-U, 10 tab-separated columns, UPOS (column 4) as the tag;
               ``#`` comment lines, multiword token ranges ``n-m`` and empty nodes ``n.k`` are skipped
    udpos      XTREME UD-POS ``token<TAB>UPOS``

Every problem stops with a :class:`~fairseq_xling.text.corpus.CorpusError` whose message starts with
``FILE:LINE:`` and says what was expected. Tags are returned as they are in the file; scheme checks and
conversions live in :mod:`fairseq_xling.text.tag_conversion`.

CLI (used by preprocess/conll.sh)::

    python -m fairseq_xling.text.conll prepare --format conll2002 --lang nl --train ned.train \\
        --valid ned.testa --out-dir WORK [options]

``prepare`` writes ``text/{split}.tsv`` (``token<TAB>tag``), the fairseq input streams
``text/{split}.{word,char,tag}`` (one sentence per line), ``dict.{word,char,tag}.txt`` and ``preprocess.json``.
The char stream holds, per sentence, the characters of every word separated by :data:`WORD_SEPARATOR`.
"""
import argparse
import json
import os
import re
import sys
from collections import Counter
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from fairseq_xling.text.dictionary import FAIRSEQ_SPECIAL_SYMBOLS
from fairseq_xling.text.languages import ISO_639_1, check_lang
from fairseq_xling.text.lines import CorpusError, read_lines
from fairseq_xling.text.tag_conversion import TagSequenceError, convert_tags
from fairseq_xling.text.tag_schemes import canonical_scheme, scheme_tags

FORMATS = ("conll2002", "conll2003", "wikiann", "conllu", "udpos")
# the task each format is annotated for, and the chunk scheme of its NER tags
FORMAT_TASK = {"conll2002": "ner", "conll2003": "ner", "wikiann": "ner", "conllu": "pos", "udpos": "pos"}
FORMAT_SCHEME = {"conll2002": "IOB2", "conll2003": "IOB1", "wikiann": "IOB2"}
ENCODINGS = ("utf-8", "latin-1", "auto")

# the 17 Universal Dependencies v2 part-of-speech tags
UPOS_TAGS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
             "PUNCT", "SCONJ", "SYM", "VERB", "X")

DOCSTART = "-DOCSTART-"
# separates the words of a sentence in the char stream; longer than one character, so no character of
# the text can be mistaken for it
WORD_SEPARATOR = "<w>"


class Sentence(NamedTuple):
    tokens: List[str]
    tags: List[str]
    first_line: int  # 1-based line number of the first token


# ---------------------------------------------------------------------------------------------------
# Readers


def detect_encoding(path: str) -> Tuple[str, Optional[int]]:
    """``("utf-8", None)`` if the whole file is valid UTF-8, else ``("latin-1", first_bad_line)``."""
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return "latin-1", lineno
    return "utf-8", None


def _fields(text: str, sep: str, ncols: Sequence[int], path: str, lineno: int, layout: str) -> List[str]:
    cols = text.split(sep)
    if len(cols) not in ncols:
        sep_name = "tab" if sep == "\t" else "space"
        want = " or ".join(str(n) for n in ncols)
        raise CorpusError(
            f"{path}:{lineno}: {len(cols)} {sep_name}-separated columns; expected {want} ({layout})"
        )
    return cols


def _check_token_tag(token: str, tag: str, path: str, lineno: int, layout: str):
    if not token:
        raise CorpusError(f"{path}:{lineno}: empty token; expected a word in the first column ({layout})")
    if not tag:
        raise CorpusError(f"{path}:{lineno}: empty tag; expected a tag in the last column ({layout})")


def _check_upos(tag: str, path: str, lineno: int):
    if tag not in UPOS_TAGS:
        raise CorpusError(f"{path}:{lineno}: UPOS tag {tag!r}; expected one of {' '.join(UPOS_TAGS)}")


def _token_lines(path: str, fmt: str, encoding: str, lang: Optional[str]) -> Iterator[Tuple[int, Optional[str], str]]:
    """Yield ``(lineno, token, tag)`` for token lines and ``(lineno, None, "")`` for sentence breaks."""
    hint = " (pass --encoding latin-1, or --encoding auto to detect it)" if encoding == "utf-8" else ""
    lines = read_lines(path, encoding, hint)
    ncols_seen = None  # conll2002: 2 or 3 columns, the same throughout the file
    prefix = None  # wikiann: "en:" when the file uses the lang:token layout, "" when not
    for lineno, text in lines:
        if not text.strip():
            yield lineno, None, ""
            continue
        if fmt in ("conll2002", "conll2003"):
            if fmt == "conll2002":
                layout = "CoNLL-2002: 'word tag' or 'word POS tag'"
                ncols = (ncols_seen,) if ncols_seen else (2, 3)
            else:
                layout = "CoNLL-2003: 'word POS chunk tag'"
                ncols = (4,)
            cols = _fields(text, " ", ncols, path, lineno, layout)
            if fmt == "conll2002" and ncols_seen is None:
                ncols_seen = len(cols)
            if cols[0] == DOCSTART:
                continue
            if any(not c for c in cols[1:-1]):
                raise CorpusError(f"{path}:{lineno}: empty column; expected {layout} separated by single spaces")
            _check_token_tag(cols[0], cols[-1], path, lineno, layout)
            yield lineno, cols[0], cols[-1]
        elif fmt in ("wikiann", "udpos"):
            layout = "WikiANN: '[lang:]token<TAB>tag'" if fmt == "wikiann" else "UD-POS: 'token<TAB>UPOS'"
            token, tag = _fields(text, "\t", (2,), path, lineno, layout)
            if fmt == "wikiann":
                if prefix is None:
                    code, colon, rest = token.partition(":")
                    prefix = f"{code}:" if colon and rest and code in ISO_639_1 else ""
                    if prefix and lang and code != lang:
                        raise CorpusError(
                            f"{path}:{lineno}: language prefix {prefix!r}; expected '{lang}:' (--lang {lang})"
                        )
                if prefix:
                    if not token.startswith(prefix):
                        raise CorpusError(
                            f"{path}:{lineno}: token {token!r}; expected the prefix {prefix!r} as on the "
                            f"file's first line (WikiANN 'lang:token<TAB>tag')"
                        )
                    token = token[len(prefix):]
            _check_token_tag(token, tag, path, lineno, layout)
            if fmt == "udpos":
                _check_upos(tag, path, lineno)
            yield lineno, token, tag
        elif fmt == "conllu":
            if text.startswith("#"):
                continue
            layout = "CoNLL-U: ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC"
            cols = _fields(text, "\t", (10,), path, lineno, layout)
            word_id = cols[0]
            if re.fullmatch(r"[1-9][0-9]*-[1-9][0-9]*|[0-9]+\.[1-9][0-9]*", word_id):
                continue  # a multiword token's range (its words follow) or an empty node
            if not re.fullmatch(r"[1-9][0-9]*", word_id):
                raise CorpusError(f"{path}:{lineno}: ID {word_id!r}; expected a word index n, a range n-m or n.k")
            _check_token_tag(cols[1], cols[3], path, lineno, layout)
            _check_upos(cols[3], path, lineno)
            yield lineno, cols[1], cols[3]
        else:
            raise CorpusError(f"{path}:1: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def read_conll_with_lines(
    path: str, fmt: str, encoding: str = "utf-8", lang: Optional[str] = None
) -> Iterator[Tuple[Sentence, List[int]]]:
    """Like :func:`read_conll`, also yielding the line number of every token (for error messages)."""
    if fmt not in FORMATS:
        raise CorpusError(f"{path}:1: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if encoding == "auto":
        encoding, _ = detect_encoding(path)
    tokens: List[str] = []
    tags: List[str] = []
    lines: List[int] = []
    for lineno, token, tag in _token_lines(path, fmt, encoding, lang):
        if token is None:
            if tokens:
                yield Sentence(tokens, tags, lines[0]), lines
                tokens, tags, lines = [], [], []
            continue
        tokens.append(token)
        tags.append(tag)
        lines.append(lineno)
    if tokens:
        yield Sentence(tokens, tags, lines[0]), lines


def read_conll(path: str, fmt: str, encoding: str = "utf-8", lang: Optional[str] = None) -> Iterator[Sentence]:
    """Yield the sentences of a tagging corpus in one of :data:`FORMATS` as ``(tokens, tags, first_line)``.

    ``encoding``: ``utf-8``, ``latin-1`` or ``auto`` (UTF-8 if the whole file decodes, else Latin-1).
    ``lang``: checked against the ``lang:`` prefixes of WikiANN files (None = not checked).
    """
    for sentence, _ in read_conll_with_lines(path, fmt, encoding, lang):
        yield sentence


def write_tsv(sentences: Iterable, path: str):
    """Write ``token<TAB>tag`` lines with a blank line after every sentence (readable as ``udpos``-like tsv)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for sentence in sentences:
            tokens, tags = sentence[0], sentence[1]
            for token, tag in zip(tokens, tags):
                f.write(f"{token}\t{tag}\n")
            f.write("\n")


# ---------------------------------------------------------------------------------------------------
# fairseq streams


def fairseq_token(token: str) -> str:
    """The token as one fairseq symbol: whitespace inside it (e.g. UD French ``2 001``) becomes ``_``."""
    return re.sub(r"\s+", "_", token) if any(ch.isspace() for ch in token) else token


def char_line(tokens: Sequence[str]) -> str:
    """``["Die", "Katze"]`` -> ``"D i e <w> K a t z e"``: the line of the char stream for one sentence."""
    return f" {WORD_SEPARATOR} ".join(" ".join(fairseq_token(token)) for token in tokens)


def split_words(symbols: Sequence, separator, eos=None) -> List[list]:
    """Split a char-stream item (symbols or ids) back into words: at each ``separator``, ending at ``eos``.

    ``[D, i, e, <w>, K, a, t, z, e, </s>]`` -> ``[[D, i, e], [K, a, t, z, e]]``.
    """
    words: List[list] = [[]]
    for symbol in symbols:
        if eos is not None and symbol == eos:
            break
        if symbol == separator:
            words.append([])
        else:
            words[-1].append(symbol)
    return words


def read_fairseq_dict_counts(path: str) -> List[Tuple[str, int]]:
    """(symbol, count) entries of a fairseq ``dict.txt`` (``symbol count [#fairseq:overwrite]`` per line)."""
    entries = []
    for lineno, text in read_lines(path, "utf-8"):
        symbol, sep, count = text.rstrip().rpartition(" ")
        if text.endswith(" #fairseq:overwrite"):
            symbol, sep, count = symbol.rpartition(" ")
        if not sep or not symbol or not count.lstrip("-").isdigit():
            raise CorpusError(f"{path}:{lineno}: {text!r}; expected 'symbol count' (a fairseq dictionary)")
        entries.append((symbol, int(count)))
    return entries


def read_fairseq_dict(path: str) -> List[str]:
    """Symbols of a fairseq ``dict.txt``."""
    return [symbol for symbol, _ in read_fairseq_dict_counts(path)]


def merge_dicts(paths: Sequence[str]) -> List[Tuple[str, int]]:
    """The union of several fairseq dictionaries: counts summed, most frequent first (ties by symbol).

    One file is returned as it is, in its own order.
    """
    if len(paths) == 1:
        return read_fairseq_dict_counts(paths[0])
    counts: Counter = Counter()
    for path in paths:
        for symbol, count in read_fairseq_dict_counts(path):
            counts[symbol] += count
    return by_count(counts, min_count=0)


def write_dict(entries: Iterable[Tuple[str, int]], path: str) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for symbol, count in entries:
            f.write(f"{symbol} {count}\n")
            n += 1
    return n


def by_count(counter: Counter, min_count: int = 1) -> List[Tuple[str, int]]:
    entries = [(s, n) for s, n in counter.items() if n >= min_count and s not in FAIRSEQ_SPECIAL_SYMBOLS]
    return sorted(entries, key=lambda e: (-e[1], e[0]))


# ---------------------------------------------------------------------------------------------------
# Prepare: read, check and convert tags, select, write text and dictionaries


SPLITS = ("train", "valid", "test")


class Preparer:
    def __init__(self, args):
        self.args = args

    def log(self, msg):
        print(f"[prepare] {msg}", file=sys.stderr)

    def resolve_encoding(self, path: str) -> str:
        a = self.args
        if a.encoding == "auto":
            encoding, bad_line = detect_encoding(path)
            if bad_line:
                self.log(f"{path}: line {bad_line} is not valid UTF-8; reading the file as Latin-1 (--encoding auto)")
            else:
                self.log(f"{path}: valid UTF-8 (--encoding auto)")
            return encoding
        if a.encoding == "latin-1" and detect_encoding(path)[0] == "utf-8":
            with open(path, "rb") as f:
                if any(b > 0x7F for b in f.read()):
                    self.log(f"warning: {path} is valid UTF-8 but read as Latin-1 (--encoding latin-1): "
                             f"accented letters will be garbled")
        return a.encoding

    def read_split(self, path: str) -> Tuple[List[Sentence], List[int]]:
        """All sentences of one file with tags in the output scheme, and the repairs made in each."""
        a = self.args
        encoding = self.resolve_encoding(path)
        sentences = []
        repairs = []
        for sentence, lines in read_conll_with_lines(path, a.format, encoding, a.lang):
            tags, n = sentence.tags, 0
            if a.task == "ner":
                try:
                    tags, n = convert_tags(tags, a.input_scheme, a.scheme, repair=a.repair)
                except TagSequenceError as err:
                    hint = "" if a.repair else " (or pass --repair)"
                    raise CorpusError(f"{path}:{lines[err.index]}: {err}{hint}") from None
            sentences.append(Sentence([fairseq_token(t) for t in sentence.tokens], tags, sentence.first_line))
            repairs.append(n)
        if not sentences:
            raise CorpusError(f"{path}:1: no sentences; expected token lines ({a.format})")
        return sentences, repairs

    def run(self):
        a = self.args
        text_dir = os.path.join(a.out_dir, "text")
        os.makedirs(text_dir, exist_ok=True)

        data: Dict[str, List[Sentence]] = {}
        counts: Dict[str, int] = {}
        repaired: Dict[str, int] = {}
        in_file: Dict[str, int] = {}
        repaired_at: List[str] = []  # FILE:LINE of the sentences with repaired tags
        for split in SPLITS:
            path = getattr(a, split)
            if not path:
                continue
            # the whole file is read and checked, also when only its first sentences are kept
            sentences, repairs = self.read_split(path)
            in_file[split] = len(sentences)
            if split == "train" and a.max_sentences:
                if len(sentences) < a.max_sentences:
                    self.log(f"warning: {path} has {len(sentences)} sentences, fewer than --max-sentences "
                             f"{a.max_sentences}; keeping all")
                sentences, repairs = sentences[: a.max_sentences], repairs[: a.max_sentences]
            repaired[split] = sum(repairs)
            repaired_at.extend(f"{path}:{s.first_line}" for s, n in zip(sentences, repairs) if n)
            data[split] = sentences
            counts[split] = len(sentences)
            counts[f"{split}_tokens"] = sum(len(s.tokens) for s in sentences)
        n_repaired = sum(repaired.values())
        if n_repaired:
            shown = ", ".join(repaired_at[:10]) + (" ..." if len(repaired_at) > 10 else "")
            self.log(f"repaired {n_repaired} tags that could not follow the previous one, in the sentences "
                     f"starting at {shown}")

        # dictionaries: words and characters from the (selected) training sentences; tags are a closed set
        train = data["train"]
        words = Counter(self._word(t) for s in train for t in s.tokens)
        chars = Counter(ch for s in train for t in s.tokens for ch in t)
        chars[WORD_SEPARATOR] = sum(len(s.tokens) - 1 for s in train)
        dict_path = {kind: os.path.join(a.out_dir, f"dict.{kind}.txt") for kind in ("word", "char", "tag")}
        vocab = {}
        if a.word_dict:
            vocab["word"] = self._given_dict(a.word_dict, dict_path["word"])
        else:
            vocab["word"] = write_dict(by_count(words, a.min_count), dict_path["word"])
        if a.char_dict:
            vocab["char"] = self._given_dict(a.char_dict, dict_path["char"], must_hold=[WORD_SEPARATOR])
        else:
            vocab["char"] = write_dict(by_count(chars), dict_path["char"])
        tag_counts = Counter(tag for s in train for tag in s.tags)
        if a.tag_dict:
            vocab["tag"] = self._given_dict(a.tag_dict, dict_path["tag"])
            known = set(read_fairseq_dict(dict_path["tag"]))
            for split, sentences in data.items():
                for s in sentences:
                    for tag in s.tags:
                        if tag not in known:
                            raise CorpusError(
                                f"{getattr(a, split)}:{s.first_line}: tag {tag!r} (in the sentence starting "
                                f"here, {a.scheme}) is not in --tag-dict {' '.join(a.tag_dict)}; expected one of "
                                f"{' '.join(sorted(known))}"
                            )
        else:
            vocab["tag"] = write_dict(((t, tag_counts[t]) for t in self._tag_set(data)), dict_path["tag"])
        self.log(f"vocabulary: {vocab['word']} words (min count {a.min_count}), {vocab['char']} chars, "
                 f"{vocab['tag']} tags")

        for split, sentences in data.items():
            write_tsv(sentences, os.path.join(text_dir, f"{split}.tsv"))
            self._write(os.path.join(text_dir, f"{split}.word"),
                        (" ".join(self._word(t) for t in s.tokens) for s in sentences))
            self._write(os.path.join(text_dir, f"{split}.char"), (char_line(s.tokens) for s in sentences))
            self._write(os.path.join(text_dir, f"{split}.tag"), (" ".join(s.tags) for s in sentences))
        self.log("counts " + json.dumps(counts))

        meta = {
            "pipeline": "conll",
            "format": a.format,
            "lang": a.lang,
            "task": a.task,
            "scheme": a.scheme if a.task == "ner" else "UPOS",
            "input_scheme": a.input_scheme if a.task == "ner" else "UPOS",
            "counts": counts,
            "repaired": n_repaired,
            "repaired_by_split": repaired,
            "lowercase": a.lowercase,
            "min_count": a.min_count,
            "vocab": vocab,
            "char_layout": {
                "stream": "one line per sentence: the characters of each word, space-separated, words "
                          f"separated by {WORD_SEPARATOR}; fairseq appends </s>",
                "word_separator": WORD_SEPARATOR,
                "lowercase": False,
            },
            "dictionaries": {
                "word": a.word_dict or "train",
                "char": a.char_dict or "train",
                "tag": a.tag_dict or "closed set of the scheme over the types in all splits",
            },
            "inputs": {
                **{split: getattr(a, split) for split in data},
                "encoding": a.encoding,
                "sentences_in_files": in_file,
                "max_sentences": a.max_sentences,
            },
        }
        with open(os.path.join(a.out_dir, "preprocess.json"), "w", encoding="utf-8") as f:
            json.dump(meta, f, indent=2, ensure_ascii=False)
            f.write("\n")

    def _word(self, token: str) -> str:
        return token.lower() if self.args.lowercase else token

    def _tag_set(self, data) -> List[str]:
        a = self.args
        if a.task == "pos":
            return list(UPOS_TAGS)
        labels = {tag[2:] for sentences in data.values() for s in sentences for tag in s.tags if tag != "O"}
        return scheme_tags(labels, a.scheme)

    @staticmethod
    def _given_dict(srcs: Sequence[str], dst: str, must_hold: Sequence[str] = ()) -> int:
        """Write the union of the dictionaries ``srcs`` (one: a copy) to ``dst``."""
        entries = merge_dicts(srcs)
        symbols = {symbol for symbol, _ in entries}
        for symbol in must_hold:
            if symbol not in symbols:
                raise CorpusError(f"{' '.join(srcs)}: no entry {symbol!r}; expected char dictionaries written by "
                                  f"conll.sh")
        return write_dict(entries, dst)

    @staticmethod
    def _write(path, lines):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                f.write(line + "\n")


# ---------------------------------------------------------------------------------------------------
# CLI


def _build_parser():
    parser = argparse.ArgumentParser(prog="python -m fairseq_xling.text.conll", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="check, convert and select a tagging corpus; write text and dictionaries")
    p.add_argument("--format", required=True)
    p.add_argument("--lang", required=True)
    p.add_argument("--task", help="ner or pos (default: the format's)")
    p.add_argument("--train", required=True)
    p.add_argument("--valid")
    p.add_argument("--test")
    p.add_argument("--scheme", default="BIOES", help="output scheme for NER: BIOES or BIO (IOB2)")
    p.add_argument("--input-scheme", help="scheme of the files: IOB1, IOB2 or BIOES (default: the format's)")
    p.add_argument("--encoding", default="utf-8")
    p.add_argument("--repair", action="store_true", help="turn an I-X that cannot follow into B-X, and count it")
    p.add_argument("--max-sentences", type=int, default=0, help="first N training sentences (0 = all)")
    p.add_argument("--min-count", type=int, default=1)
    p.add_argument("--lowercase", action="store_true", help="lowercase the word stream (not the chars)")
    for kind in ("word", "char", "tag"):
        p.add_argument(f"--{kind}-dict", action="append",
                       help=f"use this {kind} dictionary; repeated: the union of the dictionaries (counts summed)")
    p.add_argument("--out-dir", required=True)
    return parser


def _check_args(a):
    if a.format not in FORMATS:
        raise CorpusError(f"--format: unknown format {a.format!r}; expected one of {', '.join(FORMATS)}")
    check_lang(a.lang, "--lang")
    if a.encoding not in ENCODINGS:
        raise CorpusError(f"--encoding: {a.encoding!r}; expected one of {', '.join(ENCODINGS)}")
    a.task = a.task or FORMAT_TASK[a.format]
    if a.task != FORMAT_TASK[a.format]:
        raise CorpusError(f"--task {a.task}: format {a.format} is annotated for {FORMAT_TASK[a.format]}; "
                          f"expected --task {FORMAT_TASK[a.format]}")
    if a.task == "ner":
        try:
            a.scheme = canonical_scheme(a.scheme)
            a.input_scheme = canonical_scheme(a.input_scheme or FORMAT_SCHEME[a.format])
        except ValueError as err:
            raise CorpusError(f"--scheme/--input-scheme: {err}") from None
        if a.scheme == "IOB1":
            raise CorpusError("--scheme IOB1: expected BIOES or BIO (IOB1 is read, not written)")
    if a.max_sentences < 0 or a.min_count < 1:
        raise CorpusError("--max-sentences/--min-count: expected N >= 0 and C >= 1")


def main(argv=None):
    args = _build_parser().parse_args(argv)
    try:
        _check_args(args)
        Preparer(args).run()
    except CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
