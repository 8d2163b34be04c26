"""``ranking``: translation ranking (Guo et al. 2018; Chidambaram et al. 2019): the encoding of a sentence must
score its translation above every other translation in the batch, g on both sides and no task layers.

``ranking:de-en`` reads the de-en pairs of the data-bin; ``ranking:de-en:hard_negatives=5`` adds, for each pair,
5 translations of other sentences that a ranking model confused with the right one (Guo et al.'s hard negatives),
read from ``{split}.de-en.hardneg.en.npy`` next to the pair (written by ``xling-mine-negatives``). Scored by
``xling_ranking`` (in-batch softmax; ``similarity=cosine``, ``scale=``, ``symmetric=true`` are its options).
"""
import os
from dataclasses import dataclass

import numpy as np

from fairseq_xling.data.objectives import ObjectiveConfig, load_pair, pair_prefix, register_objective
from fairseq_xling.data.parallel_dataset import ParallelSentenceDataset, collate_side, strip_eos
from fairseq_xling.errors import UserError


def hard_negatives_path(data_dir: str, split: str, src: str, tgt: str) -> str:
    """Where the hard negatives of the ``src-tgt`` pair's targets live (row i: target indices for pair i)."""
    return os.path.join(data_dir, f"{pair_prefix(split, data_dir, src, tgt)}.hardneg.{tgt}.npy")


def load_hard_negatives(path: str, num_pairs: int, k: int) -> np.ndarray:
    """The first ``k`` hard negatives of every pair: num_pairs x k indices of targets (never the pair's own)."""
    if not os.path.isfile(path):
        raise UserError(f"{path}: no hard negatives; mine them with xling-mine-negatives (or drop hard_negatives=)")
    try:
        negatives = np.load(path, mmap_mode="r")
    except ValueError as e:
        raise UserError(f"{path}: not a .npy array ({e})") from None
    if negatives.ndim != 2 or negatives.shape[0] != num_pairs or not np.issubdtype(negatives.dtype, np.integer):
        raise UserError(f"{path}: a {negatives.dtype} array of shape {negatives.shape}; expected integers, one row "
                        f"per pair ({num_pairs} pairs): the pairs were rebinarised since mining, mine them again")
    if negatives.shape[1] < k:
        raise UserError(f"{path}: {negatives.shape[1]} hard negatives per pair; hard_negatives={k} asks for more")
    negatives = np.asarray(negatives[:, :k])
    bad = (negatives < 0) | (negatives >= num_pairs) | (negatives == np.arange(num_pairs)[:, None])
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise UserError(f"{path}: row {row} names target {negatives[row].tolist()}: expected indices of other "
                        f"pairs' targets (0..{num_pairs - 1})")
    return negatives


class HardNegativePairs(ParallelSentenceDataset):
    """Sentence pairs plus, per pair, k targets of other pairs (``negatives``: N x k), collated as one extra batch
    ``negative_input`` of B*k target sentences."""

    def __init__(self, pairs: ParallelSentenceDataset, negatives: np.ndarray):
        super().__init__(pairs.src, pairs.tgt, pairs.src_lang, pairs.tgt_lang, pairs.src_dict, pairs.tgt_dict)
        self.negatives = negatives

    def __getitem__(self, index):
        item = super().__getitem__(index)
        item["negatives"] = [strip_eos(self.tgt[int(j)], self.tgt_dict.eos()) for j in self.negatives[index]]
        return item

    def collater(self, samples):
        batch = super().collater(samples)
        if batch:
            negatives = [t for s in samples for t in s["negatives"]]
            batch["negative_input"] = collate_side(negatives, self.tgt_dict.pad(), self.tgt_lang)
            batch["ntokens"] += sum(len(t) for t in negatives)
        return batch


@register_objective("ranking")
@dataclass
class RankingObjective(ObjectiveConfig):
    hard_negatives: int = 0  # k mined hard negatives per pair (Guo et al. 2018; the paper's 5)

    default_criterion = "xling_ranking"

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        if len(langs) != 2:
            raise UserError(f"ranking objective needs a language pair such as de-en, got {'-'.join(langs)}")
        pairs = load_pair(split, data_dir, langs[0], langs[1], vocabs["word"], with_alignments=False)
        if pairs is None or not self.hard_negatives or split != "train":
            return pairs
        path = hard_negatives_path(data_dir, split, langs[0], langs[1])
        return HardNegativePairs(pairs, load_hard_negatives(path, len(pairs), self.hard_negatives))


