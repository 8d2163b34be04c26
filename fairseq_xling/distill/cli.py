"""``xling-teacher``: compute a teacher's vectors of a data-bin's sentences, once, for distillation.

    xling-teacher DATA_BIN --teacher use-m3 [--langs en] [--splits train,valid,mono] [--batch-size 256] \\
        [--threads 2] [--force]

For every binarised dataset of a listed split and language (``{split}.{L1}-{L2}.{lang}``, fairseq's translation
layout, and ``mono.{lang}``), the sentences are read from the text the pipeline kept in ``DATA_BIN/text/``,
turned back from model tokens into plain text (sub-words joined, words detokenised), encoded by the teacher and
stored by ``store.write_vectors``, row i for sentence i. Vectors that exist and are current are skipped unless
``--force``. A user problem is one ``error:`` line (exit status 1); Ctrl-C leaves no half-written file.
"""
import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from fairseq_xling.distill.store import load_vectors, vectors_path, write_vectors
from fairseq_xling.distill.teachers import Teacher, get_teacher
from fairseq_xling.errors import UserError
from fairseq_xling.text.lines import CorpusError, count_lines, read_lines

PAIR_DATASET = re.compile(r"^(?P<split>[^.]+)\.(?P<src>[^.-]+)-(?P<tgt>[^.-]+)\.(?P<lang>[^.]+)$")
MONO_DATASET = re.compile(r"^mono\.(?P<lang>[^.]+)$")


@dataclass
class Dataset:
    """A binarised dataset of DATA_BIN: ``prefix`` is its file name without .bin/.idx."""

    prefix: str
    split: str
    lang: str


def find_datasets(data_dir: str) -> List[Dataset]:
    """The sentence datasets of a data-bin (pair sides and monolingual text), from its .idx files; alignments
    (``train.align.de-en``), tagging streams and the like do not match the two name patterns."""
    datasets = []
    for name in sorted(os.listdir(data_dir)):
        prefix, ext = os.path.splitext(name)
        if ext != ".idx":
            continue
        pair, mono = PAIR_DATASET.match(prefix), MONO_DATASET.match(prefix)
        if pair and pair["lang"] in (pair["src"], pair["tgt"]):
            datasets.append(Dataset(prefix, pair["split"], pair["lang"]))
        elif mono:
            datasets.append(Dataset(prefix, "mono", mono["lang"]))
    return datasets


def select_datasets(data_dir: str, splits: List[str], langs: Optional[List[str]]) -> List[Dataset]:
    """The datasets of ``splits`` and ``langs`` (None: every language); a UserError listing what the data-bin
    has when nothing, or nothing of a requested language, matches."""
    found = find_datasets(data_dir)
    has = ", ".join(d.prefix for d in found) or "no translation or mono datasets (*.idx)"
    chosen = [d for d in found if d.split in splits and (langs is None or d.lang in langs)]
    if not chosen:
        raise UserError(f"{data_dir}: no dataset of split(s) {','.join(splits)} and language(s) "
                        f"{','.join(langs) if langs else 'any'}; it has: {has}")
    for lang in langs or []:
        if not any(d.lang == lang for d in chosen):
            raise UserError(f"--langs {lang}: {data_dir} has no dataset of {lang} in split(s) {','.join(splits)}; "
                            f"it has: {has}")
    return chosen


def text_file(data_dir: str, dataset: Dataset) -> str:
    """The kept text of a dataset: ``text/{prefix}`` (multilingual pipeline, sub-words) or ``text/{split}.{lang}``
    (europarl pipeline, words; mono text in both)."""
    text_dir = os.path.join(data_dir, "text")
    if not os.path.isdir(text_dir):
        raise UserError(f"{text_dir}: missing; the teacher reads the sentences there, and the pipeline's --no-text "
                        f"removed it: rebuild the data-bin without --no-text")
    candidates = list(dict.fromkeys([dataset.prefix, f"{dataset.split}.{dataset.lang}"]))
    for name in candidates:
        if os.path.isfile(os.path.join(text_dir, name)):
            return os.path.join(text_dir, name)
    raise UserError(f"{os.path.join(data_dir, dataset.prefix)}: no text for it in {text_dir} (expected "
                    f"{' or '.join(candidates)})")


def num_sentences(data_dir: str, dataset: Dataset) -> int:
    """The number of sentences of a binarised dataset, as fairseq reads it (without data_utils' log line)."""
    from fairseq.data import indexed_dataset

    path = os.path.join(data_dir, dataset.prefix)
    impl = indexed_dataset.infer_dataset_impl(path)
    binarised = indexed_dataset.make_dataset(path, impl) if impl in ("mmap", "cached", "lazy", "huffman") else None
    if binarised is None:
        raise UserError(f"{path}.idx: fairseq cannot read it with its .bin as a binarised dataset")
    return len(binarised)


def check_text(text_path: str, idx_path: str, rows: int) -> None:
    """The kept text must have one line per binarised sentence, or row i would not be sentence i."""
    lines = count_lines(text_path)
    if lines != rows:
        raise UserError(f"{text_path} has {lines} lines but {idx_path} has {rows} sentences; the text does not "
                        f"belong to this data-bin (rebuild the data-bin)")


def encode_all(teacher: Teacher, sentences: List[str], batch_size: int, desc: str,
               cache: Dict[str, np.ndarray]) -> np.ndarray:
    """The teacher's vectors of ``sentences``: N x D float16. Each distinct sentence is encoded once per run
    (``cache``: sentence -> vector, shared by the datasets of a run: the English side of a 5-way corpus appears
    in every pair). The progress bar on stderr shows only on a terminal, so that logs get the one-line summaries
    without carriage-return noise."""
    from tqdm import tqdm

    todo = [s for s in dict.fromkeys(sentences) if s not in cache]
    with tqdm(total=len(todo), desc=desc, unit="sent", file=sys.stderr, leave=False, disable=None) as bar:
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            batch_vectors = np.asarray(teacher.encode(batch))  # B x D
            if batch_vectors.shape != (len(batch), teacher.dim):
                raise UserError(f"teacher {teacher.name}: encode() of {len(batch)} texts returned shape "
                                f"{batch_vectors.shape}; expected ({len(batch)}, {teacher.dim})")
            with np.errstate(over="ignore", invalid="ignore"):  # overflow becomes inf, refused by write_vectors
                cache.update(zip(batch, batch_vectors.astype(np.float16)))
            bar.update(len(batch))
    if not sentences:
        return np.empty((0, teacher.dim), dtype=np.float16)
    return np.stack([cache[s] for s in sentences])


def is_current(data_dir: str, teacher: str, dataset: Dataset, rows: int) -> bool:
    """Whether the stored vectors pass every check of ``load_vectors`` (same teacher, same .idx, complete)."""
    try:
        load_vectors(data_dir, teacher, dataset.prefix, rows)
        return True
    except UserError:
        return False


def run(args: argparse.Namespace) -> None:
    from fairseq_xling.data.text_encoder import RawTextEncoder, portable_metadata

    data_dir, spec = args.data_bin, args.teacher.strip()
    if not os.path.isdir(data_dir):
        raise UserError(f"{data_dir}: no such folder; expected a data-bin made by preprocess/")
    splits = [s for s in (x.strip() for x in args.splits.split(",")) if s]
    langs = [s for s in (x.strip() for x in args.langs.split(",")) if s] if args.langs else None
    datasets = select_datasets(data_dir, splits, langs)

    plan = []  # checked before any encoding: a bad text file stops the run before hours of work
    for dataset in datasets:
        rows = num_sentences(data_dir, dataset)
        stored = vectors_path(data_dir, spec, dataset.prefix)
        if not args.force and is_current(data_dir, spec, dataset, rows):
            print(f"{dataset.prefix}: up to date ({stored}); skipped (--force rebuilds it)", flush=True)
            continue
        if not args.force and os.path.exists(stored):
            print(f"{dataset.prefix}: {stored} is stale or incomplete; rebuilding it", file=sys.stderr)
        text_path = text_file(data_dir, dataset)
        check_text(text_path, os.path.join(data_dir, dataset.prefix) + ".idx", rows)
        plan.append((dataset, rows, text_path))
    if not plan:
        return

    try:
        meta = portable_metadata(data_dir)
    except ValueError as e:
        raise UserError(str(e)) from None
    teacher = get_teacher(spec, threads=args.threads)
    encoders: Dict[str, RawTextEncoder] = {}
    cache: Dict[str, np.ndarray] = {}
    for dataset, rows, text_path in plan:
        start = time.time()
        if dataset.lang not in encoders:
            encoders[dataset.lang] = RawTextEncoder(dataset.lang, meta)
        encoder = encoders[dataset.lang]
        sentences = [encoder.decode(line) for _, line in read_lines(text_path)] if rows else []
        known = len(cache)
        vectors = encode_all(teacher, sentences, args.batch_size, dataset.prefix, cache)
        path = write_vectors(data_dir, spec, dataset.prefix, vectors,
                             {"text": os.path.relpath(text_path, data_dir)})
        seconds = time.time() - start
        encoded = len(cache) - known
        print(f"{dataset.prefix}: {rows} rows x {teacher.dim} -> {path} in {seconds:.1f} s ({encoded} distinct "
              f"sentences encoded, {encoded / max(seconds, 1e-9):.0f}/s; the rest seen earlier in this run)",
              flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xling-teacher", description=__doc__.split("\n\n")[0])
    parser.add_argument("data_bin", metavar="DATA_BIN", help="a data-bin made by preprocess/ (with its text/)")
    parser.add_argument("--teacher", required=True, help="use-m3, e5-small, or package.module:attr naming your "
                        "own (a class or function returning an object with dim and encode(texts))")
    parser.add_argument("--langs", help="comma-separated languages (default: every language of the data-bin)")
    parser.add_argument("--splits", default="train,valid,mono", help="comma-separated splits (default: "
                        "train,valid,mono; mono = the mono.{lang} datasets)")
    parser.add_argument("--batch-size", type=int, default=256, help="sentences per call of the teacher")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of the teacher")
    parser.add_argument("--force", action="store_true", help="rebuild vectors that are up to date")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch-size must be >= 1")
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    try:  # the one place user errors are reported: one line, never a traceback (XLING_TRACEBACK=1 shows it)
        run(args)
    except (UserError, CorpusError, OSError) as e:
        if os.environ.get("XLING_TRACEBACK"):
            raise
        parser.exit(1, f"{parser.prog}: error: {e}\n")
    except KeyboardInterrupt:
        parser.exit(130, f"{parser.prog}: interrupted; the datasets reported above are complete, the others were "
                         f"not written\n")


if __name__ == "__main__":
    sys.exit(main())
