"""``nli``: natural language inference as sentence-pair classification on the two encodings (Bowman et al. 2015;
Conneau et al. 2017; Chidambaram et al. 2019): (u, v, |u - v|, u * v) -> a feed-forward layer (512, tanh) -> 3
classes.

With ``joint=true`` the pair is one input instead, premise </s> hypothesis (the sentence end as the separator),
and the head is a pre-pool feed-forward layer on every token, a max-pool and a post-pool feed-forward layer
(``pre_dims``, ``post_dims``: 64 and 64, Siddhant et al. 2020's XNLI classifier on MMTE).

``nli:en`` reads ``{split}.nli.{premise,hypothesis,label}.en`` and the label dictionary ``dict.nli_label.txt``
(``preprocess/multilingual.sh --nli en FILE`` with ``premise<TAB>hypothesis<TAB>label`` lines). The class names
travel with the checkpoint. Scored by ``xling_classification`` (cross-entropy, accuracy).
"""
import os
from dataclasses import dataclass

import numpy as np
from fairseq.data import Dictionary

from fairseq_xling.data.objectives import (ObjectiveConfig, exists, load_indexed, load_sides, parse_dims,
                                           register_objective, same_option)
from fairseq_xling.data.sides_dataset import SidesDataset
from fairseq_xling.errors import UserError

LABEL_DICT = "dict.nli_label.txt"


def read_labels(data_dir: str) -> Dictionary:
    path = os.path.join(data_dir, LABEL_DICT)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"expected {path}, the NLI label dictionary (made by preprocess/multilingual.sh --nli)")
    return Dictionary.load(path)


def class_names(labels: Dictionary):
    return [s for s in labels.symbols[labels.nspecial:] if not s.startswith("madeupword")]


class NliDataset(SidesDataset):
    head = "nli"

    def collater(self, samples):
        import torch

        if not samples:
            return {}
        net_input = {"head": self.head, "first": self.side(samples, "premise"),
                     "second": self.side(samples, "hypothesis")}
        return dict(self.base_batch(samples), net_input=net_input,
                    target=torch.tensor([s["label"] for s in samples], dtype=torch.long))


class JointNliDataset(NliDataset):
    """The pair as one input: premise </s> hypothesis."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sizes = np.sum([np.maximum(np.asarray(d.sizes) - 1, 0) for d in self.sides.values()], axis=0) + 1

    def collater(self, samples):
        import torch

        if not samples:
            return {}
        eos = torch.tensor([self.dictionary.eos()], dtype=samples[0]["premise"].dtype)
        joined = [dict(s, pair=torch.cat([s["premise"], eos, s["hypothesis"]])) for s in samples]
        return dict(self.base_batch(samples), net_input=self.side(joined, "pair", head=self.head),
                    target=torch.tensor([s["label"] for s in samples], dtype=torch.long))


@register_objective("nli")
@dataclass
class NliObjective(ObjectiveConfig):
    head_dims: str = "512"  # the classifier's hidden layers (tanh) on (u, v, |u - v|, u * v)
    joint: bool = False  # one input premise </s> hypothesis, classified by pre-pool -> max-pool -> post-pool
    pre_dims: str = "64"  # joint: the feed-forward layers before the pooling (ReLU)
    post_dims: str = "64"  # joint: the feed-forward layers after it (ReLU)

    default_criterion = "xling_classification"

    def check(self, where):
        super().check(where)
        for name in ("head_dims", "pre_dims", "post_dims"):
            parse_dims(getattr(self, name), where, name=name)

    def head_name(self, objective):
        return NliDataset.head

    def metadata(self, data_dir):
        """The data-bin's metadata plus the class names (the head is built from them)."""
        return dict(super().metadata(data_dir), classes=class_names(read_labels(data_dir)))

    def build_head(self, objectives, task, encoder, model_cfg):
        from fairseq_xling.models.heads import PairClassificationHead

        classes = {tuple(task.data_meta[o.name]["classes"]) for o in objectives}
        if len(classes) > 1:
            raise UserError(f"objectives {', '.join(o.name for o in objectives)} have different NLI labels: "
                            f"{sorted(classes)}")
        if same_option(objectives, "joint"):
            from fairseq_xling.models.heads import JointClassificationHead

            pre, post = (parse_dims(same_option(objectives, k), "nli", name=k) for k in ("pre_dims", "post_dims"))
            return JointClassificationHead(encoder.output_dim, len(classes.pop()), pre, post)
        dims = parse_dims(same_option(objectives, "head_dims"), "nli")
        return PairClassificationHead(encoder.sentence_dim, len(classes.pop()), dims)

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        if len(langs) != 1:
            raise UserError(f"nli objective takes one language (nli:en), got {'-'.join(langs)}")
        lang = langs[0]
        if not exists(data_dir, f"{split}.nli.label.{lang}"):
            if split == "train":
                raise FileNotFoundError(f"expected {os.path.join(data_dir, f'train.nli.label.{lang}')}.bin (made by "
                                        f"preprocess/multilingual.sh --nli)")
            return None
        labels = read_labels(data_dir)
        label_data = load_indexed(data_dir, f"{split}.nli.label.{lang}", labels)
        return load_sides(split, data_dir, lang, vocabs["word"], "nli", ("premise", "hypothesis"),
                          labels=(label_data, labels), dataset_class=JointNliDataset if self.joint else NliDataset)
