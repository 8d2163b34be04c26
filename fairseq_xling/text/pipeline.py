"""What the Python steps of the preprocess/ pipelines share: the :class:`Preparer` base and the CLI frame.

A pipeline's ``prepare`` command (``python -m fairseq_xling.text.corpus prepare`` for europarl.sh,
``python -m fairseq_xling.text.conll prepare`` for conll.sh) reads and checks the user's files and writes
into ``--out-dir``: the plain text in ``text/`` (fairseq-preprocess input), the dictionaries and
``preprocess.json``. The shell script then binarises the text.

:func:`map_lines` and :func:`tokenize_all` run a per-line function (a tokenizer, a sub-word model) over a
corpus in several processes.
"""
import argparse
import json
import os
import sys
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from fairseq_xling.text.fingerprints import write_fingerprints
from fairseq_xling.text.lines import CorpusError, is_utf8, is_utf8_with_non_ascii, write_lines
from fairseq_xling.text.metadata import write_metadata
from fairseq_xling.text.tokenize import XlingTokenizer


class Preparer:
    """Base of the pipelines' ``prepare`` steps.

    :meth:`run` creates ``out_dir/text``, calls :meth:`prepare` (the pipeline's work, which returns its
    metadata), writes the fingerprints of the training lines it was given and ``preprocess.json`` with
    ``"pipeline": name`` as its first field. Problems in the
    input raise :class:`~fairseq_xling.text.lines.CorpusError`.
    """

    name = ""  # the pipeline's name: the "pipeline" field of preprocess.json

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.out_dir = args.out_dir
        self.text_dir = os.path.join(args.out_dir, "text")

    def run(self):
        os.makedirs(self.text_dir, exist_ok=True)
        self.training_lines: Dict[str, List[str]] = {}  # per language, filled by prepare (see add_training_lines)
        meta = self.prepare()
        if self.training_lines:
            meta["train_fingerprints"] = write_fingerprints(self.out_dir, self.training_lines)
        write_metadata(self.out_dir, {"pipeline": self.name, **meta})

    def add_training_lines(self, lang: str, lines: Iterable[str]):
        """Lines of ``lang`` the model trains on, in the form it reads them: their fingerprints go into the
        data-bin (:mod:`fairseq_xling.text.fingerprints`) so that evaluations can find overlap."""
        self.training_lines.setdefault(lang, []).extend(lines)

    def prepare(self) -> dict:
        """Write text and dictionaries into ``out_dir``; return the metadata (without ``pipeline``)."""
        raise NotImplementedError

    def log(self, msg: str):
        print(f"[prepare] {msg}", file=sys.stderr)

    def warn_if_misread(self, path: str, encoding: str, option: str):
        """Warn when a file that is valid UTF-8 with non-ASCII text is read in another declared encoding."""
        if not is_utf8(encoding) and is_utf8_with_non_ascii(path):
            self.log(f"warning: {path} is valid UTF-8 but read as {encoding} ({option}): its accented letters "
                     f"will be garbled")

    def report_overlap(self, path: str, what: str, hits: Sequence[bool], linenos: Sequence[int],
                       how: str = "") -> List[bool]:
        """Log how many ``what`` (e.g. "valid sentences in FILE") occur in training (``hits``: exact match after
        the pipeline's normalisation; ``how`` says what matched, e.g. " (either side)") and return which to
        keep: all, or with ``--drop-overlap`` the others. Dropping all of them is an error naming ``path``."""
        drop = self.args.drop_overlap
        n = sum(hits)
        if drop and hits and all(hits):
            raise CorpusError(f"{path}:1: all {n} {what} also occur in training{how}; expected evaluation data "
                              f"apart from the training data")
        if n:
            lines = lines_note([lineno for lineno, hit in zip(linenos, hits) if hit])
            if drop:
                self.log(f"dropped {n} of {len(hits)} {what} that also occur in training{how} ({lines})")
            else:
                self.log(f"warning: {n} of {len(hits)} {what} also occur in training{how} ({lines}); an evaluation "
                         f"on them measures memory (--drop-overlap drops them)")
        return [not hit for hit in hits] if drop else [True] * len(hits)

    def log_counts(self, counts: dict):
        self.log("counts " + json.dumps(counts))

    def text_path(self, name: str) -> str:
        return os.path.join(self.text_dir, name)

    def write_text(self, name: str, lines: Iterable[str]) -> str:
        """Write ``lines`` to ``out_dir/text/name``, one a line; returns the path."""
        path = self.text_path(name)
        write_lines(path, lines)
        return path


_MAPPED: Optional[Callable[[str], str]] = None  # the function of the running map_lines, inherited by fork


def _apply_mapped(line: str) -> str:
    return _MAPPED(line)


def lines_note(linenos: Sequence[int]) -> str:
    """``lines 3, 17, ...``: the first ten line numbers of a list, for a log message."""
    return f"lines {', '.join(map(str, linenos[:10]))}{' ...' if len(linenos) > 10 else ''}"


def length_mask(src: Sequence[str], tgt: Sequence[str], max_len: int, max_ratio: float = 0.0) -> List[bool]:
    """Which pairs of tokenized lines to keep: at most ``max_len`` tokens on each side (0: no limit) and, with
    ``max_ratio``, the longer side at most ``max_ratio`` times the shorter (as LASER's and Moses' cleaning)."""
    keep = []
    for s, t in zip(src, tgt):
        n, m = len(s.split()), len(t.split())
        keep.append((not max_len or max(n, m) <= max_len) and (not max_ratio or max(n, m) <= max_ratio * min(n, m)))
    return keep


def length_limit(max_len: int, max_ratio: float, unit: str) -> str:
    """What :func:`length_mask` drops, for a log message: "longer than 250 tokens or with a length ratio above 3"."""
    return " or ".join(([f"longer than {max_len} {unit}"] if max_len else [])
                       + ([f"with a length ratio above {max_ratio:g}"] if max_ratio else []))


def map_lines(func: Callable[[str], str], lines: Sequence[str], workers: int, min_lines: int = 2000) -> List[str]:
    """``[func(line) for line in lines]``, in ``workers`` forked processes when there are ``min_lines`` or more.

    The workers inherit ``func`` through fork instead of receiving it pickled with every chunk, so it can hold
    state that does not pickle well (a SentencePiece processor, a BPE cache).
    """
    global _MAPPED
    if workers <= 1 or len(lines) < min_lines:
        return [func(line) for line in lines]
    import multiprocessing

    _MAPPED = func
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_apply_mapped, lines, chunksize=500)
    finally:
        _MAPPED = None


def tokenize_all(tokenizer: XlingTokenizer, lines: Sequence[str], workers: int) -> List[str]:
    """``tokenizer`` applied to every line (Moses in ``workers`` processes; a whitespace split in this one)."""
    if tokenizer.kind == "none":
        return [tokenizer(line) for line in lines]
    return map_lines(tokenizer, lines, workers)


def command_parser(module: str, doc: str) -> argparse.ArgumentParser:
    """The argument parser of ``python -m module``, with the module's docstring as its description."""
    return argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def run_command(parser: argparse.ArgumentParser, command: Callable[[argparse.Namespace], None],
                argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv`` and run ``command``; a :class:`CorpusError` is printed as ``error: ...``.

    Returns the exit status: 0, or 1 after an input problem.
    """
    args = parser.parse_args(argv)
    try:
        command(args)
    except CorpusError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
