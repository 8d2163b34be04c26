"""Skip-gram training examples: sentences in, (word, context) pairs out.

Items are aligned sentence pairs followed by monolingual sentences. The collater turns a batch of them into
pairs of rows of the shared embedding table (:class:`~fairseq_xling.data.vocab.MultilingualVocab`):
monolingual pairs from every sentence (both sides of each parallel pair and each monolingual sentence), and
cross-lingual pairs through the alignments, balanced to equal numbers per batch as Singla et al. (2018) do.
"""
import zlib
from typing import Dict, Optional

import numpy as np
import torch

from fairseq_xling.data.parallel_dataset import ParallelSentenceDataset, strip_eos
from fairseq_xling.data.sized_dataset import SizedDataset
from fairseq_xling.data.skipgram_pairs import balance, crosslingual_pairs, monolingual_pairs
from fairseq_xling.data.vocab import MultilingualVocab


class SkipGramDataset(SizedDataset):
    """Args:
        vocab: the shared table's layout (language offsets).
        parallel: aligned sentence pairs (may be None: monolingual skip-gram only).
        mono: language -> indexed dataset of monolingual sentences (with </s>, as binarised).
        window: context window on each side.
        max_pairs: cap on pairs per batch (None: every pair the batch's sentences give).
        seed: seeds the per-batch subsampling and noise words (with the batch's example ids: reproducible).
        negatives: noise words drawn per batch, shared by its pairs (Singla et al. 2018), from the unigram
            distribution ** ``noise_power`` over the rows of the shared table.
    """

    def __init__(self, vocab: MultilingualVocab, parallel: Optional[ParallelSentenceDataset],
                 mono: Optional[Dict[str, object]] = None, window: int = 5, max_pairs: Optional[int] = None,
                 seed: int = 1, negatives: int = 512, noise_power: float = 0.75):
        if parallel is not None and parallel.align is None:
            raise ValueError("skip-gram needs word alignments for its parallel data")
        self.vocab, self.parallel, self.window, self.max_pairs, self.seed = vocab, parallel, window, max_pairs, seed
        self.mono = [(lang, ds) for lang, ds in sorted((mono or {}).items())]
        self.n_par = len(parallel) if parallel is not None else 0
        self.starts = np.cumsum([self.n_par] + [len(ds) for _, ds in self.mono])  # where each mono part starts
        sizes = [parallel.src_sizes + parallel.tgt_sizes] if parallel is not None else []
        sizes += [np.maximum(np.asarray(ds.sizes) - 1, 0) for _, ds in self.mono]
        self.sizes = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
        weights = vocab.counts() ** noise_power
        if weights.sum() <= 0:
            raise ValueError("skip-gram noise distribution: the dictionaries carry no word counts")
        self.noise_cdf, self.negatives = np.cumsum(weights / weights.sum()), negatives

    def __len__(self):
        return int(self.starts[-1])

    def __getitem__(self, index):
        if index < self.n_par:
            item = self.parallel[index]
            return {"id": index, "pair": (item["source"], item["target"], item["alignment"])}
        part = int(np.searchsorted(self.starts, index, side="right")) - 1
        lang, ds = self.mono[part]
        tokens = strip_eos(ds[index - self.starts[part]], self.vocab.dicts[lang].eos())
        return {"id": index, "mono": (lang, tokens)}

    def ordered_indices(self):
        return np.random.permutation(len(self))

    def collater(self, samples):
        if not samples:
            return {}
        ids = np.array([s["id"] for s in samples], dtype=np.int64)
        rng = np.random.default_rng([self.seed, zlib.crc32(ids.tobytes())])
        sentences = []  # global ids of every sentence, for monolingual pairs
        pairs = [s["pair"] for s in samples if "pair" in s]
        if pairs:
            src = [self.vocab.rows(self.parallel.src_lang, p[0].numpy()) for p in pairs]
            tgt = [self.vocab.rows(self.parallel.tgt_lang, p[1].numpy()) for p in pairs]
            sentences += src + tgt
        for s in samples:
            if "mono" in s:
                lang, tokens = s["mono"]
                sentences.append(self.vocab.rows(lang, tokens.numpy()))
        lengths = np.array([len(x) for x in sentences])
        flat = np.concatenate(sentences) if sentences else np.zeros(0, np.int64)
        mono = monolingual_pairs(flat, np.repeat(np.arange(len(sentences)), lengths), self.window)
        if pairs:
            src_len = np.array([len(x) for x in src])
            tgt_len = np.array([len(x) for x in tgt])
            links = [p[2].numpy() for p in pairs]
            n_links = np.array([len(x) for x in links])
            links = np.concatenate(links) if n_links.sum() else np.zeros((0, 2), np.int64)
            cross = crosslingual_pairs(
                np.concatenate(src), np.cumsum(src_len) - src_len, src_len,
                np.concatenate(tgt), np.cumsum(tgt_len) - tgt_len, tgt_len,
                np.repeat(np.arange(len(pairs)), n_links), links[:, 0], links[:, 1], self.window)
        else:
            cross = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        centers, contexts, n_mono, n_cross = balance(mono, cross, rng, self.max_pairs)
        noise = np.minimum(np.searchsorted(self.noise_cdf, rng.random(self.negatives)), len(self.noise_cdf) - 1)
        return {
            "id": torch.from_numpy(ids),
            "nsentences": len(samples),
            "ntokens": int(lengths.sum()),
            "net_input": {"head": "skipgram",
                          "centers": torch.from_numpy(centers),  # P
                          "contexts": torch.from_numpy(contexts),  # P
                          "noise": torch.from_numpy(noise)},  # K
            "n_mono": n_mono,
            "n_cross": n_cross,
        }
