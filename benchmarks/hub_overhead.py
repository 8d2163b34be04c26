"""Hub ``encode`` sentences/s against the bare model forward on the same batches.

    python benchmarks/hub_overhead.py CHECKPOINT TEXT_FILE --lang de [--threads 2] [--n 5000]

The bare forward gets the hub's own batches already collated, so the difference is what the hub adds:
tokenisation, dictionary look-up, batching, collation and putting the vectors back in input order.
Target: overhead under 5%.
"""
import argparse
import logging
import os

import torch

from benchmarks.common import Timer, set_threads
from fairseq_xling.hub_interface import XlingHubInterface


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("text", help="raw sentences, one per line")
    parser.add_argument("--lang", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    set_threads(args.threads)
    with open(args.text, encoding="utf-8") as f:
        sentences = [line.strip() for line in f if line.strip()][: args.n]
    hub = XlingHubInterface.from_pretrained(os.path.dirname(args.checkpoint), os.path.basename(args.checkpoint))
    batches = [hub.collate([sentences[i] for i in b], args.lang) for b in hub.plan(sentences)]
    hub.encode(sentences[:200], args.lang)  # warm-up
    hub_s, bare_s = [], []
    for _ in range(args.repeats):  # interleaved, best of n: the least disturbed run of each
        with Timer() as t:
            hub.encode(sentences, args.lang)
        hub_s.append(t.seconds)
        with Timer() as t, torch.no_grad():
            for net_input in batches:
                hub.model(**net_input)["sentence_emb"].numpy()
        bare_s.append(t.seconds)
    h, b = min(hub_s), min(bare_s)
    print("| sentences | threads | hub encode sent/s | bare forward sent/s | hub overhead |")
    print("|---|---|---|---|---|")
    print(f"| {len(sentences):,} | {args.threads} | {len(sentences) / h:,.0f} | {len(sentences) / b:,.0f} | "
          f"{100 * (h / b - 1):.1f}% |")


if __name__ == "__main__":
    main()
