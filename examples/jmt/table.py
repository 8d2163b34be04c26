"""results.jsonl of run_ablation.sh -> the markdown table of examples/jmt/README.md.

One row per data size and model: P@1 / P@5 (cosine) in both directions as the mean over seeds, with the range
(min-max) when there are several, and the mean training time. Runs are named ``MODEL-PAIRS[-seedN]``.
"""
import json
import re
import sys
from collections import defaultdict

NAMES = {"sent_avg": "Sent-Avg", "sent_lstm": "Sent-LSTM", "jmt_sent_avg": "JMT-Sent-Avg",
         "jmt_sent_lstm": "JMT-Sent-LSTM", "jmt_sent_lstm_no_mono": "JMT-Sent-LSTM*no-mono"}
SIZES = ("17580", "5000")


def cell(values):
    mean = sum(values) / len(values)
    return f"{100 * mean:.1f}" + (f" ({100 * min(values):.1f}-{100 * max(values):.1f})" if len(values) > 1 else "")


def main(path):
    runs = defaultdict(lambda: defaultdict(dict))  # (model, pairs) -> seed -> {direction: row}
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if row.get("scoring", "cosine") != "cosine":
                continue
            model, pairs, seed = re.fullmatch(r"(\w+)-(\d+)(?:-seed(\d+))?", row["model"]).groups()
            runs[model, pairs][int(seed or 1)][row["direction"]] = row
    print("| parallel pairs | model | seeds | de->en P@1 | en->de P@1 | de->en P@5 | en->de P@5 | train time (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for pairs in SIZES:
        for key, label in NAMES.items():
            seeds = {s: r for s, r in runs[key, pairs].items() if len(r) == 2}
            if not seeds:
                continue
            rows = list(seeds.values())
            cells = [cell([r[d][m] for r in rows]) for m in ("p@1", "p@5") for d in ("de->en", "en->de")]
            seconds = sum(r["de->en"]["train_seconds"] for r in rows) / len(rows)
            print(f"| {int(pairs):,} | {label} | {', '.join(map(str, sorted(seeds)))} | {' | '.join(cells)} | "
                  f"{seconds:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1])
