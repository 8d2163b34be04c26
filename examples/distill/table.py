"""results.jsonl (+ train_times.txt) of examples/distill/run.sh -> the markdown tables of its README.

Retrieval: P@1 (cosine, every dev pair a candidate) per set and language, X->en / en->X. STS: Spearman x 100.
"""
import sys
from collections import defaultdict

from fairseq_xling.evaluation.report import read_rows, read_times

MODELS = {"teacher": "teacher (use-m3)", "distill": "BiLSTM-avg student, distilled",
          "baseline": "BiLSTM-avg student, similarity objective", "laser": "LASER-encoder student, distilled",
          "transformer": "Transformer student (dual encoder), distilled",
          "transformer_ranking": "Transformer student (dual encoder), ranking objective"}


def main(results_path, times_path=None):
    rows, times = read_rows(results_path), read_times(times_path)
    retrieval = defaultdict(dict)  # (model, set) -> direction -> P@1
    sts = defaultdict(dict)  # model -> lang -> spearman
    for r in rows:
        if r["task"] == "retrieval":
            retrieval[r["model"], r["set"]][r["direction"]] = 100 * r["p@1"]
        elif r["task"] == "sts":
            sts[r["model"]][r["lang"]] = r["spearman"]
    sets = list(dict.fromkeys(s for _, s in retrieval))
    for name in sets:
        langs = sorted({d.split("->")[0] for (m, s), dirs in retrieval.items() if s == name for d in dirs} - {"en"})
        print(f"Retrieval P@1 on {name} (X->en / en->X, all {name} pairs are candidates)\n")
        print("| model | " + " | ".join(f"{lang}" for lang in langs) + " | mean |")
        print("|---|" + "---|" * (len(langs) + 1))
        for model, label in MODELS.items():
            dirs = retrieval.get((model, name))
            if not dirs:
                continue
            cells = [f"{dirs[f'{lang}->en']:.1f} / {dirs[f'en->{lang}']:.1f}" for lang in langs]
            mean = sum(dirs.values()) / len(dirs)
            print(f"| {label} | " + " | ".join(cells) + f" | {mean:.1f} |")
        print()
    langs = list(dict.fromkeys(lang for m in sts.values() for lang in m))
    print("STS Benchmark dev (stsb_multi_mt), Spearman x 100 of the cosine\n")
    print("| model | " + " | ".join(langs) + " | train time (s) |")
    print("|---|" + "---|" * (len(langs) + 1))
    for model, label in MODELS.items():
        if model in sts:
            cells = [f"{sts[model][lang]:.1f}" if lang in sts[model] else "-" for lang in langs]
            print(f"| {label} | " + " | ".join(cells) + f" | {times.get(model, '-')} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
