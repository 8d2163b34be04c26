"""Base class for datasets whose examples have one size each (words, </s> not counted)."""
import numpy as np
from fairseq.data import FairseqDataset


class SizedDataset(FairseqDataset):
    """Subclasses set ``self.sizes`` (an int array, one entry per example); batching reads it."""

    sizes: np.ndarray

    def num_tokens(self, index):
        return max(int(self.sizes[index]), 1)

    def num_tokens_vec(self, indices):
        return np.maximum(self.sizes[indices], 1)

    def size(self, index):
        return int(self.sizes[index])

    def ordered_indices(self):
        """Shuffled, then stably sorted by size (batches of similar lengths, a new mix of them every epoch)."""
        order = np.random.permutation(len(self))
        return order[np.argsort(self.sizes[order], kind="mergesort")]

    @property
    def supports_prefetch(self):
        return False
