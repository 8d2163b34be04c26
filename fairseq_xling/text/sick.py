"""SICK (Marelli et al. 2014, ``SICK.txt``: TSV with a header, CRLF) -> the NLI format of ``multilingual.sh --nli``:
``premise<TAB>hypothesis<TAB>label`` a line, label entailment | neutral | contradiction.

The ``SemEval_set`` column splits the pairs: TRAIN -> ``--train-out``, TRIAL -> ``--valid-out``; TEST is held out
and never written (its rows are only counted).

CLI (each output written atomically: a temporary file next to it, renamed when complete)::

    python -m fairseq_xling.text.sick ../shared/data/sick/SICK.txt --train-out sick.train.tsv \\
        --valid-out sick.valid.tsv
"""
import os
import sys
from typing import Dict, List, Tuple

from fairseq_xling.text import pipeline
from fairseq_xling.text.lines import CorpusError, read_lines
from fairseq_xling.text.streams import NLI_LABELS

COLUMNS = ("sentence_A", "sentence_B", "entailment_label", "SemEval_set")
SPLITS = {"TRAIN": "train", "TRIAL": "valid", "TEST": None}  # TEST: held out


def read_sick_rows(path: str, splits=("TRAIN", "TRIAL")) -> Dict[str, List[Tuple[str, str, str]]]:
    """SemEval_set name -> its (premise, hypothesis, label) rows, for the ``splits`` asked for (TRAIN, TRIAL),
    sentences with their whitespace collapsed and labels lowercased. TEST rows are held out: skipped after their
    SemEval_set column, their sentences and labels never parsed. CorpusError naming FILE:LINE on bad input."""
    held = [s for s in splits if SPLITS.get(s, "") is None or s not in SPLITS]
    if held:
        raise CorpusError(f"{path}: SICK split {held[0]!r}: only TRAIN (training) and TRIAL (dev) are read; TEST "
                          f"is held out")
    rows = read_lines(path)
    _, header = next(rows, (1, ""))
    names = header.split("\t")
    missing = [c for c in COLUMNS if c not in names]
    if names[0].strip() != "pair_ID" or missing:
        raise CorpusError(f"{path}:1: expected SICK's header (pair_ID, {', '.join(COLUMNS)}, ...)"
                          + (f"; missing {', '.join(missing)}" if missing else ""))
    index = [names.index(c) for c in COLUMNS]
    out: Dict[str, List[Tuple[str, str, str]]] = {s: [] for s in splits}
    for lineno, text in rows:
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) != len(names):
            raise CorpusError(f"{path}:{lineno}: {len(fields)} tab-separated fields; expected {len(names)} as in "
                              f"the header")
        split = fields[index[3]].strip()
        if split not in SPLITS:
            raise CorpusError(f"{path}:{lineno}: SemEval_set {split!r}; expected one of {', '.join(SPLITS)}")
        if split not in out:
            continue  # another split (TEST: held out, never looked at)
        premise, hypothesis, label = (" ".join(fields[k].split()) for k in index[:3])
        if label.lower() not in NLI_LABELS:
            raise CorpusError(f"{path}:{lineno}: entailment_label {label!r}; expected one of "
                              f"{', '.join(name.upper() for name in NLI_LABELS)}")
        if not premise or not hypothesis:
            raise CorpusError(f"{path}:{lineno}: an empty sentence; expected sentence_A and sentence_B")
        out[split].append((premise, hypothesis, label.lower()))
    return out


def read_sick(path: str) -> Dict[str, List[str]]:
    """{"train": [...], "valid": [...]}: the NLI lines (``premise<TAB>hypothesis<TAB>label``) of TRAIN and TRIAL."""
    rows = read_sick_rows(path)
    out = {SPLITS[split]: ["\t".join(row) for row in split_rows] for split, split_rows in rows.items()}
    if not out["train"]:
        raise CorpusError(f"{path}: no TRAIN row; expected SICK with its SemEval_set column")
    print(f"[sick] {path}: train {len(out['train'])}, valid {len(out['valid'])} (TEST held out, not read)",
          file=sys.stderr)
    return out


def write_atomic(path: str, lines: List[str]):
    """Write ``lines`` to ``path`` through a temporary file in the same folder (renamed when complete)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp.{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for line in lines:
                f.write(line + "\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _run(args):
    out = read_sick(args.input)
    if args.valid_out and not out["valid"]:
        raise CorpusError(f"{args.input}: no TRIAL row; expected validation pairs for --valid-out")
    write_atomic(args.train_out, out["train"])
    if args.valid_out:
        write_atomic(args.valid_out, out["valid"])


def main(argv=None) -> int:
    parser = pipeline.command_parser("fairseq_xling.text.sick", __doc__)
    parser.add_argument("input", help="SICK.txt")
    parser.add_argument("--train-out", required=True, help="TRAIN rows")
    parser.add_argument("--valid-out", help="TRIAL rows")
    return pipeline.run_command(parser, _run, argv)


if __name__ == "__main__":
    sys.exit(main())
