"""Dev-set numbers of a LASER-style checkpoint (and of a bilingual fairseq baseline): sacreBLEU per direction and
sentence-retrieval error, written as a markdown table and a TSV.

    python examples/laser/evaluate.py --checkpoint checkpoints/laser/checkpoint_best.pt --out work/laser/results \\
        [--baseline checkpoints/baseline_de_en --baseline-spm data-bin/laser/spm.model] [--beam 1] [--max-lines N]

BLEU: the checkpoint translates the raw dev sentences through the hub (``hub.translate``: fairseq's
SequenceGenerator, the engine of fairseq-generate; the sub-word model and tokenizer come from the checkpoint) and
sacreBLEU scores the detokenised output against the raw references, per dev corpus: LibreOffice help valid
(5-way) and Multi30k val (en, de, fr). Directions: every one the checkpoint was trained on (its translation
objectives) for which the dev corpus has both languages.

Retrieval: every sentence of one language is a query among all sentences of the other (LASER's Tatoeba
protocol: ``num_distractors=None``), both directions, scored by cosine and by the ratio margin (k=4); the
error is the share of queries whose best candidate is not their translation.

The baseline is a fairseq ``--task translation`` checkpoint trained on the same de-en data-bin (sub-words of
the same SentencePiece model): it is loaded through fairseq's own hub (``from_pretrained``) and translates the
same de-en dev sentences.
"""
import argparse
import os
import sys
import time

DATA = os.environ.get("XLING_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
DEV = {  # corpus -> language -> file
    "libreoffice": {lang: f"libreoffice_help/valid.{lang}" for lang in ("en", "de", "es", "fr", "nl")},
    "multi30k": {lang: f"multi30k/val.{lang}" for lang in ("en", "de", "fr")},
}


def read(path, max_lines):
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    return lines[:max_lines] if max_lines else lines


def nonempty_pairs(src, tgt):
    keep = [i for i, (a, b) in enumerate(zip(src, tgt)) if a.strip() and b.strip()]
    return [src[i] for i in keep], [tgt[i] for i in keep]


def write_tables(rows, out):
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with open(out + ".tsv.tmp", "w", encoding="utf-8") as f:
        f.write("\t".join(columns) + "\n")
        for row in rows:
            f.write("\t".join(str(row.get(c, "")) for c in columns) + "\n")
    os.replace(out + ".tsv.tmp", out + ".tsv")
    with open(out + ".md.tmp", "w", encoding="utf-8") as f:
        f.write("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n")
        for row in rows:
            f.write("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |\n")
    os.replace(out + ".md.tmp", out + ".md")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="xling_laser checkpoint (fairseq-train --task xling_multitask)")
    parser.add_argument("--out", required=True, help="output prefix: OUT.md and OUT.tsv")
    parser.add_argument("--baseline", help="folder of a fairseq --task translation checkpoint (de-en)")
    parser.add_argument("--baseline-file", default="checkpoint_best.pt")
    parser.add_argument("--baseline-data", help="the baseline's data-bin (its dictionaries)")
    parser.add_argument("--baseline-spm", help="the SentencePiece model of that data-bin")
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--max-len-a", type=float, default=1.2, help="output length limit: a * source length + b")
    parser.add_argument("--max-len-b", type=int, default=10)
    parser.add_argument("--max-lines", type=int, default=0, help="first N lines of each dev file (default all)")
    parser.add_argument("--no-retrieval", action="store_true")
    args = parser.parse_args()

    import sacrebleu

    import fairseq_xling  # noqa: F401
    from fairseq_xling.evaluation.retrieval import precision_at_k
    from fairseq_xling.hub_interface import XlingHubInterface

    hub = XlingHubInterface.from_pretrained(os.path.dirname(args.checkpoint), os.path.basename(args.checkpoint))
    directions = [tuple(o.langs) for o in hub.task.objectives if o.type == "translation"]
    rows = []
    for corpus, files in DEV.items():
        for src, tgt in directions:
            if src not in files or tgt not in files:
                continue
            sources, refs = nonempty_pairs(read(os.path.join(DATA, files[src]), args.max_lines),
                                           read(os.path.join(DATA, files[tgt]), args.max_lines))
            start = time.time()
            hyps = hub.translate(sources, src=src, tgt=tgt, beam=args.beam, max_len_a=args.max_len_a,
                                 max_len_b=args.max_len_b, progress=True)
            bleu = sacrebleu.corpus_bleu(hyps, [refs])
            rows.append({"system": "laser", "metric": "BLEU", "corpus": corpus, "direction": f"{src}-{tgt}",
                         "score": round(bleu.score, 2), "n": len(sources), "seconds": round(time.time() - start)})
            print(rows[-1], file=sys.stderr)
    if args.baseline:
        from fairseq.models.fairseq_model import BaseFairseqModel

        base = BaseFairseqModel.from_pretrained(args.baseline, args.baseline_file, args.baseline_data,
                                                bpe="sentencepiece", sentencepiece_model=args.baseline_spm,
                                                source_lang="de", target_lang="en")
        base.eval()
        for corpus, files in DEV.items():
            sources, refs = nonempty_pairs(read(os.path.join(DATA, files["de"]), args.max_lines),
                                           read(os.path.join(DATA, files["en"]), args.max_lines))
            start = time.time()
            hyps = base.translate(sources, beam=args.beam, max_len_a=args.max_len_a, max_len_b=args.max_len_b)
            bleu = sacrebleu.corpus_bleu(hyps, [refs])
            rows.append({"system": "baseline", "metric": "BLEU", "corpus": corpus, "direction": "de-en",
                         "score": round(bleu.score, 2), "n": len(sources), "seconds": round(time.time() - start)})
            print(rows[-1], file=sys.stderr)
    if not args.no_retrieval:
        files = DEV["libreoffice"]
        encoded = {}
        langs = [lang for lang in ("de", "es", "fr", "nl", "en") if lang in hub.task.vocab.dicts]
        texts = {lang: read(os.path.join(DATA, files[lang]), args.max_lines) for lang in langs}
        keep = [i for i in range(len(texts["en"])) if all(texts[lang][i].strip() for lang in langs)]
        texts = {lang: [lines[i] for i in keep] for lang, lines in texts.items()}
        for lang in langs:
            encoded[lang] = hub.encode(texts[lang], lang=lang, progress=True)
        for lang in langs[:-1]:
            for a, b in ((lang, "en"), ("en", lang)):
                for scoring in ("cosine", "margin"):
                    result = precision_at_k(encoded[a], encoded[b], k=1, num_distractors=None, scoring=scoring)
                    rows.append({"system": "laser", "metric": f"retrieval error % ({scoring})",
                                 "corpus": "libreoffice", "direction": f"{a}-{b}",
                                 "score": round(100 * result["error"], 2), "n": result["n"]})
    write_tables(rows, args.out)
    print(open(args.out + ".md", encoding="utf-8").read())


if __name__ == "__main__":
    main()
