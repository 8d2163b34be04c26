"""Training and generation speed of the MMTE model: ``xling_mmte`` against fairseq's own ``transformer`` arch under
``translation_multi_simple_epoch`` with ``--encoder-langtok tgt``.

    python -m benchmarks.mmte_throughput DATA_BIN [--threads 2] [--updates 16] [--max-tokens 4000]
        [--gen-sentences 256] [--gen-batch-size 32] [--modes source separate]

DATA_BIN is a data-bin of ``preprocess/multilingual.sh`` with a joined dictionary holding ``<2xx>`` tokens
(``bash examples/mmte/run.sh prepare`` makes one). Every ``xx-en`` pair it has is trained in both directions.

Both systems are the same size (``xling_mmte_cpu``: 256-d, 3 + 3 pre-norm layers, 4 heads, ffn 1024, dropout 0.1,
all embeddings tied; the peer: ``--arch transformer`` with those options, ``--encoder-normalize-before
--decoder-normalize-before --share-all-embeddings``) and are trained with label smoothing 0.1 (ours:
``xling_translation``, the peer: ``label_smoothed_cross_entropy``) on the same batches: one batch list
(``--max-tokens`` per batch, as fairseq-train makes them, the directions taken in turn) is cut from our task's
datasets, and each batch is collated by each system's own dataset from the same sentences: ours (the source as
is, right-padded, the target language given as ``tgt_lang``), the peer's ``LanguagePairDataset`` of that direction
as its data manager builds it (the source with ``__tgt__`` prepended and ``</s>`` kept, left-padded). The peer's
dictionary is the same ``dict.{lang}.txt`` with its ``__xx__`` tokens appended; the benchmark checks that the ids
of the shared entries agree and that every batch holds the same target tokens and the same source tokens up to
the peer's language token and ``</s>``. A step is collate -> forward -> loss -> backward -> Adam step; the two
systems alternate batch by batch (a change of load on the machine hits both alike; who goes first alternates too),
after 2 warm-up steps each.
Only the model, criterion and collater are timed: not fairseq-train's data iterators (our schedule, the peer's
sampled multi-epoch datasets), which run ahead of the step.

Generation: fairseq's SequenceGenerator (each task's ``build_generator`` and ``inference_step``, as
fairseq-generate calls them), beam 5, on the first dev sentences of every direction, the same batches for both
models (the ones just trained, in eval mode). To make the work identical, whatever the models have learnt,
``min_len = max_len_b = L`` (``max_len_a = 0``): end-of-sentence is forbidden before step L and forced at step L, so
every hypothesis has L tokens plus ``</s>``; L is the mean reference length of those sentences. The benchmark
checks that both wrote the same number of tokens.

Printed: target words per second (training) and sentences per second (generation) of each system and the ratio,
for ``--target-token source`` and ``separate``; and the median over batches of the ratio of the two systems' times
on the same batch, which a burst of load on a shared machine moves less than the ratio of the totals.
"""
import argparse
import logging
import os

import torch

from benchmarks.common import Timer, build, collate, median, parse_args, train_step, training_parser

ARCH = "xling_mmte_cpu"
PEER_OPTIONS = dict(encoder_embed_dim=256, decoder_embed_dim=256, encoder_layers=3, decoder_layers=3,
                    encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_embed_dim=1024,
                    decoder_ffn_embed_dim=1024, dropout=0.1, attention_dropout=0.0, activation_dropout=0.0)
WARMUP = 2


def directions_of(data: str):
    """Both directions of every pair ``xx-en`` the data-bin has a train split of."""
    with open(os.path.join(data, "preprocess.json"), encoding="utf-8") as f:
        import json

        pairs = json.load(f)["pairs"]
    out = []
    for pair in pairs:
        src, tgt = pair.split("-")
        out += [f"{src}-{tgt}", f"{tgt}-{src}"]
    return out


def build_ours(data: str, directions, mode: str, max_tokens: int):
    objectives = ",".join(f"translation:{d}:label_smoothing=0.1" for d in directions)
    _, task, model, criterion = build([data, "--task", "xling_multitask", "--objectives", objectives, "--arch", ARCH,
                                       "--target-token", mode, "--criterion", "xling_multitask",
                                       "--max-tokens", str(max_tokens)])
    return task, model, criterion


def build_peer(data: str, directions, max_tokens: int):
    """fairseq's multilingual task, transformer and label-smoothed criterion, through fairseq's own parsing."""
    from fairseq import options, tasks

    argv = [data, "--task", "translation_multi_simple_epoch", "--lang-pairs", ",".join(directions),
            "--encoder-langtok", "tgt", "--arch", "transformer", "--encoder-normalize-before",
            "--decoder-normalize-before", "--share-all-embeddings", "--criterion", "label_smoothed_cross_entropy",
            "--label-smoothing", "0.1", "--optimizer", "adam", "--max-tokens", str(max_tokens)]
    for key, value in PEER_OPTIONS.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    args = options.parse_args_and_arch(options.get_training_parser(), argv)
    task = tasks.setup_task(args)
    return task, task.build_model(args), task.build_criterion(args)


def peer_datasets(task, split: str):
    """direction -> the peer's LanguagePairDataset of that direction (langtok transforms applied), as its data
    manager builds them before sampling them into one multi-epoch dataset."""
    datasets, params = task.data_manager.load_split_datasets(split, training=split == "train")
    return {f"{p['src']}-{p['tgt']}": d for (_, d), p in zip(datasets, params)}


def check_dictionaries(ours, peer):
    n = len(ours)
    if peer.symbols[:n] != ours.symbols:
        raise SystemExit("mmte_throughput: the peer's dictionary does not start with ours: ids would differ")


def check_same(ours: dict, peer: dict, langtok: int, eos: int, pad: int, where: str):
    """The peer's batch holds our sentences: the same targets, and as source [langtok] + ours + [</s>] (the peer's
    collater sorts the sentences by source length: rows are matched by sentence id)."""
    row = {int(i): r for r, i in enumerate(peer["id"])}
    order = torch.tensor([row[int(i)] for i in ours["id"]])
    target = peer["target"][order]
    if not torch.equal(ours["target"], target[:, : ours["target"].size(1)]) or target[:, ours["target"].size(1):].ne(
            pad).any():
        raise SystemExit(f"mmte_throughput: {where}: the two systems' batches have different targets")
    for mine, theirs in zip(ours["net_input"]["src_tokens"], peer["net_input"]["src_tokens"][order]):
        mine, theirs = mine[mine.ne(pad)], theirs[theirs.ne(pad)]
        if theirs[0] != langtok or theirs[-1] != eos or not torch.equal(theirs[1:-1], mine):
            raise SystemExit(f"mmte_throughput: {where}: the two systems' batches have different sources")


def timed_pair(step: int, run_peer, run_ours):
    """Both systems' work on one batch, back to back, the peer first on even steps and ours first on odd ones:
    ((peer result, seconds), (our result, seconds))."""
    order = (run_peer, run_ours) if step % 2 == 0 else (run_ours, run_peer)
    out = {}
    for run in order:
        with Timer() as t:
            result = run()
        out[run] = (result, t.seconds)
    return out[run_peer], out[run_ours]


def training(task, model, criterion, peer_task, peer, peer_criterion, args):
    """(our target words/s, the peer's, the median over batches of the peer's time / ours, timed target words),
    alternating batch by batch."""
    dataset = task.dataset("train")
    objectives = task.objectives_of(dataset)
    peer_data = peer_datasets(peer_task, "train")
    dictionary = peer_task.target_dictionary
    check_dictionaries(task.target_dictionary, dictionary)
    streams = [task.objective_batches(dataset, k, args.max_tokens, None, (1, 1, k, 0)) for k in range(len(objectives))]
    steps = [(step % len(streams), streams[step % len(streams)][step // len(streams)])
             for step in range(WARMUP + args.updates)]  # the directions in turn
    ours_opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    peer_opt = torch.optim.Adam(peer.parameters(), lr=1e-3)
    model.train()
    peer.train()
    words, seconds, ratios = 0, {"ours": 0.0, "peer": 0.0}, []
    for step, (k, batch) in enumerate(steps):
        src, tgt = objectives[k].langs
        samples = {}

        def run_peer():
            samples["peer"] = collate(peer_data[f"{src}-{tgt}"], batch - dataset.offsets[k])
            return int(train_step(peer, peer_criterion, samples["peer"], peer_opt)["ntokens"])

        def run_ours():
            samples["ours"] = collate(dataset, batch)
            return int(train_step(model, criterion, samples["ours"], ours_opt)["ntokens"])

        (n_peer, t_peer), (n_ours, t_ours) = timed_pair(step, run_peer, run_ours)
        check_same(samples["ours"], samples["peer"], peer_task.data_manager.get_encoder_langtok(src, tgt, "tgt"),
                   dictionary.eos(), dictionary.pad(), f"training batch {step} ({src}-{tgt})")
        if n_peer != n_ours:
            raise SystemExit(f"mmte_throughput: {n_peer} and {n_ours} target tokens in training batch {step}")
        if step >= WARMUP:
            words += n_ours
            seconds["peer"] += t_peer
            seconds["ours"] += t_ours
            ratios.append(t_peer / t_ours)
    return words / seconds["ours"], words / seconds["peer"], median(ratios), words


def generation_batches(task, args):
    """[(objective k, batch of local indices)]: the first dev sentences of every direction, batched in order of
    source length; and L, their mean reference length."""
    task.load_dataset("valid")
    dataset = task.dataset("valid")
    per_direction = max(1, args.gen_sentences // len(dataset.names))
    batches, lengths = [], []
    for k, sub in enumerate(dataset.datasets):
        chosen = sorted(range(min(per_direction, len(sub))), key=lambda i: sub.src_sizes[i])
        lengths += [int(sub.tgt_sizes[i]) for i in chosen]
        batches += [(k, chosen[i: i + args.gen_batch_size]) for i in range(0, len(chosen), args.gen_batch_size)]
    return dataset, batches, round(sum(lengths) / len(lengths))


def generation(task, model, peer_task, peer, args):
    """(our sentences/s, the peer's, the median over batches of the peer's time / ours, sentences, L): beam 5 with
    min_len = max_len = L."""
    dataset, batches, length = generation_batches(task, args)
    objectives = task.objectives_of(dataset)
    peer_data = peer_datasets(peer_task, "valid")
    gen_args = argparse.Namespace(beam=5, max_len_a=0, max_len_b=length, min_len=length)
    ours_gen = task.build_generator([model], gen_args)
    peer_gen = peer_task.build_generator([peer], gen_args)
    model.eval()
    peer.eval()
    sentences, seconds, ratios = 0, {"ours": 0.0, "peer": 0.0}, []
    tokens = {"ours": 0, "peer": 0}
    for step, (k, batch) in enumerate(batches):
        src, tgt = objectives[k].langs

        def run_peer():
            sample = collate(peer_data[f"{src}-{tgt}"], batch)
            return peer_task.inference_step(peer_gen, [peer], sample)

        def run_ours():
            sample = dataset.collater([dataset[int(i) + int(dataset.offsets[k])] for i in batch])
            return task.inference_step(ours_gen, [model], sample)

        (peer_out, t_peer), (ours_out, t_ours) = timed_pair(step, run_peer, run_ours)
        tokens["peer"] += sum(len(hypos[0]["tokens"]) for hypos in peer_out)
        tokens["ours"] += sum(len(hypos[0]["tokens"]) for hypos in ours_out)
        if step >= 1:  # the first batch warms up
            sentences += len(batch)
            seconds["peer"] += t_peer
            seconds["ours"] += t_ours
            ratios.append(t_peer / t_ours)
    if tokens["ours"] != tokens["peer"] or tokens["ours"] != (length + 1) * sum(len(b) for _, b in batches):
        raise SystemExit(f"mmte_throughput: the two models wrote {tokens['ours']} and {tokens['peer']} tokens")
    return sentences / seconds["ours"], sentences / seconds["peer"], median(ratios), sentences, length


def main():
    parser = training_parser(__doc__, "data-bin made by preprocess/multilingual.sh (examples/mmte/run.sh prepare)",
                             16, "system and variant")
    parser.add_argument("--max-tokens", type=int, default=4000)
    parser.add_argument("--gen-sentences", type=int, default=256, help="dev sentences to translate (all directions)")
    parser.add_argument("--gen-batch-size", type=int, default=32)
    parser.add_argument("--modes", nargs="+", choices=("source", "separate"), default=["source", "separate"])
    args = parse_args(parser, quiet=logging.WARNING)
    directions = directions_of(args.data)
    trained = {}
    for i, mode in enumerate(args.modes):  # training, then generation with the models just trained
        torch.manual_seed(1)
        task, model, criterion = build_ours(args.data, directions, mode, args.max_tokens)
        torch.manual_seed(1)
        peer_task, peer, peer_criterion = build_peer(args.data, directions, args.max_tokens)
        ours, theirs, ratio, words = training(task, model, criterion, peer_task, peer, peer_criterion, args)
        trained[mode] = task, model, peer_task, peer
        if i == 0:
            print(f"# MMTE training throughput, {len(directions)} directions ({', '.join(directions)}), {ARCH} "
                  f"size, {args.threads} threads, batches of {args.max_tokens} tokens, Adam, label smoothing 0.1, "
                  f"{args.updates} steps each ({words:,} target words) after {WARMUP} warm-up steps, alternating "
                  f"batch by batch")
            print("| --target-token | fairseq transformer, translation_multi_simple_epoch (target words/s) | "
                  "xling_mmte (target words/s) | ours / fairseq | median per batch |")
            print("|---|---|---|---|---|")
        print(f"| {mode} | {theirs:,.0f} | {ours:,.0f} | {ours / theirs:.2f} | {ratio:.2f} |", flush=True)
    print()
    for i, mode in enumerate(args.modes):
        ours, theirs, ratio, sentences, length = generation(*trained[mode], args)
        if i == 0:
            print(f"# MMTE generation, beam 5, {sentences} dev sentences after one warm-up batch, batches of "
                  f"{args.gen_batch_size}, every output {length} tokens + </s> (min_len = max_len)")
            print("| --target-token | fairseq transformer (sentences/s) | xling_mmte (sentences/s) | ours / fairseq | "
                  "median per batch |")
            print("|---|---|---|---|---|")
        print(f"| {mode} | {theirs:.1f} | {ours:.1f} | {ours / theirs:.2f} | {ratio:.2f} |", flush=True)

if __name__ == "__main__":
    main()
