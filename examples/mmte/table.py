"""What examples/mmte/run.sh writes (results/*/bleu.jsonl, results/*/transfer.MODEL.jsonl, times.txt) -> the markdown
tables of its README.

    python examples/mmte/table.py work/mmte

BLEU: sacreBLEU of fairseq-generate (beam BEAM) per direction on LibreOffice help valid. POS: accuracy x 100 on the UD
dev sets (= the paper's F1 on gold-segmented words), trained on English (+ Dutch: few-shot, joint). NER: span F1.
NLI: accuracy x 100 on XNLI dev (half; en is in-language, trained on SICK en).
"""
import glob
import os
import statistics
import sys
from collections import defaultdict

from fairseq_xling.evaluation.report import read_rows, read_times

VARIANTS = {"source": "<2xx> in the source", "separate": "<2xx> encoded separately",
            "laser": "LASER BiLSTM (same data)"}
LANGS = ["de", "es", "fr", "nl"]
SETTINGS = {  # pos-{setting}-{variant}-seed{n}
    "full": "zero-shot, full",
    "frozen": "zero-shot, frozen (features)",
    "fewshot": "few-shot (+ 10 nl x 100), full",
    "joint": "joint (+ all nl), full",
}


def variant_of(model: str) -> str:
    """``pos-full-separate-seed1`` -> ``separate``."""
    return next(v for v in VARIANTS if f"{v}-seed" in model)


def seed_of(model: str) -> str:
    """``...-seed1`` -> ``1``; ``...-seed1-ft2`` (fine-tuned with seed 2) -> ``1-ft2``."""
    return model.rpartition("-seed")[2]


def spread(values) -> str:
    """mean, and min..max when there are several."""
    text = f"{statistics.mean(values):.1f}"
    return text + (f" ({min(values):.1f}..{max(values):.1f}, n={len(values)})" if len(values) > 1 else " (n=1)")


def claim_table(pos, nli):
    """The Table 11 comparison over seeds: each variant's average, and separate - source per seed."""
    print("Table 11 over seeds: mean en/de/es/fr (the paper's average) and of the non-English languages, mean over "
          "runs (min..max); the difference pairs runs of the same seeds\n")
    print("| task, setting | encoder | en/de/es/fr | non-en (POS de/es/fr/nl, XNLI de/es/fr) | separate - source, "
          "en/de/es/fr | separate - source, non-en |")
    print("|---|---|---|---|---|---|")
    for task, table, setting_names, langs in (("POS", pos, ("full", "frozen"), LANGS),
                                              ("XNLI", nli, ("full",), ["de", "es", "fr"])):
        for setting in setting_names:
            scores = defaultdict(dict)  # variant -> seed -> (Table 11 mean, non-en mean)
            for model, cells in table.items():
                if model.split("-")[1] == setting and all(lang in cells for lang in TABLE_11 + langs):
                    scores[variant_of(model)][seed_of(model)] = (
                        statistics.mean(cells[lang] for lang in TABLE_11),
                        statistics.mean(cells[lang] for lang in langs))
            seeds = sorted(set(scores["source"]) & set(scores["separate"]))
            for variant in (v for v in VARIANTS if scores[v]):
                runs = list(scores[variant].values())
                cells = [spread([r[k] for r in runs]) for k in (0, 1)]
                if variant == "separate" and seeds:
                    cells += [spread([scores["separate"][s][k] - scores["source"][s][k] for s in seeds])
                              for k in (0, 1)]
                else:
                    cells += ["", ""]
                print(f"| {task}, {SETTINGS.get(setting, setting)} | {VARIANTS[variant]} | " + " | ".join(cells) + " |")
    print()


def bleu_table(rows, times):
    directions = [f"{lang}-en" for lang in LANGS] + [f"en-{lang}" for lang in LANGS]
    beams = ", ".join(str(b) for b in sorted({r.get("beam", 5) for r in rows}))
    print(f"sacreBLEU on LibreOffice help valid (1,442 sentences per direction), fairseq-generate, beam {beams}\n")
    print("| variant | seed | " + " | ".join(directions) + " | mean | train time | generate sent/s |")
    print("|---|---|" + "---|" * (len(directions) + 3))
    by_model = defaultdict(dict)
    speed = defaultdict(list)
    for r in rows:
        by_model[r["model"]][r["direction"]] = r["bleu"]
        speed[r["model"]].append(r["sentences_per_s"])
    for model, cells in by_model.items():
        values = [cells.get(d) for d in directions]
        mean = sum(v for v in values if v is not None) / max(sum(v is not None for v in values), 1)
        text = [f"{v:.1f}" if v is not None else "-" for v in values]
        print(f"| {VARIANTS[variant_of(model)]} | {seed_of(model)} | " + " | ".join(text) +
              f" | {mean:.1f} | {times.get(model, '-')} | {sum(speed[model]) / len(speed[model]):.1f} |")
    print()


TABLE_11 = ["en", "de", "es", "fr"]  # the languages of the paper's Table 11 averages


def order(model: str):
    """Settings in SETTINGS order, the two variants of a setting side by side."""
    setting = model.split("-")[1]
    return (list(SETTINGS).index(setting) if setting in SETTINGS else len(SETTINGS),
            list(VARIANTS).index(variant_of(model)), seed_of(model))


def mean(cells, langs) -> str:
    """The mean over ``langs`` when every one has a score, else -."""
    return f"{sum(cells[lang] for lang in langs) / len(langs):.1f}" if all(lang in cells for lang in langs) else "-"


def transfer_tables(rows):
    pos = defaultdict(dict)
    ner = defaultdict(dict)
    nli = defaultdict(dict)
    for r in rows:
        if r["task"] == "tagging" and r["tag_task"] == "ner":
            ner[r["model"]][r["lang"]] = 100 * r["f1"]
        elif r["task"] == "tagging":
            pos[r["model"]][r["lang"]] = 100 * r["accuracy"]
        elif r["task"] == "nli":
            nli[r["model"]][r["test_lang"]] = 100 * r["accuracy"]
    for title, table, langs in (
            ("POS (UD dev, accuracy x 100), fine-tuned on English UD (+ Dutch in few-shot and joint)", pos,
             ["en"] + LANGS),
            ("Zero-shot NER (span F1 x 100; en: WikiANN dev, nl/es: CoNLL-2002 testa with its MISC spans counted "
             "as missed), fine-tuned on English WikiANN", ner, ["en", "nl", "es"]),
            ("Zero-shot NLI (XNLI dev half, accuracy x 100), fine-tuned on English SICK", nli,
             ["en", "de", "es", "fr"])):
        if not table:
            continue
        print(f"{title}\n")
        table_11 = set(TABLE_11) <= set(langs)  # the paper averages POS and XNLI over en/de/es/fr
        print("| encoder | setting | seed | " + " | ".join(langs) + " | mean of non-en |" +
              (" mean en/de/es/fr (Table 11) |" if table_11 else ""))
        print("|---|---|---|" + "---|" * (len(langs) + 1 + table_11))
        for model, cells in sorted(table.items(), key=lambda item: order(item[0])):
            kind = SETTINGS.get(model.split("-")[1], "full")
            text = [f"{cells[lang]:.1f}" if lang in cells else "-" for lang in langs]
            print(f"| {VARIANTS[variant_of(model)]} | {kind} | {seed_of(model)} | " + " | ".join(text) +
                  f" | {mean(cells, [lang for lang in langs if lang != 'en'])} |" +
                  (f" {mean(cells, TABLE_11)} |" if table_11 else ""))
        print()
    claim_table(pos, nli)


def main(work):
    times_path = os.path.join(work, "times.txt")
    times = read_times(times_path if os.path.isfile(times_path) else None)
    bleu = [r for path in sorted(glob.glob(os.path.join(work, "results", "*", "bleu.jsonl"))) for r in read_rows(path)]
    transfer = [r for path in sorted(glob.glob(os.path.join(work, "results", "*", "transfer.*.jsonl")))
                for r in read_rows(path)]
    if bleu:
        bleu_table(bleu, times)
    transfer_tables(transfer)


if __name__ == "__main__":
    main(*sys.argv[1:])
