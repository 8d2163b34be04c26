"""Sentences (or sentence pairs) with the teacher's vector of each, for the ``distill`` objective."""
import numpy as np
import torch
from fairseq.data import FairseqDataset

from fairseq_xling.data.parallel_dataset import collate_side, strip_eos
from fairseq_xling.data.sized_dataset import SizedDataset


class SentenceDataset(SizedDataset):
    """One language's binarised sentences (``mono.{lang}``), collated as the model's ``net_input``."""

    def __init__(self, tokens, lang: str, dictionary):
        self.tokens, self.lang, self.dictionary = tokens, lang, dictionary
        self.sizes = np.maximum(np.asarray(tokens.sizes) - 1, 0)  # without </s>

    def __len__(self):
        return len(self.tokens)

    def __getitem__(self, index):
        return {"id": index, "source": strip_eos(self.tokens[index], self.dictionary.eos())}

    def collater(self, samples):
        if not samples:
            return {}
        return {
            "id": torch.tensor([s["id"] for s in samples]),
            "nsentences": len(samples),
            "ntokens": sum(len(s["source"]) for s in samples),
            "net_input": collate_side([s["source"] for s in samples], self.dictionary.pad(), self.lang),
        }


class DistillDataset(FairseqDataset):
    """Adds row ``i`` of the teacher's vectors to example ``i`` of ``base`` (a :class:`SentenceDataset` or a
    ``ParallelSentenceDataset`` whose source side the teacher embedded), and the model head to both inputs.

    Args:
        base: the sentences; ``teacher``: N x D array (float16, memory-mapped), row i = sentence i of ``base``.
        head: the model's distillation head (the student's projection into the teacher's space).
    """

    def __init__(self, base, teacher: np.ndarray, head: str):
        if len(teacher) != len(base):  # load_vectors checks the file; this guards the pairing itself
            raise ValueError(f"{len(teacher)} teacher vectors for {len(base)} sentences")
        self.base, self.teacher, self.head = base, teacher, head

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        return dict(self.base[index], teacher=torch.from_numpy(np.asarray(self.teacher[index], dtype=np.float32)))

    def num_tokens(self, index):
        return self.base.num_tokens(index)

    def num_tokens_vec(self, indices):
        return self.base.num_tokens_vec(indices)

    def size(self, index):
        return self.base.size(index)

    def ordered_indices(self):
        return self.base.ordered_indices()

    def collater(self, samples):
        if not samples:
            return {}
        batch = self.base.collater(samples)
        batch["teacher"] = torch.stack([s["teacher"] for s in samples])  # B x D
        for side in ("net_input", "tgt_input"):
            if side in batch:
                batch[side]["head"] = self.head
        return batch

    @property
    def supports_prefetch(self):
        return False
