"""Training speed of the LASER encoder-decoder: ``xling_laser`` against fairseq's own ``examples/laser``.

    python -m benchmarks.laser_throughput DATA_BIN [--pair de-en] [--threads 2] [--updates 12] [--max-tokens 4000]

DATA_BIN is a data-bin of ``preprocess/multilingual.sh`` (``bash examples/laser/run.sh prepare`` makes one).
The peer is the ``laser`` task and ``laser_lstm`` model shipped inside the installed fairseq
(``fairseq/examples/laser/laser_src``), loaded as a ``--user-dir`` and fed through its own task: the pair's
binarised sentences are written once in the legacy ``IndexedDataset`` format that task reads (fairseq's legacy
builder stores ids + 1, which the task's ``fix_lua_indexing`` subtracts again; the benchmark checks that both
systems see the same tokens), with a task configuration file beside them.

Both train the same configuration (sub-words 320, 5 x 512 BiLSTM, max-pool, decoder LSTM 2048 fed
[token; sentence; 32-d language], initial state from the sentence vector, dropout 0.1, output layer straight
from the decoder's states) on the same batches: one batch list (``--max-tokens`` per batch, as fairseq-train
makes them) is cut from our dataset and each batch is collated by each system's own dataset from the same
sentences. A step is collate -> forward -> cross-entropy -> backward -> Adam step; the two systems alternate
batch by batch (so that a change of load on the machine hits both alike), after 2 warm-up steps each.
Printed: target words per second of each and the ratio, for the paper's size and the CPU size.
"""
import json
import os
import tempfile

import torch
import torch.nn.functional as F

from benchmarks.common import Timer, build, collate, pair_langs, parse_args, train_step, training_parser

SIZES = {  # name: (our arch, the peer's model options)
    "paper": ("xling_laser_lstm", dict(
        encoder_embed_dim=320, encoder_hidden_size=512, encoder_layers=5, decoder_embed_dim=320,
        decoder_hidden_size=2048, decoder_out_embed_dim=2048)),
    "cpu": ("xling_laser_lstm_cpu", dict(
        encoder_embed_dim=256, encoder_hidden_size=256, encoder_layers=3, decoder_embed_dim=256,
        decoder_hidden_size=512, decoder_out_embed_dim=512)),
}


def laser_src_dir() -> str:
    import fairseq

    return os.path.join(os.path.dirname(fairseq.__file__), "examples", "laser", "laser_src")


def write_legacy_pair(data: str, src: str, tgt: str, out: str) -> str:
    """The pair's train split in the format fairseq's laser task reads; returns its configuration file."""
    from fairseq.data import data_utils
    from fairseq.data.indexed_dataset import IndexedDatasetBuilder

    # the laser task names a corpus by the last two directories of its files: <corpus>/<pair>/train.<lang>
    pair_dir = os.path.join(out, "bench", f"{src}-{tgt}")
    os.makedirs(pair_dir, exist_ok=True)
    entry = {"id": 0}
    for side, lang in (("src", src), ("tgt", tgt)):
        ours = data_utils.load_indexed_dataset(os.path.join(data, f"train.{src}-{tgt}.{lang}"), None)
        if ours is None:
            raise SystemExit(f"laser_throughput: {data} has no train.{src}-{tgt}.{lang} (expected a data-bin of "
                             f"preprocess/multilingual.sh with the pair {src}-{tgt})")
        prefix = os.path.join(pair_dir, f"train.{lang}")
        builder = IndexedDatasetBuilder(prefix + ".bin")
        for i in range(len(ours)):
            builder.add_item(ours[i])  # the legacy builder writes ids + 1; fix_lua_indexing subtracts it again
        builder.finalize(prefix + ".idx")
        entry[side] = prefix
    config = {"src_vocab": os.path.join(data, f"dict.{src}.txt"), "tgt_vocab": os.path.join(data, f"dict.{tgt}.txt"),
              "train": [entry]}
    path = os.path.join(out, "laser_config.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f)
    return path


def build_peer(config: str, options: dict):
    """fairseq's laser task and laser_lstm model, through fairseq's own argument parsing."""
    from fairseq import options as fairseq_options
    from fairseq import tasks

    argv = [config, "--user-dir", laser_src_dir(), "--task", "laser", "--arch", "laser_lstm",
            "--encoder-bidirectional", "--decoder-lang-embed-dim", "32", "--dropout", "0.1",
            "--criterion", "cross_entropy", "--optimizer", "adam"]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    args = fairseq_options.parse_args_and_arch(fairseq_options.get_training_parser(), argv)
    task = tasks.setup_task(args)
    task.load_dataset("train")
    (dataset,) = task.dataset("train").values()
    return task.build_model(args), dataset


def peer_step(model, dataset, indices, optimizer):
    sample = collate(dataset, indices)
    logits, _ = model(**sample["net_input"])
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), sample["target"].view(-1),
                           ignore_index=dataset.dataset.tgt_dict.pad(), reduction="sum")
    optimizer.zero_grad()
    (loss / sample["ntokens"]).backward()
    optimizer.step()
    return sample["ntokens"]


def main():
    parser = training_parser(__doc__, "data-bin made by preprocess/multilingual.sh", 12, "system and size")
    parser.add_argument("--pair", default="de-en")
    parser.add_argument("--max-tokens", type=int, default=4000)
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    args = parse_args(parser)
    src, tgt = pair_langs(parser, args.pair)
    torch.manual_seed(1)

    print(f"# LASER training throughput, {args.pair}, {args.threads} threads, batches of {args.max_tokens} "
          f"tokens, Adam, {args.updates} steps each after 2 warm-up steps, alternating batch by batch")
    print("| size | fairseq examples/laser (target words/s) | xling_laser (target words/s) | ours / fairseq |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        config = write_legacy_pair(args.data, src, tgt, tmp)
        for size in args.sizes:
            arch, peer_options = SIZES[size]
            _, task, model, criterion = build([args.data, "--task", "xling_multitask", "--objectives",
                                               f"translation:{args.pair}", "--arch", arch,
                                               "--criterion", "xling_multitask", "--max-tokens",
                                               str(args.max_tokens)])
            peer, peer_data = build_peer(config, peer_options)
            dataset = task.dataset("train")
            batches = task.objective_batches(dataset, 0, args.max_tokens, None, (1, 1, 0, 0))[: args.updates + 2]
            ours_opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            peer_opt = torch.optim.Adam(peer.parameters(), lr=1e-3)
            model.train()
            peer.train()
            words = {"ours": 0, "peer": 0}
            seconds = {"ours": 0.0, "peer": 0.0}
            for step, batch in enumerate(batches):
                with Timer() as t_peer:
                    n_peer = peer_step(peer, peer_data, batch - dataset.offsets[0], peer_opt)
                with Timer() as t_ours:
                    n_ours = train_step(model, criterion, collate(dataset, batch), ours_opt)["ntokens"]
                if n_peer != n_ours:
                    raise SystemExit(f"laser_throughput: the two systems saw different batches "
                                     f"({n_peer} and {n_ours} target tokens)")
                if step >= 2:
                    words["peer"] += n_peer
                    words["ours"] += n_ours
                    seconds["peer"] += t_peer.seconds
                    seconds["ours"] += t_ours.seconds
            ours, theirs = words["ours"] / seconds["ours"], words["peer"] / seconds["peer"]
            print(f"| {size} ({arch}) | {theirs:,.0f} | {ours:,.0f} | {ours / theirs:.2f} |", flush=True)


if __name__ == "__main__":
    main()
