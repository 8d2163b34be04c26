"""Corpora of documents -> the document format of ``multilingual.sh --qt`` (quick-thought triplets): one sentence
a line, a blank line between documents.

CLI (each writes OUT atomically: a temporary file next to it, renamed when complete; progress on stderr)::

    python -m fairseq_xling.text.documents wikitext wikitext2/valid.txt OUT [--lang en]
    python -m fairseq_xling.text.documents libreoffice libreoffice_help/train.de libreoffice_help/ids.train OUT \\
        --lang de
    python -m fairseq_xling.text.documents wikiextractor extracted/ OUT --lang fr   # files or folders, .bz2 too

- ``wikitext``: WikiText-2/-103 (``wiki.*.tokens`` or the raw files): one paragraph a line, `` = Title = ``
  opens an article (one document), `` = = Section = = `` headings are left out; paragraphs are split into
  sentences (:mod:`fairseq_xling.text.sentences`), which follow each other across paragraphs of an article.
  WikiText's in-word markers are undone (``3 @.@ 5`` -> ``3.5``, ``red @-@ tipped`` -> ``red-tipped``) and its
  ``<unk>`` becomes ``--unk`` (default ``unk``, one word for Moses).
- ``libreoffice``: the LibreOffice help corpus of ../shared/data: ``TEXT`` (one paragraph a line) with its
  ``ids`` file (``page#element`` a line, as many lines as TEXT): the lines of one page, in file order, form a
  document (a page's lines need not be adjacent; documents come in the order of their pages' first lines).
- ``wikiextractor``: WikiExtractor's output of a Wikipedia dump (``<doc id=... title=...>`` ... ``</doc>``;
  the title line that opens a document is left out); folders are read recursively in sorted order, ``*.bz2``
  files (``--compress``) decompressed.

Every problem in an input stops with ``FILE:LINE:`` and what was expected; OUT is then not written.
"""
import bz2
import os
import re
import sys
import time
from collections import OrderedDict
from typing import Callable, Iterable, Iterator, List, Optional, Tuple

from fairseq_xling.text import pipeline
from fairseq_xling.text.languages import check_lang
from fairseq_xling.text.lines import CorpusError, read_lines
from fairseq_xling.text.sentences import split_sentences

Document = List[str]  # sentences

# ---------------------------------------------------------------------------------------------------
# Output


class Progress:
    """Reports ``what`` every ``interval`` seconds on stderr (a long input shows it is alive) and at the end."""

    def __init__(self, what: str, interval: float = 10.0, stream=None):
        self.what, self.interval, self.stream = what, interval, stream or sys.stderr
        self.start = self.last = time.monotonic()

    def update(self, lines: int, documents: int, force: bool = False):
        now = time.monotonic()
        if force or now - self.last >= self.interval:
            self.last = now
            print(f"[documents] {self.what}: {lines:,} lines read, {documents:,} documents ({now - self.start:.0f} s)",
                  file=self.stream, flush=True)


def write_documents(path: str, documents: Iterable[Document]) -> Tuple[int, int]:
    """Write ``documents`` to ``path`` atomically (``path.tmp.PID``, renamed when complete; removed on any
    error): one sentence a line, a blank line between documents; documents without sentences are left out.
    Returns (documents, sentences) written."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp.{os.getpid()}")
    n_docs = n_sentences = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for doc in documents:
                sentences = [s for s in doc if s.strip()]
                if not sentences:
                    continue
                if n_docs:
                    f.write("\n")
                for sentence in sentences:
                    f.write(" ".join(sentence.split()) + "\n")  # one line: no TAB, CR or other line separators
                n_docs += 1
                n_sentences += len(sentences)
        if not n_docs:
            raise CorpusError(f"{path}: no document with a sentence; expected non-empty input")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return n_docs, n_sentences


def _sentences(paragraphs: Iterable[str], lang: str) -> Document:
    return [s for p in paragraphs for s in split_sentences(p, lang)]


# ---------------------------------------------------------------------------------------------------
# WikiText

_WIKITEXT_TITLE = re.compile(r"^ ?= (?!= )(.*\S) = ?$")  # " = Title = " (not " = = Section = = ")
_WIKITEXT_HEADING = re.compile(r"^ ?(?:= ){2,}.*(?: =){2,} ?$")
_WIKITEXT_MARKER = re.compile(r" @([-,.])@ ")  # "0 @.@ 7", "1 @,@ 000", "red @-@ tipped"


def wikitext_paragraph(text: str, unk: str = "unk") -> str:
    """Undo WikiText's in-word markers (``3 @.@ 5`` -> ``3.5``, ``red @-@ tipped`` -> ``red-tipped``) and write its
    ``<unk>`` as ``unk`` (Moses would split ``<unk>`` into three tokens); other tokens keep their spaces."""
    text = _WIKITEXT_MARKER.sub(r"\1", text)
    return re.sub(r"(?<!\S)<unk>(?!\S)", unk, text) if unk != "<unk>" else text


def wikitext_documents(path: str, lang: str = "en", progress: Optional[Progress] = None,
                       unk: str = "unk") -> Iterator[Document]:
    """The articles of a WikiText file as documents of sentences (text before the first title, if any, is a
    document of its own); paragraphs pass :func:`wikitext_paragraph` (``unk``: what ``<unk>`` becomes)."""
    paragraphs: List[str] = []
    n_docs = lineno = 0
    for lineno, text in read_lines(path):
        if _WIKITEXT_TITLE.match(text):
            if paragraphs:
                n_docs += 1
                yield _sentences(paragraphs, lang)
            paragraphs = []
        elif text.strip() and not _WIKITEXT_HEADING.match(text):
            paragraphs.append(wikitext_paragraph(text, unk))
        if progress:
            progress.update(lineno, n_docs)
    if paragraphs:
        n_docs += 1
        yield _sentences(paragraphs, lang)
    if progress:
        progress.update(lineno, n_docs, force=True)


# ---------------------------------------------------------------------------------------------------
# LibreOffice help


def libreoffice_documents(text_path: str, ids_path: str, lang: str,
                          progress: Optional[Progress] = None) -> Iterator[Document]:
    """The pages of a LibreOffice help file (``ids_path``: ``page#element`` per line of ``text_path``) as
    documents of sentences."""
    pages: "OrderedDict[str, List[str]]" = OrderedDict()
    ids = read_lines(ids_path)
    n_text = 0
    for n_text, text in read_lines(text_path):
        try:
            n_ids, element = next(ids)
        except StopIteration:
            raise CorpusError(f"{ids_path}:{n_text}: missing line {n_text}; expected as many lines as "
                              f"{text_path}") from None
        page, sep, _ = element.strip().partition("#")
        if not sep or not page:
            raise CorpusError(f"{ids_path}:{n_ids}: {element!r}; expected PAGE#ID (e.g. text/shared/main.xhp#par_1)")
        pages.setdefault(page, []).append(text)
        if progress:
            progress.update(n_text, len(pages))
    for n_ids, _ in ids:
        raise CorpusError(f"{text_path}:{n_text + 1}: missing line {n_text + 1}; expected as many lines as {ids_path} "
                          f"({ids_path} has more)")
    if progress:
        progress.update(n_text, len(pages), force=True)
    for paragraphs in pages.values():
        yield _sentences(paragraphs, lang)


# ---------------------------------------------------------------------------------------------------
# WikiExtractor

_DOC_OPEN = re.compile(r'^<doc\b[^>]*>\s*$')
_DOC_TITLE = re.compile(r'\btitle="([^"]*)"')


def _extractor_files(paths: Iterable[str]) -> List[str]:
    files = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files.extend(os.path.join(root, name) for name in sorted(names) if not name.startswith("."))
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise CorpusError(f"{path}: no such file or folder; expected WikiExtractor output")
    if not files:
        raise CorpusError(f"{', '.join(paths)}: no files; expected WikiExtractor output (AA/wiki_00 ...)")
    return files


def _numbered_lines(path: str) -> Iterator[Tuple[int, str]]:
    if not path.endswith(".bz2"):
        yield from read_lines(path)
        return
    with bz2.open(path, "rb") as f:
        lineno = 0
        for lineno, raw in enumerate(f, start=1):
            try:
                yield lineno, raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8")
            except UnicodeDecodeError as err:
                raise CorpusError(f"{path}:{lineno}: byte 0x{raw[err.start]:02x} at column {err.start + 1} is not "
                                  f"valid utf-8; expected utf-8 text") from None
        if not lineno:
            raise CorpusError(f"{path}:1: empty input; expected at least one line of text")


def wikiextractor_documents(paths: Iterable[str], lang: str,
                            progress: Optional[Progress] = None) -> Iterator[Document]:
    """The articles of WikiExtractor output files as documents of sentences."""
    n_lines = n_docs = 0
    for path in _extractor_files(list(paths)):
        title, opened, paragraphs, first = None, 0, [], False
        for lineno, text in _numbered_lines(path):
            n_lines += 1
            if progress:
                progress.update(n_lines, n_docs)
            stripped = text.strip()
            if _DOC_OPEN.match(stripped):
                if opened:
                    raise CorpusError(f"{path}:{lineno}: <doc> inside the document opened at line {opened}; "
                                      f"expected </doc> first")
                match = _DOC_TITLE.search(stripped)
                title, opened, paragraphs, first = (match.group(1) if match else None), lineno, [], True
            elif stripped == "</doc>":
                if not opened:
                    raise CorpusError(f"{path}:{lineno}: </doc> without <doc ...>; expected WikiExtractor output")
                n_docs += 1
                yield _sentences(paragraphs, lang)
                opened = 0
            elif stripped:
                if not opened:
                    raise CorpusError(f"{path}:{lineno}: text outside <doc ...> ... </doc>; expected WikiExtractor "
                                      f"output")
                if not (first and title is not None and stripped == title.strip()):
                    paragraphs.append(stripped)
                first = False
        if opened:
            raise CorpusError(f"{path}:{opened}: <doc> never closed; expected </doc> before the end of the file")
    if progress:
        progress.update(n_lines, n_docs, force=True)


# ---------------------------------------------------------------------------------------------------
# CLI


def _convert(what: str, documents: Callable[[Progress], Iterable[Document]], out: str):
    n_docs, n_sentences = write_documents(out, documents(Progress(what)))
    print(f"[documents] wrote {out}: {n_docs:,} documents, {n_sentences:,} sentences", file=sys.stderr)


def _build_parser():
    parser = pipeline.command_parser("fairseq_xling.text.documents", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("wikitext", help="WikiText articles -> documents")
    p.add_argument("input")
    p.add_argument("out")
    p.add_argument("--lang", default="en")
    p.add_argument("--unk", default="unk", help="what WikiText's <unk> becomes (default unk: Moses would split "
                   "<unk> into three tokens; --unk '<unk>' keeps it, e.g. for --tokenizer none)")
    p.set_defaults(run=lambda a: _convert(a.input, lambda pr: wikitext_documents(a.input, a.lang, pr, a.unk), a.out))
    p = sub.add_parser("libreoffice", help="LibreOffice help pages -> documents")
    p.add_argument("text", help="train.LANG / valid.LANG: one paragraph a line")
    p.add_argument("ids", help="ids.train / ids.valid: PAGE#ID a line")
    p.add_argument("out")
    p.add_argument("--lang", required=True)
    p.set_defaults(run=lambda a: _convert(a.text, lambda pr: libreoffice_documents(a.text, a.ids, a.lang, pr), a.out))
    p = sub.add_parser("wikiextractor", help="WikiExtractor output (<doc> ... </doc>) -> documents")
    p.add_argument("inputs", nargs="+", help="files or folders (read recursively, sorted; *.bz2 decompressed)")
    p.add_argument("out")
    p.add_argument("--lang", required=True)
    p.set_defaults(run=lambda a: _convert(", ".join(a.inputs),
                                          lambda pr: wikiextractor_documents(a.inputs, a.lang, pr), a.out))
    return parser


def main(argv=None) -> int:
    def run(args):
        check_lang(args.lang, "--lang")
        args.run(args)

    return pipeline.run_command(_build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
