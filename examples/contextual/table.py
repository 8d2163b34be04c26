"""What examples/contextual/run.sh writes (results.jsonl, times.txt) -> the README's tables and the zero-shot plot.

    python examples/contextual/table.py work/contextual/results.jsonl [--times work/contextual/times.txt]
        [--out examples/contextual/results.md] [--plot examples/contextual/zeroshot.png]

Models are named TASK-SCENARIO-KIND-seedN: SCENARIO mono_L (trained on language L; mono_en is the zero-shot model),
jointA (a quarter of every language) or jointB (all of English + the quarters). NER cells are span F1, POS cells token
accuracy (the paper's F1 on gold words), x 100, mean over seeds (min..max, n); a joint cell pairs A and B of the same
seed, so its B - A spread is that of the per-seed differences.
"""
import argparse
import statistics
import sys
from collections import defaultdict

from fairseq_xling.evaluation.report import pyplot, read_rows, read_times

KINDS = {"top": "LASER-top", "elmo": "LASER-elmo", "bow": "BPE-BOW", "gru": "BPE-GRU", "nopre": "LSTM no pretraining",
         "static": "static JMT word vectors"}
LANGS = {"ner": ["en", "nl", "es", "de"], "pos": ["en", "nl", "es", "de", "fr"]}
PAPER_TOP = {"ner": {"nl": 57.8, "de": 61.7, "es": 51.1}, "pos": {"nl": 72.6, "de": 78.1, "es": 71.5}}


def parse_name(model: str):
    """``ner-mono_en-top-seed1`` -> (ner, mono_en, top, 1)."""
    rest, _, seed = model.rpartition("-seed")
    parts = rest.split("-")
    if len(parts) != 3 or not seed.isdigit():
        sys.exit(f"error: model {model!r}: expected a run.sh name, TASK-SCENARIO-KIND-seedN")
    task, scenario, kind = parts
    return task, scenario, kind, int(seed)


def cell(by_seed) -> str:
    values = list(by_seed.values())
    if not values:
        return "-"
    text = f"{100 * statistics.mean(values):.1f}"
    return text + (f" ({100 * min(values):.1f}..{100 * max(values):.1f}, n={len(values)})" if len(values) > 1
                   else " (n=1)")


def collect(rows):
    """(task, scenario, kind) -> lang -> {seed: score}."""
    scores = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        task, scenario, kind, seed = parse_name(row["model"])
        score = row.get("f1") if task == "ner" else row.get("accuracy")
        if score is not None:
            scores[task, scenario, kind][row["lang"]][seed] = score
    return scores


def joint_cell(a, b) -> str:
    """A / B / B - A over the seeds that have both (dicts seed -> score)."""
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return "-"
    diffs = [100 * (b[s] - a[s]) for s in seeds]
    text = (f"{100 * statistics.mean(a[s] for s in seeds):.1f} / {100 * statistics.mean(b[s] for s in seeds):.1f} / "
            f"{statistics.mean(diffs):+.1f}")
    return text + (f" ({min(diffs):+.1f}..{max(diffs):+.1f}, n={len(seeds)})" if len(seeds) > 1 else " (n=1)")


def markdown(title: str, head, rows) -> str:
    """A titled markdown table: HEAD is the column names, ROWS lists of cells."""
    lines = [title + "\n", "| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def zero_shot_table(scores, task):
    langs = LANGS[task]
    title = f"**{task.upper()}, trained on English** (en: in-language dev; the others zero-shot)"
    head = ["features"] + langs
    rows = [[name] + [cell(scores.get((task, "mono_en", kind), {}).get(lang, {})) for lang in langs]
            for kind, name in KINDS.items()]
    rows.append(["paper, LASER-top", "-"] + [str(PAPER_TOP[task].get(lang, "-")) for lang in langs[1:]])
    mono_langs = [lang for lang in langs[1:] if any((task, f"mono_{lang}", kind) in scores for kind in KINDS)]
    if mono_langs:  # one more column, for the languages trained on their own training set
        title += "; monolingual = trained on that language's own training set"
        head.append("monolingual " + " / ".join(mono_langs))
        for row, kind in zip(rows, KINDS):
            row.append(" / ".join(cell(scores.get((task, f"mono_{lang}", kind), {}).get(lang, {}))
                                  for lang in mono_langs))
        rows[-1].append("")  # the paper's row
    return markdown(title, head, rows)


def joint_table(scores, task):
    langs = [lang for lang in LANGS[task] if any((task, "jointA", k) in scores and lang in scores[task, "jointA", k]
                                                 for k in KINDS)]
    title = (f"**{task.upper()}, joint training** (A: a quarter of each language; B: all of English + the same "
             f"quarters): A / B / B - A per language")
    if not langs:
        return title + ": no runs yet"
    rows = []
    for kind, name in KINDS.items():
        a, b = scores.get((task, "jointA", kind), {}), scores.get((task, "jointB", kind), {})
        if a or b:
            rows.append([name] + [joint_cell(a.get(lang, {}), b.get(lang, {})) for lang in langs])
    return markdown(title, ["features"] + langs, rows)


def plot(scores, path):
    plt = pyplot()

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, task in zip(axes, ("ner", "pos")):
        langs = LANGS[task][1:]
        width = 0.8 / len(KINDS)
        for k, (kind, name) in enumerate(KINDS.items()):
            zero = scores.get((task, "mono_en", kind), {})
            values = [list(zero.get(lang, {}).values()) for lang in langs]
            means = [100 * statistics.mean(v) if v else 0 for v in values]
            errs = [[m - 100 * min(v) if v else 0 for m, v in zip(means, values)],
                    [100 * max(v) - m if v else 0 for m, v in zip(means, values)]]
            ax.bar([i + k * width for i in range(len(langs))], means, width, yerr=errs, label=name, capsize=2)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(langs))], langs)
        ax.set_title(f"{task.upper()} zero-shot from English ({'span F1' if task == 'ner' else 'accuracy'})")
        ax.set_ylim(0, 100)
    axes[0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results")
    parser.add_argument("--times")
    parser.add_argument("--out")
    parser.add_argument("--plot")
    args = parser.parse_args(argv)
    scores = collect(read_rows(args.results))
    parts = [zero_shot_table(scores, task) for task in ("ner", "pos")]
    parts += [joint_table(scores, task) for task in ("ner", "pos")]
    times = read_times(args.times)
    if times:
        parts.append(markdown("Training time per run (one thread, two runs side by side on 2 cores):",
                              ["model", "time"], [list(item) for item in sorted(times.items())]))
    text = "\n\n".join(parts) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    if args.plot:
        plot(scores, args.plot)


if __name__ == "__main__":
    main()
