"""Reading what the example experiments write, for their tables: ``xling-eval``'s JSON lines (tagged with the
model and the data set) and ``name: seconds`` training-time lines."""
import json
import logging
import statistics
import sys
from collections import defaultdict
from typing import Dict, List, Mapping, Optional, Sequence


def read_rows(path: str) -> List[dict]:
    """The JSON rows of a results file; a line that is not one stops the table with its file and line number."""
    rows = []
    for number, line in enumerate(_lines(path), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"error: {path}:{number}: expected one JSON row per line ({e.msg})")
    return rows


def _lines(path: str) -> List[str]:
    """The lines of a file the experiment wrote; a missing or unreadable one stops the table with its name."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.readlines()
    except (OSError, UnicodeDecodeError) as e:
        sys.exit(f"error: {path}: cannot read it ({getattr(e, 'strerror', None) or e})")


def read_times(path: Optional[str]) -> Dict[str, str]:
    """``name: 1234 s`` lines -> {name: "1234 s"} (the last line of a name wins; no path: empty)."""
    times = {}
    for line in _lines(path) if path else []:
        name, _, seconds = line.partition(":")
        if name.strip():
            times[name.strip()] = seconds.strip()
    return times


def seeds_cell(values: Sequence[float], scale: float = 100.0, digits: int = 1) -> str:
    """Scores of one setting over seeds -> ``mean ± std (n)`` (``mean (1)`` for one seed, ``-`` for none)."""
    values = [scale * v for v in values]
    if not values:
        return "-"
    spread = f" ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.{digits}f}{spread} ({len(values)})"


def scores_by_seed(rows: Sequence[dict], task: str, column: str, value: str, scale: float = 1.0):
    """The rows of one ``xling-eval`` task -> {(model, set): {seed: {row[column]: scale * row[value]}}}. The seed is
    the row's ``train_seed``, else its ``seed`` (some commands write a ``seed`` of their own, e.g. ``eigen``'s
    sampling seed, so the example scripts tag rows with ``train_seed``); rows without one (one-seed runs,
    references) count as seed 1."""
    scores = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        if r["task"] == task:
            seed = r["train_seed"] if "train_seed" in r else r.get("seed")
            scores[r["model"], r.get("set")][seed or 1][r[column]] = scale * r[value]
    return scores


def mean_over_seeds(by_seed: Mapping[int, Mapping[str, float]], key: str) -> Optional[float]:
    """The mean over seeds of one column (None when no seed has it)."""
    values = [scores[key] for scores in by_seed.values() if key in scores]
    return statistics.mean(values) if values else None


def train_time(times: Mapping[str, str], model: str) -> str:
    """Mean seconds over the model's runs in ``read_times`` output (``MODEL-sSEED: 1843 s``; a model alone)."""
    seconds = [float(value.split()[0]) for name, value in times.items()
               if name == model or name.rpartition("-s")[0] == model]
    return f"{statistics.mean(seconds):.0f} s" if seconds else "-"


def print_retrieval_table(scores, data_set: str, labels: Mapping[str, str]):
    """One markdown table of ``scores_by_seed(rows, "retrieval", "direction", "p@1", 100)`` for one data set: a
    row per model of ``labels`` (in that order), X->en / en->X per language (means over seeds), and the model's
    mean with its spread over seeds."""
    langs = sorted({d.split("->")[0] for (m, s), seeds in scores.items() if s == data_set
                    for dirs in seeds.values() for d in dirs} - {"en"})

    def cell(by_seed, lang):
        pair = [mean_over_seeds(by_seed, f"{lang}->en"), mean_over_seeds(by_seed, f"en->{lang}")]
        return " / ".join("-" if v is None else f"{v:.1f}" for v in pair)

    print(f"Retrieval P@1 on {data_set} (X->en / en->X, all {data_set} pairs are candidates; mean over seeds)\n")
    _print_rows(scores, data_set, labels, langs, cell)


def print_scores_table(title: str, scores, data_set: Optional[str], labels: Mapping[str, str], digits: int = 1,
                       times: Optional[Mapping[str, str]] = None):
    """One markdown table of ``scores_by_seed`` output for one data set: a row per model of ``labels``, a column
    per key (language, pair; means over seeds), the model's mean with its spread over seeds, and with ``times`` the
    mean training time of its runs."""
    keys = list(dict.fromkeys(k for (m, s), seeds in scores.items() if s == data_set
                              for values in seeds.values() for k in values))

    def cell(by_seed, key):
        value = mean_over_seeds(by_seed, key)
        return "-" if value is None else f"{value:.{digits}f}"

    print(f"{title}\n")
    _print_rows(scores, data_set, labels, keys, cell, digits, times)


def _print_rows(scores, data_set, labels, columns, cell, digits: int = 1, times=None):
    """The header and one row per model of ``labels`` with scores on ``data_set``: ``cell(by_seed, column)`` per
    column, then the mean over every score of a seed with its spread over seeds (and the mean train time)."""
    extra = " train time |" if times is not None else ""
    print("| model | " + " | ".join(columns) + " | mean ± std (seeds) |" + extra)
    print("|---|" + "---|" * (len(columns) + 1 + (times is not None)))
    for model, label in labels.items():
        by_seed = scores.get((model, data_set))
        if not by_seed:
            continue
        means = [statistics.mean(values.values()) for values in by_seed.values()]
        time = f" {train_time(times, model)} |" if times is not None else ""
        print(f"| {label} | " + " | ".join(cell(by_seed, c) for c in columns)
              + f" | {seeds_cell(means, scale=1, digits=digits)} |" + time)
    print()


def pyplot():
    """matplotlib.pyplot for writing image files (no display; matplotlib's debug logging kept quiet: importing
    fairseq sets the root logger to DEBUG)."""
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
