"""Checked readers for tagging corpora in their release formats, and the ``token<TAB>tag`` writer.

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

Every problem stops with a :class:`~fairseq_xling.text.lines.CorpusError` whose message starts with
``FILE:LINE:`` and says what was expected. Tags are returned as they are in the file; scheme checks and
conversions live in :mod:`fairseq_xling.text.tag_conversion`.
"""
import os
import re
from typing import Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from fairseq_xling.text.languages import ISO_639_1
from fairseq_xling.text.lines import CorpusError, detect_encoding, read_lines

FORMATS = ("conll2002", "conll2003", "wikiann", "conllu", "udpos")
# the task each format is annotated for, and the chunk scheme of its NER tags
FORMAT_TASK = {"conll2002": "ner", "conll2003": "ner", "wikiann": "ner", "conllu": "pos", "udpos": "pos"}
FORMAT_SCHEME = {"conll2002": "IOB2", "conll2003": "IOB1", "wikiann": "IOB2"}
ENCODINGS = ("utf-8", "latin-1", "auto")

# the 17 Universal Dependencies v2 part-of-speech tags
UPOS_TAGS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN",
             "PUNCT", "SCONJ", "SYM", "VERB", "X")

DOCSTART = "-DOCSTART-"


def check_format(fmt: str, where: str) -> str:
    """``fmt`` if it is one of :data:`FORMATS`, else a :class:`CorpusError` starting with ``where``."""
    if fmt not in FORMATS:
        raise CorpusError(f"{where}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


class Sentence(NamedTuple):
    tokens: List[str]
    tags: List[str]
    first_line: int  # 1-based line number of the first token


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
    """Yield ``(lineno, token, tag)`` for token lines and ``(lineno, None, "")`` for sentence breaks.

    ``fmt`` is one of :data:`FORMATS` (checked by the caller).
    """
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
                    # a known ISO 639-1 code, or --lang itself (which may be ISO 639-3: WikiANN has ace, ckb...)
                    prefix = f"{code}:" if colon and rest and (code in ISO_639_1 or code == lang) else ""
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
        else:  # conllu
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


def read_conll_with_lines(
    path: str, fmt: str, encoding: str = "utf-8", lang: Optional[str] = None
) -> Iterator[Tuple[Sentence, List[int]]]:
    """Like :func:`read_conll`, also yielding the line number of every token (for error messages)."""
    check_format(fmt, f"{path}:1")
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
    """Write ``token<TAB>tag`` lines with a blank line after every sentence (readable as ``udpos``-like tsv);
    written next to ``path`` and renamed, so a failure leaves no half file."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for sentence in sentences:
                tokens, tags = sentence[0], sentence[1]
                for token, tag in zip(tokens, tags):
                    f.write(f"{token}\t{tag}\n")
                f.write("\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
