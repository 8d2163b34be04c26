"""Checked readers for line-aligned parallel corpora and the ``prepare`` step of preprocess/europarl.sh.

Every problem in the input stops the run with a :class:`~fairseq_xling.text.lines.CorpusError` whose
message starts with ``FILE:LINE:`` and says what was expected (different line counts, bytes that are not
in the declared encoding, an empty file, malformed or out-of-range ``i-j`` alignments, malformed
language codes).

CLI::

    python -m fairseq_xling.text.corpus check-langs de en
    python -m fairseq_xling.text.corpus prepare --src-lang de --tgt-lang en \\
        --src-file europarl-v7.de-en.de --tgt-file europarl-v7.de-en.en --out-dir WORK [options]

``prepare`` writes into ``--out-dir``: ``text/{train,valid}.{src,tgt}`` (tokenized, one sentence per
line), ``text/{train,valid}.align`` when alignment files were given, ``text/mono.{lang}`` when
monolingual text was asked for, ``dict.{src,tgt}.txt`` (fairseq Dictionary format, counted over train +
monolingual text) and ``preprocess.json``.
"""
import os
import sys
from dataclasses import dataclass, field
from typing import Iterator, List, Optional

from fairseq_xling.text import pipeline
from fairseq_xling.text.dictionary import by_count, count_tokens, write_dict
from fairseq_xling.text.languages import check_lang
from fairseq_xling.text.lines import CorpusError, count_lines, read_lines
from fairseq_xling.text.tokenize import TOKENIZER_KINDS, XlingTokenizer

# ---------------------------------------------------------------------------------------------------
# Readers


def parse_alignment(text: str, path: str, lineno: int, src_len: int, tgt_len: int, swap: bool = False):
    """Parse one Pharaoh line (``i-j i-j ...``) into ``[(i, j), ...]`` with i indexing the source.

    ``swap``: the file's indices are in target-source order; they are swapped to source-target.
    """
    links = []
    for item in text.split():
        parts = item.split("-")
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            raise CorpusError(
                f"{path}:{lineno}: malformed alignment {item!r}; expected 'i-j' with non-negative integers"
            )
        i, j = int(parts[0]), int(parts[1])
        if swap:
            i, j = j, i
        if i >= src_len or j >= tgt_len:
            first, second = ("target", "source") if swap else ("source", "target")
            raise CorpusError(
                f"{path}:{lineno}: alignment {item!r} is out of range; expected indices below the "
                f"sentence lengths ({first} {tgt_len if swap else src_len} words, "
                f"{second} {src_len if swap else tgt_len} words)"
            )
        links.append((i, j))
    return links


def format_alignment(links) -> str:
    return " ".join(f"{i}-{j}" for i, j in links)


@dataclass
class Row:
    """One line of a line-aligned corpus: raw text of both sides and, optionally, the alignment text."""

    lineno: int
    src: str
    tgt: str
    align: Optional[str] = None


ENCODING_HINT = " (declare the file's encoding with --src-encoding/--tgt-encoding, e.g. latin-1)"


def read_parallel(
    src_path: str,
    tgt_path: str,
    src_encoding: str = "utf-8",
    tgt_encoding: str = "utf-8",
    align_path: Optional[str] = None,
    hint: str = ENCODING_HINT,
) -> Iterator[Row]:
    """Yield the rows of line-aligned files, stopping with an error if their line counts differ.

    ``hint`` ends the message of an encoding error: how the calling pipeline declares an encoding.
    """
    paths = [src_path, tgt_path] + ([align_path] if align_path else [])
    readers = [read_lines(src_path, src_encoding, hint), read_lines(tgt_path, tgt_encoding, hint)]
    if align_path:
        readers.append(read_lines(align_path, "ascii"))
    while True:
        items = [next(reader, None) for reader in readers]
        if all(item is None for item in items):
            return
        if any(item is None for item in items):
            done = [p for p, item in zip(paths, items) if item is None]
            lineno = next(item[0] for item in items if item is not None)
            counts = ", ".join(f"{p} has {count_lines(p)} lines" for p in paths)
            raise CorpusError(
                f"{done[0]}:{lineno}: missing line {lineno}; expected line-aligned files with the same "
                f"number of lines ({counts})"
            )
        yield Row(items[0][0], items[0][1], items[1][1], items[2][1] if align_path else None)


# ---------------------------------------------------------------------------------------------------
# Prepare: select, tokenize, split, count


@dataclass
class Pair:
    lineno: int
    src: str  # tokenized
    tgt: str
    align: Optional[str] = None  # "i-j ..." in source-target order


@dataclass
class Collected:
    pairs: List[Pair] = field(default_factory=list)
    dropped_empty: int = 0
    first_dropped: Optional[int] = None
    next_row: int = 0  # rows consumed (1-based line number of the last consumed row)


class Preparer(pipeline.Preparer):
    """Turns the user's input files into tokenized train/valid/mono text, dictionaries and metadata."""

    name = "europarl"

    def __init__(self, args):
        super().__init__(args)
        kind = args.tokenizer
        self.src_tok = XlingTokenizer(args.src_lang, kind, args.lowercase)
        self.tgt_tok = XlingTokenizer(args.tgt_lang, kind, args.lowercase)
        self.swap_align = args.align_langs == f"{args.tgt_lang}-{args.src_lang}"

    def _checked_pairs(self, rows: List[Row], src_path: str, tgt_path: str, align_path: Optional[str]):
        """Tokenize rows, drop pairs with an empty side, check alignments against token counts."""
        src_toks = pipeline.tokenize_all(self.src_tok, [r.src for r in rows], self.args.workers)
        tgt_toks = pipeline.tokenize_all(self.tgt_tok, [r.tgt for r in rows], self.args.workers)
        pairs, dropped = [], []
        for row, src, tgt in zip(rows, src_toks, tgt_toks):
            if not src or not tgt:
                dropped.append(row.lineno)
                continue
            align = None
            if align_path is not None:
                links = parse_alignment(
                    row.align, align_path, row.lineno, len(src.split()), len(tgt.split()), self.swap_align
                )
                align = format_alignment(links)
            pairs.append(Pair(row.lineno, src, tgt, align))
        if dropped:
            self.log(
                f"dropped {len(dropped)} pairs with an empty side from {src_path} / {tgt_path} "
                f"({pipeline.lines_note(dropped)})"
            )
        return pairs, len(dropped)

    def _files(self, split: str) -> str:
        a = self.args
        if split == "valid" and a.valid_src_file:
            return f"{a.valid_src_file} / {a.valid_tgt_file}"
        return f"{a.src_file} / {a.tgt_file}"

    def _drop_long(self, train: List[Pair], valid: List[Pair]):
        """Drop training pairs over --max-len tokens on a side or over --max-len-ratio; valid pairs are only
        counted. Returns (kept training pairs, number dropped)."""
        a = self.args
        if not a.max_len and not a.max_len_ratio:
            return train, 0
        limit = pipeline.length_limit(a.max_len, a.max_len_ratio, "tokens")
        kept = train
        for split, pairs in (("train", train), ("valid", valid)):
            mask = pipeline.length_mask([p.src for p in pairs], [p.tgt for p in pairs], a.max_len, a.max_len_ratio)
            long = [p.lineno for p, m in zip(pairs, mask) if not m]
            if split == "train":
                kept = [p for p, m in zip(pairs, mask) if m]
            if long:
                what = "dropped" if split == "train" else "kept (valid pairs are never dropped)"
                self.log(f"{len(long)} {split} pairs {limit} in {self._files(split)} {what} "
                         f"({pipeline.lines_note(long)})")
        if not kept:
            raise CorpusError(f"{a.src_file}:1: no training pair is left after the length filter ({limit}); "
                              f"expected a larger --max-len or --max-len-ratio (0 turns a filter off)")
        return kept, len(train) - len(kept)

    def _read_rows(self, src_path, tgt_path, align_path, limit: int, mono_rows: int):
        """Read all rows (checking the whole files); keep the first ``limit`` rows with both sides
        non-empty (0 = all) and the ``mono_rows`` source + ``mono_rows`` target lines that follow."""
        a = self.args
        kept: List[Row] = []
        mono_src: List[str] = []
        mono_tgt: List[str] = []
        n_nonempty = 0
        total = 0
        for row in read_parallel(src_path, tgt_path, a.src_encoding, a.tgt_encoding, align_path):
            total = row.lineno
            if limit == 0 or n_nonempty < limit:
                kept.append(row)
                if row.src.strip() and row.tgt.strip():
                    n_nonempty += 1
            elif len(mono_src) < mono_rows:
                # monolingual lines come after the parallel range; the target side takes the next block
                # so that the two monolingual texts are not translations of each other
                if row.src.strip():
                    mono_src.append(row.src)
            elif len(mono_tgt) < mono_rows:
                if row.tgt.strip():
                    mono_tgt.append(row.tgt)
        if mono_rows and (len(mono_src) < mono_rows or len(mono_tgt) < mono_rows):
            short, got = (src_path, len(mono_src)) if len(mono_src) < mono_rows else (tgt_path, len(mono_tgt))
            raise CorpusError(
                f"{short}:{total}: only {got} non-empty monolingual lines after the first {limit} parallel "
                f"pairs; --mono-lines {mono_rows} expects {mono_rows} source lines and then {mono_rows} "
                f"target lines after the parallel range"
            )
        return kept, mono_src, mono_tgt

    def prepare(self) -> dict:
        a = self.args
        if a.align_file and a.tokenizer != "none":
            raise CorpusError(
                f"{a.align_file}:1: alignment indices refer to the words of pre-tokenized text; "
                f"expected --pretokenized (tokenizer 'none') when alignment files are given"
            )
        if a.mono_lines and not a.max_pairs:
            raise CorpusError(
                f"{a.src_file}:1: --mono-lines takes lines after the parallel range; expected --max-pairs N"
            )

        for path, encoding, option in ((a.src_file, a.src_encoding, "--src-encoding"),
                                       (a.tgt_file, a.tgt_encoding, "--tgt-encoding"),
                                       (a.valid_src_file, a.src_encoding, "--src-encoding"),
                                       (a.valid_tgt_file, a.tgt_encoding, "--tgt-encoding"),
                                       *((m, a.mono_encoding, "--mono-encoding")
                                         for m in (a.mono_src_file or []) + (a.mono_tgt_file or []))):
            if path:
                self.warn_if_misread(path, encoding, option)
        rows, mono_src_raw, mono_tgt_raw = self._read_rows(
            a.src_file, a.tgt_file, a.align_file, a.max_pairs, a.mono_lines
        )
        pairs, dropped = self._checked_pairs(rows, a.src_file, a.tgt_file, a.align_file)
        if a.valid_src_file:
            valid_rows, _, _ = self._read_rows(
                a.valid_src_file, a.valid_tgt_file, a.valid_align_file, a.valid_pairs, 0
            )
            valid, dropped_valid = self._checked_pairs(
                valid_rows, a.valid_src_file, a.valid_tgt_file, a.valid_align_file
            )
            train = pairs
            dropped += dropped_valid
            if not valid:
                raise CorpusError(f"{a.valid_src_file}:1: no non-empty pairs; expected at least one")
        else:
            if len(pairs) < 2:
                raise CorpusError(
                    f"{a.src_file}:1: {len(pairs)} non-empty pairs; expected at least 2 to split train/valid"
                )
            n_valid = min(len(pairs) - 1, max(1, round(len(pairs) * a.valid_ratio)))
            train, valid = pairs[: len(pairs) - n_valid], pairs[len(pairs) - n_valid :]

        train, dropped_long = self._drop_long(train, valid)
        seen_src, seen_tgt = {p.src for p in train}, {p.tgt for p in train}
        in_train = [p.src in seen_src or p.tgt in seen_tgt for p in valid]
        keep = self.report_overlap(a.valid_src_file or a.src_file, f"valid pairs in {self._files('valid')}",
                                   in_train, [p.lineno for p in valid], " (either side)")
        valid = [p for p, k in zip(valid, keep) if k]
        has_align = a.align_file is not None
        if has_align and a.valid_src_file and not a.valid_align_file:
            raise CorpusError(f"{a.valid_src_file}:1: train has alignments; expected --valid-align-file too")
        for split, split_pairs in (("train", train), ("valid", valid)):
            self.write_text(f"{split}.{a.src_lang}", (p.src for p in split_pairs))
            self.write_text(f"{split}.{a.tgt_lang}", (p.tgt for p in split_pairs))
            if has_align:
                self.write_text(f"{split}.align", (p.align for p in split_pairs))

        self.add_training_lines(a.src_lang, (p.src for p in train))
        self.add_training_lines(a.tgt_lang, (p.tgt for p in train))
        counts = {"train": len(train), "valid": len(valid), "dropped_empty": dropped, "dropped_long": dropped_long,
                  "valid_in_train": sum(in_train)}
        mono_files = {}
        for lang, tok, from_release, extra in (
            (a.src_lang, self.src_tok, mono_src_raw, a.mono_src_file),
            (a.tgt_lang, self.tgt_tok, mono_tgt_raw, a.mono_tgt_file),
        ):
            lines = list(from_release)
            for path in extra or []:
                lines.extend(text for _, text in read_lines(path, a.mono_encoding) if text.strip())
            if not lines:
                continue
            toks = [t for t in pipeline.tokenize_all(tok, lines, a.workers) if t]
            mono_files[lang] = self.write_text(f"mono.{lang}", toks)
            self.add_training_lines(lang, toks)
            counts[f"mono.{lang}"] = len(toks)
        self.log_counts(counts)

        # vocabulary: parallel train text + monolingual text, so that mono-only words get an entry
        src_counts = count_tokens(p.src for p in train)
        tgt_counts = count_tokens(p.tgt for p in train)
        for lang, counter in ((a.src_lang, src_counts), (a.tgt_lang, tgt_counts)):
            if lang in mono_files:
                with open(mono_files[lang], encoding="utf-8") as f:
                    counter.update(count_tokens(f))
        if a.joined:
            joined = src_counts + tgt_counts
            src_counts = tgt_counts = joined
        n_src = write_dict(by_count(src_counts, a.min_count), os.path.join(a.out_dir, f"dict.{a.src_lang}.txt"))
        n_tgt = write_dict(by_count(tgt_counts, a.min_count), os.path.join(a.out_dir, f"dict.{a.tgt_lang}.txt"))
        self.log(f"vocabulary (min count {a.min_count}): {a.src_lang} {n_src}, {a.tgt_lang} {n_tgt} types")

        return {
            "layout": a.layout,
            "src": a.src_lang,
            "tgt": a.tgt_lang,
            "tokenizer": a.tokenizer,
            "lowercase": a.lowercase,
            "joined_dictionary": a.joined,
            "min_count": a.min_count,
            "max_len": a.max_len,
            "max_len_ratio": a.max_len_ratio,
            "drop_overlap": a.drop_overlap,
            "counts": counts,
            "vocab": {a.src_lang: n_src, a.tgt_lang: n_tgt},
            "aligner": f"given ({os.path.basename(a.align_file)})" if has_align else a.aligner,
            "inputs": {
                "train": [a.src_file, a.tgt_file] + ([a.align_file] if has_align else []),
                "valid": [f for f in (a.valid_src_file, a.valid_tgt_file, a.valid_align_file) if f]
                or f"split {a.valid_ratio}",
                "mono": {a.src_lang: a.mono_src_file or [], a.tgt_lang: a.mono_tgt_file or []},
                "max_pairs": a.max_pairs,
                "mono_lines": a.mono_lines,
            },
        }


# ---------------------------------------------------------------------------------------------------
# CLI


def _build_parser():
    parser = pipeline.command_parser("fairseq_xling.text.corpus", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    langs = sub.add_parser("check-langs", help="stop unless every argument is an ISO 639-1 or 639-3 code")
    langs.add_argument("codes", nargs="+")
    langs.set_defaults(run=_check_langs)

    p = sub.add_parser("prepare", help="check, select, tokenize and split a parallel corpus")
    p.add_argument("--src-lang", required=True)
    p.add_argument("--tgt-lang", required=True)
    p.add_argument("--src-file", required=True)
    p.add_argument("--tgt-file", required=True)
    p.add_argument("--align-file", help="Pharaoh 'i-j' alignments for --src-file/--tgt-file")
    p.add_argument("--align-langs", help="order of the alignment indices, e.g. de-en (default: SRC-TGT)")
    p.add_argument("--src-encoding", default="utf-8")
    p.add_argument("--tgt-encoding", default="utf-8")
    p.add_argument("--valid-src-file")
    p.add_argument("--valid-tgt-file")
    p.add_argument("--valid-align-file")
    p.add_argument("--valid-pairs", type=int, default=0, help="first M non-empty pairs of the valid files (0 = all)")
    p.add_argument("--valid-ratio", type=float, default=0.1, help="valid share when no valid files are given")
    p.add_argument("--max-pairs", type=int, default=0, help="first N non-empty pairs (0 = all)")
    p.add_argument("--max-len", type=int, default=250,
                   help="drop training pairs with more tokens on a side (0: no limit)")
    p.add_argument("--drop-overlap", action="store_true", help="drop valid pairs with a side that is a training line")
    p.add_argument("--max-len-ratio", type=float, default=0.0,
                   help="drop training pairs whose longer side has more than R times the tokens of the shorter")
    p.add_argument("--mono-lines", type=int, default=0,
                   help="monolingual lines per language taken after the parallel range")
    p.add_argument("--mono-src-file", action="append", help="extra monolingual source-language text")
    p.add_argument("--mono-tgt-file", action="append", help="extra monolingual target-language text")
    p.add_argument("--mono-encoding", default="utf-8")
    p.add_argument("--tokenizer", default="moses", choices=TOKENIZER_KINDS)
    p.add_argument("--lowercase", action="store_true")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--joined", action="store_true")
    p.add_argument("--aligner", default="none", help="aligner name recorded in preprocess.json")
    p.add_argument("--layout", default="europarl")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out-dir", required=True)
    p.set_defaults(run=_prepare)
    return parser


def _check_langs(args):
    for code in args.codes:
        check_lang(code)


def _prepare(args):
    check_lang(args.src_lang, "--src")
    check_lang(args.tgt_lang, "--tgt")
    if args.src_lang == args.tgt_lang:
        raise CorpusError(f"--src/--tgt: both are {args.src_lang!r}; expected two different languages")
    if args.align_langs is None:
        args.align_langs = f"{args.src_lang}-{args.tgt_lang}"
    elif args.align_langs not in (f"{args.src_lang}-{args.tgt_lang}", f"{args.tgt_lang}-{args.src_lang}"):
        raise CorpusError(
            f"--align-langs: {args.align_langs!r}; expected {args.src_lang}-{args.tgt_lang} "
            f"or {args.tgt_lang}-{args.src_lang}"
        )
    Preparer(args).run()


def main(argv=None) -> int:
    return pipeline.run_command(_build_parser(), lambda args: args.run(args), argv)

if __name__ == "__main__":
    sys.exit(main())
