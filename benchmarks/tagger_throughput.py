"""Training throughput of the Lin et al. (2018) tagger (xling_char_cnn_tagger, Table 2 sizes) in sentences/s.

    python benchmarks/tagger_throughput.py DATA_BIN [--threads 2] [--updates 100]

DATA_BIN: a preprocess/conll.sh data-bin, e.g. CoNLL-2002 Dutch NER. SGD with momentum, batch 19, as Table 2.
"""

import torch

from benchmarks.common import build, objective_rate, parse_args, training_parser


def main():
    parser = training_parser(__doc__, "data-bin made by preprocess/conll.sh", 100)
    parser.add_argument("--lang", default="nl")
    parser.add_argument("--batch-size", type=int, default=19)
    args = parse_args(parser)
    print("| tag head | batch | sentences/s | words/s |")
    print("|---|---|---|---|")
    for head in ("crf", "softmax"):
        cfg, task, model, criterion = build([args.data, "--task", "xling_multitask", "--objectives",
                                             f"tagging:{args.lang}:task=ner:data={args.data}", "--criterion",
                                             "xling_multitask", "--arch", "xling_char_cnn_tagger", "--tag-head", head])
        optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
        words, _, sentences = objective_rate(task, model, criterion, optimizer, f"ner_{args.lang}", args.updates,
                                             args.batch_size)
        print(f"| {head} | {args.batch_size} | {sentences:,.0f} | {words:,.0f} |")


if __name__ == "__main__":
    main()
