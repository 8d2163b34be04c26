"""Several objectives' datasets behind one index space, collated into homogeneous batches.

Global index ``offsets[k] + i`` is example ``i`` of objective ``k``. A batch never mixes objectives: the
collater asserts it and tags the batch with ``sample["objective"]``, which the multitask criterion dispatches on.
"""
from collections import OrderedDict

import numpy as np
from fairseq.data import FairseqDataset


class MultitaskDataset(FairseqDataset):
    """Args:
        datasets: objective name -> dataset, in objective order.
    """

    def __init__(self, datasets: "OrderedDict[str, FairseqDataset]"):
        self.names = list(datasets)
        self.datasets = list(datasets.values())
        self.offsets = np.cumsum([0] + [len(d) for d in self.datasets])
        self.skipped = {}  # objective number -> local indices of examples too long for the model (never batched)

    def __len__(self):
        return int(self.offsets[-1])

    def locate(self, index):
        """Global index -> (objective number, local index)."""
        k = int(np.searchsorted(self.offsets, index, side="right")) - 1
        return k, index - int(self.offsets[k])

    def __getitem__(self, index):
        k, i = self.locate(index)
        return k, self.datasets[k][i]

    def collater(self, samples):
        if not samples:
            return {}
        k = samples[0][0]
        if any(s[0] != k for s in samples):
            raise ValueError("a multitask batch mixes objectives; batches must come from one objective")
        batch = self.datasets[k].collater([s[1] for s in samples])
        batch["objective"] = self.names[k]
        return batch

    def lengths(self, k: int) -> np.ndarray:
        """num_tokens of every example of objective k."""
        sub = self.datasets[k]
        if hasattr(sub, "num_tokens_vec"):
            return np.asarray(sub.num_tokens_vec(np.arange(len(sub))))
        return np.array([sub.num_tokens(i) for i in range(len(sub))], dtype=np.int64)

    def num_tokens(self, index):
        k, i = self.locate(index)
        return self.datasets[k].num_tokens(i)

    def size(self, index):
        k, i = self.locate(index)
        return self.datasets[k].size(i)

    def set_epoch(self, epoch):
        super().set_epoch(epoch)
        for d in self.datasets:
            d.set_epoch(epoch)

    @property
    def can_reuse_epoch_itr_across_epochs(self):
        return False

    @property
    def supports_prefetch(self):
        return False
