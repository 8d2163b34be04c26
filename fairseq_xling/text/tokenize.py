"""Word tokenization shared by the preprocess pipelines and the hub interface.

The pipelines record how they tokenized in ``DEST/preprocess.json`` (:mod:`fairseq_xling.text.metadata`);
checkpoints carry that record, and :meth:`XlingTokenizer.from_metadata` rebuilds the same tokenizer, so new
sentences are tokenized the way the training data was. Moses is fairseq's registered ``moses`` tokenizer.

CLI (stdin -> stdout, one sentence per line)::

    python -m fairseq_xling.text.tokenize --lang de [--kind moses|none] [--lowercase] < in > out
"""
import argparse
import sys
from typing import List

TOKENIZER_KINDS = ("moses", "none")


class XlingTokenizer:
    """Turn one line of raw text into space-separated tokens.

    Args:
        lang: ISO 639-1 or 639-3 code; selects Moses' non-breaking prefixes and language rules.
        kind: ``"moses"`` (sacremoses through fairseq's ``moses`` tokenizer: no XML escaping, no aggressive
            dash splitting) or ``"none"`` (whitespace split only, for
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
            from argparse import Namespace

            from fairseq.data import encoders

            self._moses = encoders.build_tokenizer(Namespace(
                tokenizer="moses", source_lang=lang, target_lang=lang, moses_no_escape=True, moses_no_dash_splits=True))

    @classmethod
    def from_metadata(cls, lang: str, meta: dict) -> "XlingTokenizer":
        """The tokenizer a pipeline recorded in its metadata; without a record the text is taken as
        pre-tokenized (``kind="none"``, no lowercasing)."""
        return cls(lang, kind=meta.get("tokenizer", "none"), lowercase=bool(meta.get("lowercase", False)))

    def tokens(self, line: str) -> List[str]:
        if self._moses is not None:
            line = self._moses.encode(line)
        # split() also splits at tabs, CR, NBSP and other Unicode spaces, as fairseq's own whitespace split of
        # the binarised text does, so token counts agree
        return (line.lower() if self.lowercase else line).split()

    def __call__(self, line: str) -> str:
        return " ".join(self.tokens(line))

    def detokenize(self, text: str) -> str:
        """Space-separated tokens -> text (Moses' detokeniser; with ``kind="none"`` the text as it is)."""
        return self._moses.decode(text) if self._moses is not None else text

    def __repr__(self):
        return f"XlingTokenizer(lang={self.lang!r}, kind={self.kind!r}, lowercase={self.lowercase})"


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
