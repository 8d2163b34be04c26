"""Training throughput of van der Heijden et al. (2020)'s tagger over word features of a frozen translation encoder.

    python -m benchmarks.contextual_throughput DATA_BIN --checkpoint LASER_CHECKPOINT [--threads 2] [--updates 60]

DATA_BIN: CoNLL-2002 Dutch NER split into the LASER model's sub-words (``preprocess/conll.sh --subword-from``);
LASER_CHECKPOINT: a translation-trained ``xling_laser_lstm*`` (examples/mmte ``VARIANTS=laser`` or
examples/contextual). Each feature type trains its head (features -> Transformer tagger 2 x 300, 2 heads -> CRF)
with SGD + momentum, batch 32; the encoder is frozen and runs at every step, so the rate is that of one frozen
encoder forward plus the tagger's forward and backward. The "cached" rows are LASER-top and LASER-elmo with
``--frozen-encoder-cache-gb``, timed on batches whose sentences are already stored (every epoch after the first: the
encoder does not run; the first epoch runs at the uncached rate plus the copy into the cache). Compare with
``benchmarks/tagger_throughput.py`` (the Lin et al. tagger on words, which trains its whole encoder).
"""
import torch

from benchmarks.common import build, objective_rate, parse_args, training_parser

KINDS = ("top", "elmo", "bow", "gru", "top cached", "elmo cached")


def main():
    parser = training_parser(__doc__, "sub-word tagging data-bin (conll.sh --subword-from)", 60)
    parser.add_argument("--checkpoint", required=True, help="the translation-trained encoder to restore and freeze")
    parser.add_argument("--arch", default="xling_laser_lstm_cpu", help="the checkpoint's arch")
    parser.add_argument("--lang", default="nl")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parse_args(parser)
    print("| features | encoder | batch | sentences/s | sub-words/s |")
    print("|---|---|---|---|---|")
    for kind in KINDS:
        features, cached = kind.split()[0], kind.endswith("cached")
        objective = f"tagging:{args.lang}:task=ner:data={args.data}:features={features}:tagger=transformer"
        _, task, model, criterion = build([args.data, "--task", "xling_multitask", "--objectives", objective,
                                           "--criterion", "xling_multitask", "--arch", args.arch, "--decoder", "none",
                                           "--restore-encoder", args.checkpoint, "--freeze-encoder",
                                           *(["--frozen-encoder-cache-gb", "4"] if cached else [])])
        optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01, momentum=0.9)
        rate = (task, model, criterion, optimizer, f"ner_{args.lang}", args.updates, args.batch_size)
        if cached:
            objective_rate(*rate)  # the same batches once: their sentences are stored
        words, _, sentences = objective_rate(*rate)
        if cached and model.encoder_cache.misses > model.encoder_cache.hits:
            raise SystemExit(f"contextual_throughput: the cache missed ({model.encoder_cache.summary()})")
        print(f"| {kind} | frozen | {args.batch_size} | {sentences:,.0f} | {words:,.0f} |")


if __name__ == "__main__":
    main()
