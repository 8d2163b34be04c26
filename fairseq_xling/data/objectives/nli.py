"""``nli``: natural language inference as sentence-pair classification on the two encodings (Bowman et al. 2015;
Conneau et al. 2017; Chidambaram et al. 2019): (u, v, |u - v|, u * v) -> a feed-forward layer (512, tanh) -> 3
classes.

``nli:en`` reads ``{split}.nli.{premise,hypothesis,label}.en`` and the label dictionary ``dict.nli_label.txt``
(``preprocess/multilingual.sh --nli en FILE`` with ``premise<TAB>hypothesis<TAB>label`` lines). The class names
travel with the checkpoint. Scored by ``xling_classification`` (cross-entropy, accuracy).
"""
import os
from dataclasses import dataclass

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


@register_objective("nli")
@dataclass
class NliObjective(ObjectiveConfig):
    head_dims: str = "512"  # the classifier's hidden layers (tanh)

    default_criterion = "xling_classification"

    def check(self, where):
        super().check(where)
        parse_dims(self.head_dims, where)

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
                          labels=(label_data, labels), dataset_class=NliDataset)
