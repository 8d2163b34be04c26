"""results.jsonl of examples/mlmt/run.py -> the markdown tables of examples/mlmt/README.md (+ Figure 3 plot).

    python examples/mlmt/table.py work/mlmt/results.jsonl [--plot examples/mlmt/lowres.png] [--curve curve.png]

Cells are the mean span F1 (%) over seeds, with the standard deviation and the number of seeds.
"""
import argparse
import json
import statistics
from collections import defaultdict

from fairseq_xling.evaluation.report import pyplot, seeds_cell

LOWRES = ["baseline", "cross_task", "cross_lingual", "full"]
ABLATION = ["basic", "+C", "+CL", "+CLS", "+CLSH"]


cell = seeds_cell


def grouped(rows, sweep):
    by = defaultdict(list)
    for r in rows:
        if r["sweep"] == sweep:
            by[r["setting"], str(r["size"])].append(r)
    return by


def table(by, settings, sizes, label):
    lines = [f"| {label} | " + " | ".join(str(s) for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for setting in settings:
        lines.append(f"| {setting} | " + " | ".join(cell([r["f1"] for r in by.get((setting, str(s)), [])])
                                                   for s in sizes) + " |")
    return "\n".join(lines)


def present(by, settings):
    """The settings with results, each followed by its pretrained-vectors variant (+w2v) if any."""
    have = {setting for setting, _ in by}
    return [name for setting in settings for name in (setting, setting + "+w2v") if name in have]


def sizes_of(by):
    return sorted({int(size) for _, size in by if size.isdigit()})


def plot(by, path):
    plt = pyplot()

    sizes = sizes_of(by)
    position = {size: i for i, size in enumerate(sizes)}  # evenly spaced, as the paper's scaled axis
    fig, ax = plt.subplots(figsize=(7, 3.8))
    colours = {}
    for setting in present(by, LOWRES):
        points = [(s, [100 * r["f1"] for r in by.get((setting, str(s)), [])]) for s in sizes]
        points = [(s, v) for s, v in points if v]
        if not points:
            continue
        xs = [position[s] for s, _ in points]
        means = [statistics.mean(v) for _, v in points]
        errs = [statistics.stdev(v) if len(v) > 1 else 0 for _, v in points]
        base = setting.removesuffix("+w2v")  # a +w2v variant: dashed, in its setting's colour
        line = ax.errorbar(xs, means, yerr=errs, marker="o", capsize=3, label=setting.replace("_", "-"),
                           color=colours.get(base), linestyle="--" if base != setting else "-")
        colours.setdefault(base, line[0].get_color())
    ax.set_xticks(range(len(sizes)))
    ax.set_xticklabels([str(s) for s in sizes])
    ax.set_xlabel("Dutch NER training sentences")
    ax.set_ylabel("span F1 on ned.testa (%)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results")
    parser.add_argument("--plot", help="write Figure 3 (F1 against training sentences) to this image")
    parser.add_argument("--curve", help="write the learning curves of runs to convergence (dev F1 per epoch)")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    lowres = grouped(rows, "lowres")
    if lowres:
        print("Figure 3: span F1 (%) on ned.testa, mean ± std (seeds)\n")
        print(table(lowres, present(lowres, LOWRES), sizes_of(lowres), "setting \\ Dutch NER sentences"))
        if args.plot:
            plot(lowres, args.plot)
    ablation = grouped(rows, "ablation")
    if ablation:
        full = {key: runs for key, runs in lowres.items() if key[0] == "full"}
        by = {**ablation, **{("+CLSHD (full)", size): runs for (_, size), runs in full.items()}}
        print("\nTable 6: span F1 (%) on ned.testa, mean ± std (seeds)\n")
        print(table(by, ABLATION + ["+CLSHD (full)"], sizes_of(ablation), "model \\ Dutch NER sentences"))
    high = grouped(rows, "full")
    if high:
        print("\nTable 3: full training sets, span F1 (%) on testa, train time on 2 cores\n")
        print("| setting | F1 | epochs (best) | train time (s) |\n|---|---|---|---|")
        for (setting, _), runs in sorted(high.items()):
            seconds = statistics.mean(r["train_seconds"] for r in runs)
            epochs = ", ".join(f"{r['epochs']} ({r['best_epoch']})" for r in runs if r.get("epochs")) or "-"
            print(f"| {setting} | {cell([r['f1'] for r in runs])} | {epochs} | {seconds:,.0f} |")
        if args.curve:
            curve(rows, args.curve)


def curve(rows, path):
    """The learning curves of the runs to convergence: dev F1 after each epoch against the updates made on the
    target objective so far (a full model's epoch also holds its auxiliaries' batches, so epochs differ in size)."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(7, 3.8))
    colors = {}  # one colour per setting, one line style per seed
    styles = ["-", "--", ":", "-."]
    for r in sorted(rows, key=lambda r: (r["setting"], r["seed"])):
        f1, updates = r.get("dev_f1_by_epoch"), r.get("target_updates_by_epoch")
        if not f1 or not updates or len(updates) != len(f1):
            continue
        xs = [sum(updates[: i + 1]) / 1000 for i in range(len(updates))]
        color = colors.setdefault(r["setting"], f"C{len(colors) % 10}")
        ax.plot(xs, [100 * v for v in f1], marker=".", color=color, linestyle=styles[(r["seed"] - 1) % len(styles)],
                label=f"{r['setting']} s{r['seed']}")
        best = r["best_epoch"] - 1
        ax.plot([xs[best]], [100 * f1[best]], marker="o", color=color, fillstyle="none", markersize=9)
    ax.set_xlabel("updates on the target objective (thousands; batch 19)")
    ax.set_ylabel("span F1 on testa (%)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)

if __name__ == "__main__":
    main()
