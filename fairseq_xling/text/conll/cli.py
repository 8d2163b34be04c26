"""``python -m fairseq_xling.text.conll``: the command line of the conll pipeline's Python step.

    python -m fairseq_xling.text.conll prepare --format conll2002 --lang nl --train ned.train \\
        --valid ned.testa --out-dir WORK [options]

preprocess/conll.sh runs it; the options are checked here (:func:`check_args`), the work is
:class:`~fairseq_xling.text.conll.prepare.Preparer`'s. An input problem prints ``error: FILE:LINE: ...``
and exits with status 1.
"""
import argparse
import os
import sys

from fairseq_xling.text.conll.prepare import Preparer
from fairseq_xling.text.conll.readers import ENCODINGS, FORMAT_SCHEME, FORMAT_TASK, check_format
from fairseq_xling.text.languages import check_lang
from fairseq_xling.text.lines import CorpusError
from fairseq_xling.text.pipeline import command_parser, run_command
from fairseq_xling.text.tag_schemes import canonical_scheme


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser("fairseq_xling.text.conll", sys.modules[__package__].__doc__)
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
    p.add_argument("--drop-overlap", action="store_true", help="drop valid/test sentences that are training sentences")
    p.add_argument("--min-count", type=int, default=1)
    p.add_argument("--lowercase", action="store_true", help="lowercase the word stream (not the chars)")
    for kind in ("word", "char", "tag"):
        p.add_argument(f"--{kind}-dict", action="append",
                       help=f"use this {kind} dictionary; repeated: the union of the dictionaries (counts summed)")
    p.add_argument("--add-words", action="append", metavar="VECTORS",
                   help="word2vec text file: its words join the word dictionary (count 0), so that words with a "
                        "pretrained vector are not <unk> (repeatable)")
    p.add_argument("--subword-from", metavar="DATA_BIN",
                   help="split every word into the sub-words of this data-bin of preprocess/multilingual.sh (its "
                        "model and joined dictionary) instead of writing word and character streams")
    p.add_argument("--out-dir", required=True)
    return parser


def check_args(a: argparse.Namespace):
    """Check the options of ``prepare``; fill in the format's task and input scheme, canonical scheme names."""
    check_format(a.format, "--format")
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
    if a.subword_from:
        given = [name for name, on in (("--lowercase", a.lowercase), ("--min-count", a.min_count != 1),
                                       ("--word-dict", a.word_dict), ("--char-dict", a.char_dict),
                                       ("--add-words", a.add_words)) if on]
        if given:
            raise CorpusError(f"{given[0]}: not with --subword-from (the sub-words, their dictionary and their "
                              f"lowercasing are those of {a.subword_from}); expected --tag-dict only")
        if not os.path.isdir(a.subword_from):
            raise CorpusError(f"--subword-from {a.subword_from}: no such directory; expected a data-bin of "
                              f"preprocess/multilingual.sh --subword spm|bpe")


def prepare(args: argparse.Namespace):
    check_args(args)
    Preparer(args).run()


def main(argv=None) -> int:
    return run_command(build_parser(), prepare, argv)
