"""Examples made of several aligned sentences of one language (quick-thought triplets, conversation pairs, NLI
pairs), each collated as the model's input, for the multi-task dual encoder's objectives."""
from typing import Dict, Optional

import numpy as np
import torch

from fairseq_xling.data.parallel_dataset import collate_side, strip_eos
from fairseq_xling.data.sized_dataset import SizedDataset


class SidesDataset(SizedDataset):
    """Args:
        sides: side name -> indexed dataset (item i of each belongs to example i).
        lang, dictionary: their language and dictionary.
        labels: optional indexed dataset of one label id per example (binarised with ``label_dict``).
        where: names the data in errors.
    """

    def __init__(self, sides: Dict[str, object], lang: str, dictionary, labels=None, label_dict=None,
                 where: str = ""):
        lengths = {name: len(d) for name, d in sides.items()}
        if labels is not None:
            lengths["label"] = len(labels)
        if len(set(lengths.values())) != 1:
            raise ValueError(f"{where}: the aligned files have different numbers of lines: {lengths}")
        self.sides, self.lang, self.dictionary = sides, lang, dictionary
        self.labels, self.label_dict = labels, label_dict
        self.sizes = np.max([np.maximum(np.asarray(d.sizes) - 1, 0) for d in sides.values()], axis=0)

    def __len__(self):
        return len(self.sizes)

    def __getitem__(self, index):
        item = {"id": index}
        for name, d in self.sides.items():
            item[name] = strip_eos(d[index], self.dictionary.eos())
        if self.labels is not None:  # the label's id in label_dict, without </s>
            item["label"] = int(self.labels[index][0]) - self.label_dict.nspecial
        return item

    def side(self, samples, name: str, head: Optional[str] = None, role: Optional[str] = None) -> dict:
        """Side ``name`` of the samples as the model's input, with the head (and its role) to run on it."""
        net_input = collate_side([s[name] for s in samples], self.dictionary.pad(), self.lang)
        if head is not None:
            net_input["head"] = head
        if role is not None:
            net_input["role"] = role
        return net_input

    def base_batch(self, samples) -> dict:
        return {"id": torch.tensor([s["id"] for s in samples]), "nsentences": len(samples),
                "ntokens": sum(len(s[name]) for s in samples for name in self.sides)}
