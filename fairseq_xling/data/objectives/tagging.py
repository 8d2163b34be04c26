"""``tagging``: sequence labelling (NER, POS, ...) in one language, from a data-bin of preprocess/conll.sh.

``tagging:nl:task=ner:data=data-bin/ned`` is the objective ``ner_nl``. Objectives with the same ``task``
share the model's tag head and CRF across languages (Lin et al. 2018), so their tag dictionaries must be
the same (conll.sh ``--tag-dict``).
"""
import json
import os
from dataclasses import dataclass

from fairseq_xling.data.objectives import ObjectiveConfig, exists, load_indexed, register_objective
from fairseq_xling.data.tagging_dataset import TaggingDataset


def conll_meta(data_dir: str) -> dict:
    """What preprocess/conll.sh recorded (scheme: BIOES, IOB2, UPOS...; lowercase: of the word stream)."""
    path = os.path.join(data_dir, "preprocess.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tag_scheme(data_dir: str) -> str:
    return conll_meta(data_dir).get("scheme", "none")


@register_objective("tagging")
@dataclass
class TaggingObjective(ObjectiveConfig):
    task: str = "ner"  # the tagging task: objectives with the same task share a tag head and CRF

    criterion = "xling_crf"
    heads = ("tagger",)

    def objective_name(self, type_, langs):
        return f"{self.task}_{langs}"

    def task_name(self, type_):
        return self.task

    def dictionary_files(self, data_dir, langs):
        if len(langs) != 1:
            raise ValueError(f"tagging objective takes one language, got {'-'.join(langs)}")
        return {("word", langs[0]): os.path.join(data_dir, "dict.word.txt"),
                ("char", langs[0]): os.path.join(data_dir, "dict.char.txt"),
                (f"tag_{self.task}", langs[0]): os.path.join(data_dir, "dict.tag.txt")}

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        lang = langs[0]
        if not exists(data_dir, f"{split}.word"):
            if split == "train":
                raise FileNotFoundError(f"expected {os.path.join(data_dir, split)}.word.bin (preprocess/conll.sh)")
            return None
        dicts = [vocabs["word"].dicts[lang], vocabs["char"].dicts[lang], vocabs[f"tag_{self.task}"].dicts[lang]]
        streams = [load_indexed(data_dir, f"{split}.{name}", d) for name, d in zip(("word", "char", "tag"), dicts)]
        return TaggingDataset(*streams, lang, self.task, *dicts)
