"""Word tokenization shared by the preprocess pipelines and the hub interface.

The pipelines record how they tokenized in ``DEST/preprocess.json`` (:mod:`fairseq_xling.text.metadata`);
:func:`load_tokenizer` reads it back so that new sentences are tokenized the way the training data was.

CLI (stdin -> stdout, one sentence per line)::

    python -m fairseq_xling.text.tokenize --lang de [--kind moses|none] [--lowercase] < in > out
"""
import argparse
import sys

from fairseq_xling.text.metadata import read_metadata

TOKENIZER_KINDS = ("moses", "none")


class XlingTokenizer:
    """Turn one line of raw text into space-separated tokens.

    Args:
        lang: ISO 639-1 code; selects Moses' non-breaking prefixes and language rules.
        kind: ``"moses"`` (sacremoses, no XML escaping) or ``"none"`` (whitespace split only, for
            pre-tokenized corpora such as ComTrans).
        lowercase: lowercase after tokenizing.
    """

    def __init__(self, lang: str, kind: str = "moses", lowercase: bool = False):
        if kind not in TOKENIZER_KINDS:
            raise ValueError(f"unknown tokenizer kind {kind!r} (expected one of {', '.join(TOKENIZER_KINDS)})")
        self.lang = lang
        self.kind = kind
        self.lowercase = lowercase
        self._moses = None
        if kind == "moses":
            from sacremoses import MosesTokenizer

            self._moses = MosesTokenizer(lang=lang)

    def __call__(self, line: str) -> str:
        if self._moses is not None:
            line = self._moses.tokenize(line, escape=False, return_str=True)
        # split()/join() also turns tabs, CR, NBSP and other Unicode spaces into single spaces, which
        # keeps token counts identical to fairseq's own whitespace split of the binarised text.
        line = " ".join(line.split())
        return line.lower() if self.lowercase else line

    def __repr__(self):
        return f"XlingTokenizer(lang={self.lang!r}, kind={self.kind!r}, lowercase={self.lowercase})"


def load_tokenizer(data_dir: str, lang: str) -> XlingTokenizer:
    """The tokenizer that produced ``data_dir``, read from ``data_dir/preprocess.json``.

    Without that file (a data-bin made by other means) the text is taken as pre-tokenized:
    ``kind="none"``, no lowercasing.
    """
    meta = read_metadata(data_dir)
    return XlingTokenizer(lang, kind=meta.get("tokenizer", "none"), lowercase=bool(meta.get("lowercase", False)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", required=True)
    parser.add_argument("--kind", default="moses", choices=TOKENIZER_KINDS)
    parser.add_argument("--lowercase", action="store_true")
    args = parser.parse_args(argv)
    tokenizer = XlingTokenizer(args.lang, args.kind, args.lowercase)
    stdin = open(sys.stdin.fileno(), encoding="utf-8", newline="\n", closefd=False)
    for line in stdin:
        sys.stdout.write(tokenizer(line.rstrip("\n")) + "\n")


if __name__ == "__main__":
    main()
