"""Training throughput of the JMT configuration, objective by objective, and skip-gram next to gensim.

    python benchmarks/jmt_throughput.py DATA_BIN [--threads 2] [--updates 60]

Runs our training step (collate -> forward -> backward -> optimizer step, in this process) on each objective
of ``similarity:de-en,skipgram:de-en`` and prints words/s (and pairs/s for skip-gram). Then trains gensim's
Word2Vec (sg=1) on the same monolingual text with the same window, negatives and dimension, 2 workers, no
frequent-word subsampling and no window shrinking, so that both see the same (word, context) pairs, and prints
the pairs/s ratio. Both run back to back in one process: timings on 2 shared cores are fragile.
"""
import os

import numpy as np
import torch

from benchmarks.common import Timer, build, objective_rate, parse_args, training_parser
from fairseq_xling.data.skipgram_pairs import monolingual_pairs


def gensim_rate(sentences, window, negatives, dim, workers):
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=dim, window=window, negative=negatives, sg=1, min_count=1, sample=0,
                     shrink_windows=False, workers=workers, seed=1)
    model.build_vocab(sentences)
    with Timer() as t:
        model.train(sentences, total_examples=len(sentences), epochs=1)
    tokens = np.concatenate([np.arange(len(s)) for s in sentences])
    sent_ids = np.repeat(np.arange(len(sentences)), [len(s) for s in sentences])
    n_pairs = len(monolingual_pairs(tokens, sent_ids, window)[0])
    return n_pairs / t.seconds, n_pairs


def main():
    parser = training_parser(__doc__, "data-bin made by preprocess/europarl.sh (de-en, with text/ kept)", 60)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--negatives", type=int, nargs="+", default=[5, 512])
    parser.add_argument("--max-sentences", type=int, default=4000, help="monolingual sentences for gensim")
    args = parse_args(parser)

    print(f"# JMT training throughput, {args.threads} threads, xling_sent_lstm_{args.dim}, Adam")
    print("| objective | batch | words/s | pairs/s |")
    print("|---|---|---|---|")
    for name, batch in (("similarity_de-en", 50), ("skipgram_de-en", 64)):
        cfg, task, model, criterion = build([args.data, "--task", "xling_multitask", "--objectives",
                                             "similarity:de-en,skipgram:de-en", "--criterion", "xling_multitask",
                                             "--arch", f"xling_sent_lstm_{args.dim}", "--optimizer", "adam"])
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        words, pairs, _ = objective_rate(task, model, criterion, optimizer, name, args.updates, batch)
        unit = "sentences (pairs made from them)" if pairs else "sentence pairs"
        print(f"| {name} | {batch} {unit} | {words:,.0f} | {f'{pairs:,.0f}' if pairs else '-'} |")

    text = os.path.join(args.data, "text")
    sentences = []
    for lang in ("de", "en"):
        with open(os.path.join(text, f"train.{lang}"), encoding="utf-8") as f:
            sentences += [line.split() for line in f if line.strip()]
    sentences = sentences[: args.max_sentences]
    print(f"\n# skip-gram pairs/s on the same text ({len(sentences):,} sentences), window 5, dim {args.dim}")
    print("| negatives | ours (SGD, shared noise) | gensim sg=1, 2 workers | ours / gensim |")
    print("|---|---|---|---|")
    for negatives in args.negatives:
        cfg, task, model, criterion = build([args.data, "--task", "xling_multitask", "--objectives",
                                             f"skipgram:de-en:mono=false:negatives={negatives}", "--criterion",
                                             "xling_multitask", "--arch", f"xling_sent_avg_{args.dim}"])
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        _, ours, _ = objective_rate(task, model, criterion, optimizer, "skipgram_de-en", args.updates, 64)
        theirs, _ = gensim_rate(sentences, 5, negatives, args.dim, 2)
        print(f"| {negatives} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f} |")


if __name__ == "__main__":
    main()
