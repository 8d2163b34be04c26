"""Training speed of translation ranking: the dual encoder with ``xling_ranking`` against sentence-transformers'
MultipleNegativesRankingLoss on a BERT of the same size.

    python -m benchmarks.ranking_throughput DATA_BIN [--pair de-en] [--threads 2] [--updates 20] [--batch-size 100]

DATA_BIN is a word-level data-bin of ``preprocess/multilingual.sh --subword none`` holding the pair (``bash
examples/dual_encoder/run.sh prepare`` makes one). Ours is ``--task xling_multitask --objectives
ranking:PAIR:similarity=cosine`` (MultipleNegativesRankingLoss's cosine and scale 20; the paper's dot product costs
the same) with ``--arch xling_dual_encoder_cpu`` / ``xling_dual_encoder``, three times: as the arch defines it (word
+ OOV buckets + hashed character 3/4-gram embeddings through tanh), the same with ``--sparse-embeddings`` and
``--optimizer lazy_adam`` (the tables' gradients and Adam updates touch the batch's rows only), and with
``--ngram-buckets 0 --oov-buckets 0`` (word embeddings only, the input layer of the peer). The peer is a
``SentenceTransformer`` of a freshly initialised ``transformers`` ``BertModel`` (saved to a temporary directory with
a word-piece-free tokenizer over our dictionaries, loaded through sentence-transformers' ``Transformer`` module; no
download) and mean ``Pooling``, trained with ``MultipleNegativesRankingLoss`` (anchor -> the batch's positives,
cosine, scale 20, mean over the batch).

Both see the same token ids: the peer's vocabulary is our shared word table (row = language offset + dictionary
id), and its step pads the same items of our dataset to ``input_ids`` + ``attention_mask`` (what its data
collator would hand the loss after tokenisation; its tokenizer is not run). Same batches (``--batch-size``
pairs, cut by our task as fairseq-train cuts them: similar lengths together), same sizes (model dim, layers,
heads, feed-forward, ReLU, dropout 0.1, no attention dropout, post-norm with LayerNorm on the input), Adam
(lr 1e-3) on every parameter. A step is collate -> forward of both sides -> loss -> backward -> Adam step; the
systems alternate batch by batch, the first of each batch in turn (so that a change of load on the machine hits
all alike), after 2 warm-up steps each. Printed per system: sentence pairs per second, its ratio to the peer's,
and the median over batches of the peer's time / its time (less moved by a burst of load on the machine than the
ratio of the sums).

What still differs: BERT learns its positions (plus a token-type table) where ours are sinusoidal; at the paper
size our 320-d input is projected to 512 (BERT embeds at 512 directly); fairseq's Transformer layers against
Hugging Face's (both use torch's scaled-dot-product attention).
"""
import os
import tempfile

import torch
from torch.nn.utils.rnn import pad_sequence

from benchmarks.common import Timer, build, collate, pair_langs, parse_args, train_step, training_parser
from fairseq_xling.optim.lazy_adam import LazyAdam

SIZES = {  # name: (our arch, model dim, layers, heads, feed-forward)
    "cpu": ("xling_dual_encoder_cpu", 256, 3, 4, 1024),
    "paper": ("xling_dual_encoder", 512, 3, 8, 2048),
}
PEER = "sentence-transformers MNRL, BertModel"
INPUTS = {  # our input layers: name -> (extra fairseq-train options, optimizer)
    "hashed n-grams": ([], torch.optim.Adam),
    "hashed n-grams, sparse tables, lazy Adam": (["--sparse-embeddings"], LazyAdam),
    "words only": (["--ngram-buckets", "0", "--oov-buckets", "0"], torch.optim.Adam),
}


def build_peer(vocab, dim: int, layers: int, heads: int, ffn: int):
    """A SentenceTransformer (BERT of the given size, mean pooling) whose token ids are the rows of our shared
    word table, built locally: a fresh BertModel and a tokenizer over our dictionaries saved to a temporary
    directory, loaded by sentence-transformers' own Transformer module."""
    import transformers
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    # one token per row; a row's language prefix keeps words that two dictionaries share apart
    tokens = [None] * vocab.size
    for lang, d in vocab.dicts.items():
        for i, symbol in enumerate(d.symbols):
            tokens[vocab.offsets[lang] + i] = f"{lang}:{symbol}"
    first = next(iter(vocab.dicts))
    pad, unk = vocab.pad(first), vocab.rows(first, vocab.dicts[first].unk())
    config = transformers.BertConfig(
        vocab_size=vocab.size, hidden_size=dim, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=ffn, hidden_act="relu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.0,
        max_position_embeddings=512, pad_token_id=pad)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(f"{t}\n" for t in tokens))
        transformers.BertTokenizerFast(os.path.join(tmp, "vocab.txt"), do_lower_case=False,
                                       tokenize_chinese_chars=False, unk_token=tokens[unk],
                                       pad_token=tokens[pad]).save_pretrained(tmp)
        # no pooler: mean pooling reads the token states only
        transformers.BertModel(config, add_pooling_layer=False).save_pretrained(tmp)
        peer = SentenceTransformer(modules=[Transformer(tmp), Pooling(dim, "mean")], device="cpu")
    return peer


def peer_features(items, key, lang, vocab) -> dict:
    """The peer's input for one side: our token ids as rows of the shared table, right-padded, with a mask."""
    rows = [vocab.rows(lang, item[key]) for item in items]
    input_ids = pad_sequence(rows, batch_first=True, padding_value=vocab.pad(lang))  # B x T
    lengths = torch.tensor([len(r) for r in rows])  # B
    attention_mask = (torch.arange(input_ids.size(1)) < lengths.unsqueeze(1)).long()  # B x T
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def peer_step(loss_fn, dataset, indices, optimizer, src, tgt, vocab) -> int:
    items = [dataset[int(i)] for i in indices]
    features = [peer_features(items, "source", src, vocab), peer_features(items, "target", tgt, vocab)]
    loss = loss_fn(features, None)  # mean over the batch
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return len(items)


def parameters(module) -> str:
    return f"{sum(p.numel() for p in module.parameters()) / 1e6:.1f}M"


def main():
    parser = training_parser(__doc__, "word-level data-bin made by preprocess/multilingual.sh --subword none", 20,
                             "system and size")
    parser.add_argument("--pair", default="de-en")
    parser.add_argument("--batch-size", type=int, default=100, help="sentence pairs per batch")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    args = parse_args(parser)
    src, tgt = pair_langs(parser, args.pair)
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    print(f"# translation ranking training throughput, {args.pair}, {args.threads} threads, batches of "
          f"{args.batch_size} pairs, in-batch softmax (cosine, scale 20), Adam, {args.updates} steps each after 2 "
          f"warm-up steps, alternating batch by batch")
    print("| size | system | parameters | pairs/s | speed / ST | median over batches of speed / ST |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        arch, dim, layers, heads, ffn = SIZES[size]
        torch.manual_seed(1)
        ours = {}
        for name, (extra, optimizer) in INPUTS.items():
            _, task, model, criterion = build([args.data, "--task", "xling_multitask", "--objectives",
                                               f"ranking:{args.pair}:similarity=cosine", "--arch", arch,
                                               "--criterion", "xling_multitask", *extra])
            ours[name] = (task.dataset("train"), model, criterion, optimizer(model.parameters(), lr=1e-3))
        dataset = ours[next(iter(INPUTS))][0]
        pairs_data = dataset.datasets[0]  # the pairs themselves, indexed from 0 (the peer's view)
        vocab = task.vocabs["word"]
        peer = build_peer(vocab, dim, layers, heads, ffn)
        peer_loss = MultipleNegativesRankingLoss(peer)  # cosine similarity, scale 20
        peer_opt = torch.optim.Adam(peer.parameters(), lr=1e-3)
        batches = task.objective_batches(dataset, 0, None, args.batch_size, (1, 1, 0, 0))
        batches = (batches * (1 + (args.updates + 2) // len(batches)))[: args.updates + 2]
        order = [PEER, *ours]
        pairs, seconds = 0, {name: [] for name in order}  # seconds: per timed step
        peer.train()
        for _, model, _, _ in ours.values():
            model.train()
        for step, batch in enumerate(batches):
            counts, times = {}, {}
            for name in order[step % len(order):] + order[: step % len(order)]:  # who goes first rotates
                with Timer() as t:
                    if name == PEER:
                        counts[name] = peer_step(peer_loss, pairs_data, batch - dataset.offsets[0], peer_opt, src,
                                                 tgt, vocab)
                    else:
                        data, model, criterion, optimizer = ours[name]
                        counts[name] = train_step(model, criterion, collate(data, batch), optimizer)["nsentences"]
                times[name] = t.seconds
            if len(set(counts.values())) != 1:
                raise SystemExit(f"ranking_throughput: the systems saw different batches ({counts})")
            if step >= 2:
                pairs += counts[PEER]
                for name in order:
                    seconds[name].append(times[name])
        peer_seconds = torch.tensor(seconds[PEER])
        for name in order:
            mine = torch.tensor(seconds[name])
            module = peer if name == PEER else ours[name][1]
            system = name if name == PEER else f"ours ({arch}, {name})"
            print(f"| {size} ({layers} x {dim}, {heads} heads, ffn {ffn}) | {system} | {parameters(module)} | "
                  f"{pairs / mine.sum():,.1f} | {peer_seconds.sum() / mine.sum():.2f} | "
                  f"{(peer_seconds / mine).median():.2f} |", flush=True)


if __name__ == "__main__":
    main()
