"""results.jsonl (+ train_times.txt) of examples/distill/run.sh -> the markdown tables of its README.

Retrieval: P@1 (cosine, every dev pair a candidate) per set and language, X->en / en->X. STS: Spearman x 100.
Cells are means over the seeds of a model (rows carry ``seed``; rows without one count as seed 1); the mean column
has the spread over seeds (``mean ± std (seeds)``) of the model's mean score, and train time is the mean over its
runs (``train_times.txt`` lines ``MODEL-sSEED: SECONDS s``).
"""
import statistics
import sys
from collections import defaultdict

from fairseq_xling.evaluation.report import read_rows, read_times, seeds_cell

MODELS = {"teacher": "teacher (use-m3)", "distill": "BiLSTM-avg student, distilled (pairs + English text)",
          "distill_pairs": "BiLSTM-avg student, distilled (pairs only)",
          "baseline": "BiLSTM-avg student, similarity objective", "laser": "LASER-encoder student, distilled",
          "transformer": "Transformer student (dual encoder), distilled",
          "transformer_ranking": "Transformer student (dual encoder), ranking objective"}


def collect(rows):
    """-> retrieval[(model, set)][seed][direction] = P@1 x 100, sts[model][seed][lang] = Spearman."""
    retrieval = defaultdict(lambda: defaultdict(dict))
    sts = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        seed = r.get("seed") or 1
        if r["task"] == "retrieval":
            retrieval[r["model"], r["set"]][seed][r["direction"]] = 100 * r["p@1"]
        elif r["task"] == "sts":
            sts[r["model"]][seed][r["lang"]] = r["spearman"]
    return retrieval, sts


def mean_over_seeds(by_seed, key):
    values = [scores[key] for scores in by_seed.values() if key in scores]
    return statistics.mean(values) if values else None


def train_time(times, model):
    """Mean seconds over the model's runs (``distill-s1: 1843 s``; older files name the model alone)."""
    seconds = [float(value.split()[0]) for name, value in times.items()
               if name == model or name.rpartition("-s")[0] == model]
    return f"{statistics.mean(seconds):.0f} s" if seconds else "-"


def main(results_path, times_path=None):
    retrieval, sts = collect(read_rows(results_path))
    times = read_times(times_path)
    sets = list(dict.fromkeys(s for _, s in retrieval))
    for name in sets:
        langs = sorted({d.split("->")[0] for (m, s), seeds in retrieval.items() if s == name
                        for dirs in seeds.values() for d in dirs} - {"en"})
        print(f"Retrieval P@1 on {name} (X->en / en->X, all {name} pairs are candidates; mean over seeds)\n")
        print("| model | " + " | ".join(langs) + " | mean ± std (seeds) |")
        print("|---|" + "---|" * (len(langs) + 1))
        for model, label in MODELS.items():
            by_seed = retrieval.get((model, name))
            if not by_seed:
                continue
            cells = []
            for lang in langs:
                pair = [mean_over_seeds(by_seed, f"{lang}->en"), mean_over_seeds(by_seed, f"en->{lang}")]
                cells.append(" / ".join("-" if v is None else f"{v:.1f}" for v in pair))
            means = [statistics.mean(dirs.values()) / 100 for dirs in by_seed.values()]
            print(f"| {label} | " + " | ".join(cells) + f" | {seeds_cell(means)} |")
        print()
    langs = list(dict.fromkeys(lang for seeds in sts.values() for scores in seeds.values() for lang in scores))
    print("STS Benchmark dev (stsb_multi_mt), Spearman x 100 of the cosine, mean over seeds\n")
    print("| model | " + " | ".join(langs) + " | mean ± std (seeds) | train time |")
    print("|---|" + "---|" * (len(langs) + 2))
    for model, label in MODELS.items():
        by_seed = sts.get(model)
        if not by_seed:
            continue
        cells = []
        for lang in langs:
            value = mean_over_seeds(by_seed, lang)
            cells.append("-" if value is None else f"{value:.1f}")
        means = [statistics.mean(scores.values()) / 100 for scores in by_seed.values()]
        print(f"| {label} | " + " | ".join(cells) + f" | {seeds_cell(means)} | {train_time(times, model)} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
