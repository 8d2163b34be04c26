"""Sentence pairs (and optional word alignments) collated for objectives that encode both sides."""

import numpy as np
import torch
from fairseq.data import FairseqDataset
from torch.nn.utils.rnn import pad_sequence


def strip_eos(tokens: torch.Tensor, eos: int) -> torch.Tensor:
    """fairseq-preprocess appends </s> to every line; sentence encoders here see words only."""
    return tokens[:-1] if len(tokens) > 0 and tokens[-1] == eos else tokens


def collate_side(seqs, pad: int, lang: str) -> dict:
    """Right-padded batch of one language: the model's ``net_input``."""
    return {
        "src_tokens": pad_sequence(seqs, batch_first=True, padding_value=pad),  # B x T
        "src_lengths": torch.tensor([len(s) for s in seqs], dtype=torch.long),  # B
        "src_lang": lang,
    }


class ParallelSentenceDataset(FairseqDataset):
    """Args:
        src, tgt: indexed datasets of the two sides (line i of each is a translation pair).
        src_lang, tgt_lang: language codes.
        src_dict, tgt_dict: their dictionaries.
        align: optional indexed dataset of flattened Pharaoh links ``[i0, j0, i1, j1, ...]``
            (i indexes src words, j tgt words), as written by ``fairseq-preprocess --align-suffix``.
    """

    def __init__(self, src, tgt, src_lang, tgt_lang, src_dict, tgt_dict, align=None):
        if len(src) != len(tgt):
            raise ValueError(f"{src_lang}-{tgt_lang}: {len(src)} source but {len(tgt)} target sentences")
        if align is not None and len(align) != len(src):
            raise ValueError(f"{src_lang}-{tgt_lang}: {len(align)} alignment lines for {len(src)} pairs")
        self.src, self.tgt, self.align = src, tgt, align
        self.src_lang, self.tgt_lang = src_lang, tgt_lang
        self.src_dict, self.tgt_dict = src_dict, tgt_dict
        # sizes without </s>
        self.src_sizes = np.maximum(np.asarray(src.sizes) - 1, 0)
        self.tgt_sizes = np.maximum(np.asarray(tgt.sizes) - 1, 0)

    def __len__(self):
        return len(self.src)

    def __getitem__(self, index):
        item = {
            "id": index,
            "source": strip_eos(self.src[index], self.src_dict.eos()),
            "target": strip_eos(self.tgt[index], self.tgt_dict.eos()),
        }
        if self.align is not None:
            item["alignment"] = self.align[index].view(-1, 2)  # links x 2: (src word, tgt word)
        return item

    def num_tokens(self, index):
        return max(self.src_sizes[index], self.tgt_sizes[index], 1)

    def num_tokens_vec(self, indices):
        return np.maximum(np.maximum(self.src_sizes[indices], self.tgt_sizes[indices]), 1)

    def size(self, index):
        return (self.src_sizes[index], self.tgt_sizes[index])

    def ordered_indices(self):
        """Shuffled, then stably sorted by length (so batches hold similar lengths)."""
        order = np.random.permutation(len(self))
        order = order[np.argsort(self.tgt_sizes[order], kind="mergesort")]
        return order[np.argsort(self.src_sizes[order], kind="mergesort")]

    def collater(self, samples):
        if not samples:
            return {}
        return {
            "id": torch.tensor([s["id"] for s in samples]),
            "nsentences": len(samples),
            "ntokens": sum(len(s["source"]) + len(s["target"]) for s in samples),
            "net_input": collate_side([s["source"] for s in samples], self.src_dict.pad(), self.src_lang),
            "tgt_input": collate_side([s["target"] for s in samples], self.tgt_dict.pad(), self.tgt_lang),
        }

    @property
    def supports_prefetch(self):
        return False


class TranslationDataset(ParallelSentenceDataset):
    """Sentence pairs for teacher-forced translation in fairseq's layout: the source without </s> in
    ``net_input`` (with ``src_lang``, and ``tgt_lang`` for the decoder only), ``prev_output_tokens`` = </s> then the
    target, ``target`` = the target then </s>; both sides right-padded with the (joined) dictionary's padding.
    ``ntokens`` counts target tokens, as fairseq's translation criteria expect."""

    def __getitem__(self, index):
        target, eos = self.tgt[index], self.tgt_dict.eos()
        if len(target) == 0 or target[-1] != eos:  # fairseq-preprocess ends every line with </s>; others may not
            target = torch.cat([target, target.new_full((1,), eos)])
        return {"id": index, "source": strip_eos(self.src[index], self.src_dict.eos()), "target": target}

    def num_tokens(self, index):
        return max(self.src_sizes[index], self.tgt_sizes[index] + 1, 1)

    def num_tokens_vec(self, indices):
        return np.maximum(np.maximum(self.src_sizes[indices], self.tgt_sizes[indices] + 1), 1)

    def collater(self, samples):
        if not samples:
            return {}
        eos, pad = self.tgt_dict.eos(), self.tgt_dict.pad()
        targets = [s["target"] for s in samples]
        prev = [torch.cat([t.new_full((1,), eos), t[:-1]]) for t in targets]  # </s> w1 ... wn
        net_input = collate_side([s["source"] for s in samples], self.src_dict.pad(), self.src_lang)
        net_input.update(tgt_lang=self.tgt_lang, prev_output_tokens=pad_sequence(prev, batch_first=True,
                                                                                 padding_value=pad))
        return {
            "id": torch.tensor([s["id"] for s in samples]),
            "nsentences": len(samples),
            "ntokens": sum(len(t) for t in targets),
            "net_input": net_input,
            "target": pad_sequence(targets, batch_first=True, padding_value=pad),  # B x T, ends with </s>
        }
