"""results.jsonl (+ train_times.txt) of examples/dual_encoder/run.sh -> the markdown tables of its README.

Retrieval: P@1 (cosine, every dev pair a candidate), X->en / en->X. Eigen-similarity: Psi (lower = more
isomorphic). STS: Pearson x 100 of the angular similarity (the paper's Table 2 reports Pearson). NLI: accuracy
x 100, trained on SICK en.
"""
import sys
from collections import defaultdict

from fairseq_xling.evaluation.report import read_rows, read_times

LABELS = {"teacher": "use-m3 (reference)", "ranking": "translation ranking only", "multitask": "multi-task"}


def label(model):
    name, _, seed = model.partition("-seed")
    return f"{LABELS.get(name, name)}" + (f", seed {seed}" if seed else "")


def main(results_path, times_path=None):
    rows, times = read_rows(results_path), read_times(times_path)
    models = list(dict.fromkeys(r["model"] for r in rows))
    cells = defaultdict(dict)  # (table, model) -> column -> text
    for r in rows:
        m = r["model"]
        if r["task"] == "retrieval":
            cells["retrieval " + r["set"], m][r["direction"]] = 100 * r["p@1"]
        elif r["task"] == "eigen":
            cells["eigen", m][r["pair"]] = r["psi"]
        elif r["task"] == "sts":
            cells["sts", m][r["lang"]] = r["pearson"]
        elif r["task"] == "nli":
            cells["nli", m][r["test_lang"]] = 100 * r["accuracy"]
    tables = list(dict.fromkeys(t for t, _ in cells))
    for table in tables:
        columns = list(dict.fromkeys(c for (t, _), row in cells.items() if t == table for c in row))
        if table.startswith("retrieval"):
            langs = sorted({c.split("->")[0] for c in columns} - {"en"})
            print(f"Retrieval P@1 on {table[len('retrieval '):]} (X->en / en->X, all pairs are candidates)\n")
            print("| model | " + " | ".join(langs) + " | mean |\n|---|" + "---|" * (len(langs) + 1))
            for m in models:
                row = cells.get((table, m))
                if row:
                    text = [f"{row[f'{lang}->en']:.1f} / {row[f'en->{lang}']:.1f}" for lang in langs]
                    print(f"| {label(m)} | " + " | ".join(text) + f" | {sum(row.values()) / len(row):.1f} |")
        else:
            title = {"eigen": "Eigen-similarity Psi on libreoffice_help valid (lower = more isomorphic)",
                     "sts": "STS Benchmark dev (stsb_multi_mt), Pearson x 100 of the angular similarity",
                     "nli": "Zero-shot NLI: trained on SICK en, encoder frozen; accuracy x 100 on XNLI dev half"}[table]
            print(f"{title}\n")
            extra = " train time (s) |" if table == "sts" else ""
            print("| model | " + " | ".join(columns) + " |" + extra)
            print("|---|" + "---|" * (len(columns) + bool(extra)))
            for m in models:
                row = cells.get((table, m))
                if row:
                    fmt = "{:.3f}" if table == "eigen" else "{:.1f}"
                    text = [fmt.format(row[c]) if c in row else "-" for c in columns]
                    time = f" {times.get(m, '-')} |" if extra else ""
                    print(f"| {label(m)} | " + " | ".join(text) + " |" + time)
        print()


if __name__ == "__main__":
    main(*sys.argv[1:])
