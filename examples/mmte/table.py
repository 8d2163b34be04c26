"""What examples/mmte/run.sh writes (results/*/bleu.jsonl, results/*/transfer.MODEL.jsonl, times.txt) -> the markdown
tables of its README.

    python examples/mmte/table.py work/mmte

BLEU: sacreBLEU of fairseq-generate (beam BEAM) per direction on LibreOffice help valid. POS: accuracy x 100 on the UD
dev sets (= the paper's F1 on gold-segmented words), trained on English (+ Dutch: few-shot, joint). NER: span F1.
NLI: accuracy x 100 on XNLI dev (half; en is in-language, trained on SICK en).
"""
import glob
import os
import sys
from collections import defaultdict

from fairseq_xling.evaluation.report import read_rows, read_times

VARIANTS = {"source": "<2xx> in the source", "separate": "<2xx> encoded separately"}
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
    return model.rpartition("-seed")[2]


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
        print("| encoder | setting | seed | " + " | ".join(langs) + " | mean of non-en |")
        print("|---|---|---|" + "---|" * (len(langs) + 1))
        for model, cells in table.items():
            kind = SETTINGS.get(model.split("-")[1], "full")
            text = [f"{cells[lang]:.1f}" if lang in cells else "-" for lang in langs]
            others = [cells[lang] for lang in langs if lang != "en" and lang in cells]
            mean = f"{sum(others) / len(others):.1f}" if others else "-"
            print(f"| {VARIANTS[variant_of(model)]} | {kind} | {seed_of(model)} | " + " | ".join(text) + f" | {mean} |")
        print()


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
