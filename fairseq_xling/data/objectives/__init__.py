"""Objective types of xling_multitask: where an objective's data comes from and which criterion scores it.

``--objectives TYPE:LANGS[:key=value...],...``, for example ``similarity:de-en,skipgram:de-en:window=5``.
Each key fills either the objective type's config (data directory, batching, schedule weight, data options)
or the config of its criterion (``margin=``, ``negatives=``): options are routed by field name, and an unknown
key is an error listing both. Adding an objective type is one file in this folder plus its import line below.
"""
import dataclasses
import os
from dataclasses import dataclass, field
from typing import ClassVar, Dict, List, Optional, Tuple

from fairseq.criterions import CRITERION_DATACLASS_REGISTRY
from fairseq.data import data_utils, indexed_dataset

from fairseq_xling.data.spec import fill_dataclass, parse_spec, registrar, split_specs
from fairseq_xling.errors import UserError
from fairseq_xling.text.languages import check_lang_code

OBJECTIVE_REGISTRY = {}
register_objective = registrar(OBJECTIVE_REGISTRY, "objective type")


@dataclass
class ObjectiveConfig:
    """Options every objective type has."""

    data: Optional[str] = None  # data-bin directory; default: the task's data directory
    weight: float = 1.0  # for the weighted schedule
    upsample: int = 1  # training: K copies of every example, shuffled and batched together (schedules see K x size)
    batch_size: Optional[int] = None  # examples per batch; default: --batch-size
    max_tokens: Optional[int] = None  # tokens per batch; default: --max-tokens
    lr_scale: float = 1.0  # the learning rate of this objective's updates is --lr times lr_scale
    criterion: Optional[str] = None  # registered criterion that scores it; default: the type's own

    default_criterion: ClassVar[str] = ""
    needs_decoder: ClassVar[bool] = False  # the model must have a decoder (--decoder) to train it

    def check(self, where: str) -> None:
        """Stop on values no objective can use: every number is >= 0 (a count, size, weight or margin), batch
        sizes at least 1. Subclasses with stricter ranges extend it."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise UserError(f"{where}: option {f.name}={value}: expected a number >= 0")
        for name in ("batch_size", "max_tokens", "upsample"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise UserError(f"{where}: option {name}={getattr(self, name)}: expected at least 1")

    def head_name(self, objective: "Objective") -> Optional[str]:
        """The model head this objective trains (objectives naming the same head share it); None: the encoder's
        sentence vectors alone."""
        return None

    def build_head(self, objectives: List["Objective"], task, encoder, model_cfg):
        """The head named by :meth:`head_name`, for every objective in ``objectives`` (they share it)."""
        raise NotImplementedError

    def target_dictionary(self, objective: "Objective", task):
        """The dictionary of this objective's ``target`` ids, for stock fairseq criteria (their padding index);
        None: targets pad with -100 (tags, labels)."""
        return None

    def metadata(self, data_dir: str) -> dict:
        """What the pipeline recorded about the data (``preprocess.json``): saved in checkpoints, so that the hub
        reads raw text as the data was read (tokenizer, lowercase, sub-word model, tag scheme)."""
        from fairseq_xling.data.text_encoder import portable_metadata

        return portable_metadata(data_dir)

    def dictionary_files(self, data_dir: str, langs: List[str]) -> Dict[Tuple[str, str], str]:
        """(vocabulary name, language) -> dictionary file. The task gathers them into one
        :class:`~fairseq_xling.data.vocab.MultilingualVocab` per name (``task.vocabs``)."""
        return {("word", lang): os.path.join(data_dir, f"dict.{lang}.txt") for lang in langs}

    def objective_name(self, type_: str, langs: str) -> str:
        """Name in logs and metrics (``similarity_de-en:loss``)."""
        return f"{type_}_{langs}"

    def task_name(self, type_: str) -> str:
        """What the mixing schedules compare across objectives (tagging objectives: ner, pos, ...)."""
        return type_

    def load_dataset(self, split: str, data_dir: str, langs: List[str], vocabs: Dict[str, object], seed: int):
        """Returns the split's dataset, or None when the split is absent (a missing train split is an error).

        ``vocabs``: vocabulary name -> MultilingualVocab, as gathered from :meth:`dictionary_files`.
        """
        raise NotImplementedError




@dataclass
class Objective:
    """One parsed entry of --objectives."""

    name: str
    type: str
    langs: List[str]
    cfg: ObjectiveConfig
    criterion_cfg: object = field(repr=False, default=None)


def parse_langs(text: str, where: str) -> List[str]:
    langs = [check_lang_code(lang, where) for lang in text.split("-")]
    if len(set(langs)) != len(langs):
        raise UserError(f"{where}: {text}: expected different languages (a pair such as de-en)")
    return langs


def parse_objectives(specs: str) -> List[Objective]:
    objectives = []
    for spec in split_specs(specs):
        type_, positional, options = parse_spec(spec)
        where = f"--objectives entry {spec!r}"
        if type_ not in OBJECTIVE_REGISTRY:
            raise UserError(f"{where}: unknown objective type {type_!r}; expected one of "
                             f"{', '.join(sorted(OBJECTIVE_REGISTRY))}")
        if len(positional) != 1:
            raise UserError(f"{where}: expected TYPE:LANGS[:key=value...], e.g. {type_}:de-en")
        cls = OBJECTIVE_REGISTRY[type_]
        criterion = options.get("criterion") or cls.default_criterion
        if criterion not in CRITERION_DATACLASS_REGISTRY:
            raise UserError(f"{where}: unknown criterion {criterion!r}; expected a registered criterion such as "
                             f"{cls.default_criterion} or cross_entropy")
        crit_cls = CRITERION_DATACLASS_REGISTRY[criterion]
        crit_fields = set(crit_cls.__dataclass_fields__) - {"_name"}
        cfg, crit_options = fill_dataclass(cls, options, where, extra_ok=crit_fields)
        cfg.criterion = criterion
        cfg.check(where)
        crit_cfg, _ = fill_dataclass(crit_cls, crit_options, f"{where} (criterion {criterion})")
        objectives.append(Objective(cfg.objective_name(type_, positional[0]), type_,
                                    parse_langs(positional[0], where), cfg, crit_cfg))
    if not objectives:
        raise UserError("--objectives is empty: give at least one TYPE:LANGS entry")
    names = [o.name for o in objectives]
    if len(set(names)) != len(names):
        raise UserError(f"--objectives: the same objective is listed twice: {names}")
    return objectives


def indexed_path(data_dir: str, name: str) -> str:
    return os.path.join(data_dir, name)


def exists(data_dir: str, name: str) -> bool:
    return indexed_dataset.infer_dataset_impl(indexed_path(data_dir, name)) is not None


def load_indexed(data_dir: str, name: str, dictionary=None, required=True):
    path = indexed_path(data_dir, name)
    dataset = data_utils.load_indexed_dataset(path, dictionary)
    if dataset is None and required:
        raise FileNotFoundError(f"expected a binarised dataset {path}.bin/.idx (made by preprocess/)")
    return dataset


def pair_prefix(split: str, data_dir: str, src: str, tgt: str, with_alignments: bool = False) -> str:
    """The name of the ``src-tgt`` pair's binarised files, ``{split}.{src}-{tgt}`` or, for data binarised the other
    way round, ``{split}.{tgt}-{src}`` (not with word alignments, whose indices would be the wrong way round)."""
    prefix, reverse = f"{split}.{src}-{tgt}", f"{split}.{tgt}-{src}"
    if not exists(data_dir, f"{prefix}.{src}") and not with_alignments and exists(data_dir, f"{reverse}.{src}"):
        return reverse
    return prefix


def load_pair(split, data_dir, src, tgt, vocab, with_alignments, dataset_class=None):
    """The parallel part of a data-bin in fairseq's translation layout (``{split}.{src}-{tgt}.{lang}``); data
    binarised as ``{tgt}-{src}`` serves the ``src-tgt`` direction too (without word alignments, whose indices
    would be the wrong way round)."""
    from fairseq_xling.data.parallel_dataset import ParallelSentenceDataset

    prefix = pair_prefix(split, data_dir, src, tgt, with_alignments)
    if not exists(data_dir, f"{prefix}.{src}"):
        if split == "train":
            raise FileNotFoundError(f"expected {os.path.join(data_dir, prefix)}.{src}.bin: no {src}-{tgt} "
                                    f"training data in {data_dir} (make it with preprocess/europarl.sh or "
                                    f"preprocess/multilingual.sh)")
        return None
    align = None
    if with_alignments:
        align = load_indexed(data_dir, f"{split}.align.{src}-{tgt}", required=split == "train")
    return (dataset_class or ParallelSentenceDataset)(
        load_indexed(data_dir, f"{prefix}.{src}", vocab.dicts[src]),
        load_indexed(data_dir, f"{prefix}.{tgt}", vocab.dicts[tgt]),
        src, tgt, vocab.dicts[src], vocab.dicts[tgt], align)


def parse_dims(text: str, where: str, output_dim: int = 0, name: str = "head_dims"):
    """Layer sizes ``320,512`` of a head's feed-forward network; ``auto`` is the paper's 320 then ``output_dim``
    (the encoder's sentence size, so that the head's vectors compare with g itself)."""
    if str(text) == "auto":
        return (320, output_dim) if output_dim else ()
    try:
        dims = tuple(int(d) for d in str(text).split(",") if d.strip())
    except ValueError:
        dims = (0,)
    if not dims or any(d < 1 for d in dims):
        raise UserError(f"{where}: {name}={text!r}: expected auto or layer sizes such as 320,512")
    return dims


def same_option(objectives, name: str):
    """The value of option ``name`` that objectives sharing one head agree on (UserError if they do not)."""
    values = {getattr(o.cfg, name) for o in objectives}
    if len(values) > 1:
        raise UserError(f"objectives {', '.join(o.name for o in objectives)} share a head but ask for "
                        f"{name}={' and '.join(map(str, sorted(values)))}")
    return values.pop()


def load_sides(split, data_dir, lang, vocab, task: str, sides, labels=None, dataset_class=None):
    """The binarised files ``{split}.{task}.{side}.{lang}`` of a data-bin as one
    :class:`~fairseq_xling.data.sides_dataset.SidesDataset` (or ``dataset_class``); None when the split is absent
    (valid), an error naming the missing file for train. ``labels``: (indexed labels, label dictionary)."""
    from fairseq_xling.data.sides_dataset import SidesDataset

    missing = [s for s in sides if not exists(data_dir, f"{split}.{task}.{s}.{lang}")]
    if missing:
        if split == "train" or len(missing) < len(sides):
            raise FileNotFoundError(f"expected {os.path.join(data_dir, f'{split}.{task}.{missing[0]}.{lang}')}.bin "
                                    f"(made by preprocess/multilingual.sh)")
        return None
    datasets = {s: load_indexed(data_dir, f"{split}.{task}.{s}.{lang}", vocab.dicts[lang]) for s in sides}
    label_data, label_dict = (None, None) if labels is None else labels
    return (dataset_class or SidesDataset)(datasets, lang, vocab.dicts[lang], label_data, label_dict,
                                           where=os.path.join(data_dir, f"{split}.{task}.*.{lang}"))


from fairseq_xling.data.objectives import (distill, nli, quick_thought, ranking, response,  # noqa: E402,F401
                                           similarity, skipgram, tagging, translation)
