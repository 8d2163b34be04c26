"""``tagging``: sequence labelling (NER, POS, ...) in one language, from a data-bin of preprocess/conll.sh.

``tagging:nl:task=ner:data=data-bin/ned`` is the objective ``ner_nl``. Objectives with the same ``task``
share the model's tag head and CRF across languages (Lin et al. 2018), so their tag dictionaries must be
the same (conll.sh ``--tag-dict``).
"""
import os
from dataclasses import dataclass

from fairseq_xling.data.objectives import ObjectiveConfig, exists, load_indexed, register_objective
from fairseq_xling.data.tagging_dataset import TaggingDataset
from fairseq_xling.errors import UserError

TAG_HEAD_PREFIX = "tag_"


def tagging_head(task: str) -> str:
    """The model head of tagging task ``task``."""
    return TAG_HEAD_PREFIX + task


@register_objective("tagging")
@dataclass
class TaggingObjective(ObjectiveConfig):
    task: str = "ner"  # the tagging task: objectives with the same task share a tag head and CRF

    default_criterion = "xling_crf"

    def objective_name(self, type_, langs):
        return f"{self.task}_{langs}"

    def task_name(self, type_):
        return self.task

    def head_name(self, objective):
        return tagging_head(self.task)

    def build_head(self, objectives, task, encoder, model_cfg):
        from fairseq_xling.models.heads import TaggingHead

        vocab = task.vocabs[f"tag_{self.task}"]
        if not vocab.joined:
            raise UserError(f"tagging task {self.task!r}: the languages' tag dictionaries differ; binarise them "
                             f"with one (preprocess/conll.sh --tag-dict)")
        schemes = {task.data_meta[o.name].get("scheme", "none") for o in objectives}
        if len(schemes) > 1:
            raise UserError(f"tagging task {self.task!r}: its objectives' data use different tag schemes "
                             f"({', '.join(sorted(schemes))}); binarise them with the same conll.sh --scheme")
        if model_cfg.tag_head not in ("crf", "softmax"):
            raise UserError(f"--tag-head {model_cfg.tag_head!r}: expected crf or softmax")
        d = next(iter(vocab.dicts.values()))
        langs = () if model_cfg.no_lang_specific_layer else [o.langs[0] for o in objectives]
        return TaggingHead(encoder.output_dim, d.symbols[d.nspecial:], schemes.pop(), langs,
                           crf=model_cfg.tag_head == "crf")

    def dictionary_files(self, data_dir, langs):
        if len(langs) != 1:
            raise UserError(f"tagging objective takes one language, got {'-'.join(langs)}")
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
        return TaggingDataset(*streams, lang, tagging_head(self.task), *dicts)
