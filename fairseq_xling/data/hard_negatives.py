"""``xling-mine-negatives``: hard negatives for the ranking objective (Guo et al. 2018), mined by a trained model.

    xling-mine-negatives DATA_BIN --checkpoint CKPT --pair de-en [--k 5] [--split train] [--similarity dot]

For each pair (s_i, t_i) of ``{split}.de-en`` the k targets t_j that the checkpoint's encoder scores highest for
s_i, as the ranking loss scores them (dot product or cosine of the sentence vectors), that are not t_i and not
a copy of its text: the translations a ranking model confuses with the right one (Guo et al. pick them with a
ranking-only model; the issue asked for the neighbours of each target, but the source's confusions are what the
loss sees). Written to ``DATA_BIN/{split}.de-en.hardneg.en.npy`` (int32, N x k, atomically, with a
``.json`` record of how) and read by ``ranking:de-en:hard_negatives=k``. The checkpoint must have been trained
with this data-bin's dictionaries. A user problem is one ``error:`` line (exit status 1).
"""
import argparse
import json
import os
import sys
import time
from typing import Optional, Sequence

import numpy as np
import torch
from tqdm import tqdm

from fairseq_xling.errors import UserError


@torch.no_grad()
def encode_dataset(model, sentences, lang: str, pad: int, batch_tokens: int = 8000, desc: str = "") -> torch.Tensor:
    """Sentence vectors (what the ranking loss compares) of binarised sentences (token id tensors), in order."""
    from fairseq_xling.criterions.ranking import ranking_vectors
    from fairseq_xling.data.parallel_dataset import collate_side

    order = np.argsort([len(s) for s in sentences], kind="stable")
    out, start = None, 0
    with tqdm(total=len(order), desc=desc, unit="sent", disable=not desc) as bar:
        while start < len(order):
            longest, end = 0, start
            while end < len(order) and max(longest, len(sentences[order[end]])) * (end - start + 1) <= batch_tokens:
                longest, end = max(longest, len(sentences[order[end]])), end + 1
            end = max(end, start + 1)
            batch = [sentences[i] for i in order[start:end]]
            vectors = ranking_vectors(model(**collate_side(batch, pad, lang))).float()
            if out is None:
                out = vectors.new_zeros(len(sentences), vectors.size(1))
            out[torch.from_numpy(order[start:end])] = vectors
            bar.update(end - start)
            start = end
    return out


def mine(queries: torch.Tensor, targets: torch.Tensor, groups: np.ndarray, k: int, similarity: str = "dot",
         chunk: int = 1024) -> np.ndarray:
    """For every query i the k targets scoring highest that are not in target i's group (same text): N x k.

    Args:
        queries, targets: N x D (row i of each is a pair); groups: N ids, equal for targets with the same text.
    """
    if similarity == "cosine":
        queries = torch.nn.functional.normalize(queries, dim=-1)
        targets = torch.nn.functional.normalize(targets, dim=-1)
    n = queries.size(0)
    largest_group = int(np.bincount(groups).max())
    if n - largest_group < k:
        raise UserError(f"{n} pairs: not enough other targets for {k} hard negatives each")
    groups_t = torch.from_numpy(groups)
    result = np.zeros((n, k), dtype=np.int32)
    for start in range(0, n, chunk):
        scores = queries[start: start + chunk] @ targets.t()  # c x N
        same = groups_t[start: start + chunk].unsqueeze(1) == groups_t.unsqueeze(0)  # c x N: the pair's own text
        scores.masked_fill_(same, float("-inf"))
        result[start: start + chunk] = scores.topk(k, dim=1).indices.numpy()
    return result


def text_groups(sentences) -> np.ndarray:
    """One id per distinct token sequence."""
    ids = {}
    return np.array([ids.setdefault(tuple(s.tolist()), len(ids)) for s in sentences], dtype=np.int64)


def run(args) -> str:
    from fairseq_xling.data.objectives import load_pair, parse_langs
    from fairseq_xling.data.objectives.ranking import hard_negatives_path
    from fairseq_xling.hub_interface import XlingHubInterface

    src, tgt = parse_langs(args.pair, f"--pair {args.pair}")
    if not os.path.isdir(args.data):
        raise UserError(f"{args.data}: no such data-bin directory")
    torch.set_num_threads(args.threads)
    hub = XlingHubInterface.from_pretrained(os.path.dirname(args.checkpoint) or ".", os.path.basename(args.checkpoint))
    vocab = hub.task.vocab
    for lang in (src, tgt):
        path = os.path.join(args.data, f"dict.{lang}.txt")
        if lang not in vocab.dicts:
            raise UserError(f"{args.checkpoint}: the model knows no language {lang!r}; it has {', '.join(vocab.langs)}")
        if not os.path.isfile(path):
            raise UserError(f"{path}: missing; expected the data-bin's dictionary of {lang}")
        with open(path, encoding="utf-8") as f:
            symbols = [line.split(" ")[0] for line in f if line.strip()]
        d = vocab.dicts[lang]
        if symbols != d.symbols[d.nspecial:]:
            raise UserError(f"{path}: not the dictionary {args.checkpoint} was trained with; mine with a model "
                            f"trained on this data-bin")
    pairs = load_pair(args.split, args.data, src, tgt, vocab, with_alignments=False)
    if pairs is None:
        raise UserError(f"{args.data}: no {args.split} pairs of {src}-{tgt}")
    items = [pairs[i] for i in range(len(pairs))]
    started = time.time()
    model = hub.model
    queries = encode_dataset(model, [it["source"] for it in items], src, vocab.pad(src), desc=f"encode {src}")
    targets_text = [it["target"] for it in items]
    targets = encode_dataset(model, targets_text, tgt, vocab.pad(tgt), desc=f"encode {tgt}")
    negatives = mine(queries, targets, text_groups(targets_text), args.k, args.similarity)
    out = hard_negatives_path(args.data, args.split, src, tgt)
    tmp = f"{out}.tmp{os.getpid()}.npy"
    try:
        np.save(tmp, negatives)
        with open(f"{out[:-4]}.json.tmp", "w") as f:
            json.dump({"checkpoint": os.path.abspath(args.checkpoint), "k": args.k, "similarity": args.similarity,
                       "pairs": len(pairs), "seconds": round(time.time() - started, 1)}, f, indent=1)
        os.replace(f"{out[:-4]}.json.tmp", f"{out[:-4]}.json")
        os.replace(tmp, out)
    finally:
        for path in (tmp, f"{out[:-4]}.json.tmp"):
            if os.path.exists(path):
                os.remove(path)
    return out


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="xling-mine-negatives", description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="the data-bin whose pairs get hard negatives")
    parser.add_argument("--checkpoint", required=True, help="a ranking model trained on this data-bin")
    parser.add_argument("--pair", required=True, help="SRC-TGT, e.g. de-en: negatives are TGT sentences")
    parser.add_argument("--k", type=int, default=5, help="hard negatives per pair (default 5, the paper's)")
    parser.add_argument("--split", default="train")
    parser.add_argument("--similarity", choices=("dot", "cosine"), default="dot",
                        help="as the ranking criterion scores (default dot)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error("--k: expected at least 1")
    try:
        out = run(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    print(out)


if __name__ == "__main__":
    main()
