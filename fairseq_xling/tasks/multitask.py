"""``xling_multitask``: one shared model trained on several objectives, one objective per update.

Each objective (``--objectives``) brings its data and its criterion; a schedule (``--schedule``) picks the
objective of each update. The epoch's batch list is planned up front from (seed, epoch), so that

- every batch holds one objective, and the ``update_freq`` x ``world_size`` batches of one update all hold
  the same one (consecutive groups of that size: fairseq shards batch i to rank i % world_size);
- resuming from checkpoint_last.pt rebuilds the same plan and skips what was done (the schedule has no
  state of its own), so a stopped and resumed run equals an uninterrupted one;
- each rank reads different examples.

An epoch has as many updates as it takes to visit every objective's batches once on average; an objective
that is picked more often than it has batches starts a new reshuffled pass over its data.

Checkpoints carry the task's state: every vocabulary and what the pipelines recorded about each objective's
data (tokenizer, lowercasing, sub-word model, tag scheme), so a checkpoint loads and reads raw text after its
data-bins are gone (fairseq sets the task up with ``from_checkpoint=True``, then loads that state).
"""
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
from fairseq.data import Dictionary, data_utils, iterators
from fairseq.dataclass import FairseqDataclass
from fairseq.tasks import FairseqTask, register_task
from omegaconf import II

from fairseq_xling.data.multitask_dataset import MultitaskDataset
from fairseq_xling.data.objectives import parse_objectives
from fairseq_xling.data.schedules import ObjectiveInfo, build_schedule
from fairseq_xling.data.text_encoder import RawTextEncoder
from fairseq_xling.data.vocab import MultilingualVocab
from fairseq_xling.errors import UserError
from fairseq_xling.optim.lazy_adam import check_sparse_training

logger = logging.getLogger(__name__)


@dataclass
class XlingMultitaskConfig(FairseqDataclass):
    data: str = field(default="", metadata={"help": "data-bin directory (dictionaries dict.{lang}.txt, and the "
                                                    "objectives' data unless they name their own data=)"})
    objectives: str = field(default="", metadata={
        "help": "comma-separated TYPE:LANGS[:key=value...], e.g. 'similarity:de-en,skipgram:de-en:window=5'; "
                "keys set the objective's data options or its criterion's options"})
    schedule: str = field(default="alternate", metadata={
        "help": "which objective each update trains: alternate | weighted (weight= per objective) | "
                "temperature:t=5 (by data size, Arivazhagan et al.) | mixing:target=NAME (Lin et al.)"})
    restore_encoder: Optional[str] = field(default=None, metadata={
        "help": "start the encoder from this checkpoint's (same encoder; languages and heads may differ: "
                "embedding rows are matched by language and symbol)"})
    seed: int = II("common.seed")
    train_subset: str = II("dataset.train_subset")
    update_freq: List[int] = II("optimization.update_freq")
    sentence_avg: bool = II("optimization.sentence_avg")


@register_task("xling_multitask", dataclass=XlingMultitaskConfig)
class XlingMultitaskTask(FairseqTask):
    """Args:
        vocabs: vocabulary name (word, char, tag_ner, ...) -> MultilingualVocab; None until
            :meth:`load_state_dict` when set up from a checkpoint.
        objectives: the parsed ``--objectives``.
        data_meta: objective name -> what the pipeline recorded about its data (``preprocess.json``).
    """

    def __init__(self, cfg: XlingMultitaskConfig, vocabs: Optional[Dict[str, MultilingualVocab]], objectives,
                 data_meta: Optional[Dict[str, dict]] = None):
        super().__init__(cfg)
        self.vocabs = vocabs
        self.objectives = objectives
        self.data_meta = data_meta or {}
        self.schedule = build_schedule(cfg.schedule)
        self._text_encoders = {}
        self._update_objective = None  # the objective of the update in progress (for its lr_scale)

    @property
    def vocab(self) -> MultilingualVocab:
        """The word vocabulary (every objective type has one)."""
        return self.vocabs["word"]

    @classmethod
    def setup_task(cls, cfg: XlingMultitaskConfig, from_checkpoint: bool = False, **kwargs):
        objectives = parse_objectives(cfg.objectives)
        for o in objectives:  # criterion options that default to another config group's value (sentence_avg)
            for name, value in vars(o.criterion_cfg).items():
                if isinstance(value, str) and value.startswith("${"):
                    setattr(o.criterion_cfg, name, getattr(cfg, name))
        if from_checkpoint:  # vocabularies and metadata come with the checkpoint (load_state_dict)
            return cls(cfg, None, objectives)
        files = {}  # (vocabulary, language) -> dictionary file
        for o in objectives:
            for key, path in o.cfg.dictionary_files(o.cfg.data or cfg.data, o.langs).items():
                files.setdefault(key, []).append(path)
        dicts = {}
        for (name, lang), paths in sorted(files.items()):
            for path in paths:
                if not os.path.exists(path):
                    folder = os.path.dirname(path) or "."
                    there = sorted({f.split(".")[1] for f in os.listdir(folder) if f.startswith("dict.")
                                    and f.count(".") == 2}) if os.path.isdir(folder) else []
                    raise UserError(f"--objectives: no {name} dictionary for language {lang!r}: expected {path}"
                                    f" ({folder} has {', '.join(there) or 'no dictionaries'}; is the language "
                                    f"code right?)")
            dicts.setdefault(name, {})[lang] = Dictionary.load(paths[0])
            for path in paths[1:]:
                if Dictionary.load(path).symbols != dicts[name][lang].symbols:
                    raise UserError(f"objectives disagree on the {name} dictionary of {lang!r}: {paths[0]} and {path} "
                                     f"differ (binarise them with the same dictionary)")
            logger.info(f"[{lang}] {name} dictionary: {len(dicts[name][lang])} types ({paths[0]})")
        data_meta = {o.name: o.cfg.metadata(o.cfg.data or cfg.data) for o in objectives}
        return cls(cfg, {name: MultilingualVocab(d) for name, d in dicts.items()}, objectives, data_meta)

    def state_dict(self):
        """Saved in every checkpoint (plain types: torch loads them with weights_only=True)."""
        return {"vocabs": {name: v.to_state() for name, v in self.vocabs.items()}, "data_meta": self.data_meta}

    def load_state_dict(self, state):
        if "vocabs" not in state:
            raise UserError("this checkpoint carries no vocabularies: it was written by fairseq_xling before its "
                             "model layer (retrain it)")
        self.vocabs = {name: MultilingualVocab.from_state(s) for name, s in state["vocabs"].items()}
        self.data_meta = state.get("data_meta", {})
        self._text_encoders = {}

    def text_encoder(self, lang: str) -> RawTextEncoder:
        """Raw text of language ``lang`` -> the tokens the model was trained on (the first objective with that
        language tells how its data was made)."""
        if lang not in self._text_encoders:
            meta = next((self.data_meta.get(o.name, {}) for o in self.objectives if lang in o.langs), {})
            self._text_encoders[lang] = RawTextEncoder(lang, meta)
        return self._text_encoders[lang]

    def build_model(self, cfg, from_checkpoint=False):
        model = super().build_model(cfg)
        if not from_checkpoint:
            model.initialise(cfg, self.cfg.restore_encoder)
        return model

    def train_step(self, sample, model, criterion, optimizer, update_num, ignore_grad=False):
        if not getattr(self, "_sparse_checked", False):
            check_sparse_training(model, optimizer)  # before the first backward pass meets an optimizer that fails
            self._sparse_checked = True
        self._update_objective = sample.get("objective", self._update_objective)
        return super().train_step(sample, model, criterion, optimizer, update_num, ignore_grad)

    def optimizer_step(self, optimizer, model, update_num):
        """One step at --lr times the lr_scale of the update's objective (all batches of an update share one)."""
        by_name = {o.name: o for o in self.objectives}
        scale = by_name[self._update_objective].cfg.lr_scale if self._update_objective in by_name else 1.0
        if scale == 1.0:
            return optimizer.step()
        lr = optimizer.get_lr()
        optimizer.set_lr(lr * scale)
        try:
            optimizer.step()
        finally:
            optimizer.set_lr(lr)

    def objective_data_dir(self, objective):
        return objective.cfg.data or self.cfg.data

    def load_dataset(self, split, epoch=1, combine=False, **kwargs):
        parts = OrderedDict()
        for objective in self.objectives:
            dataset = objective.cfg.load_dataset(split, self.objective_data_dir(objective), objective.langs,
                                                 self.vocabs, self.cfg.seed)
            if dataset is not None:
                parts[objective.name] = dataset
                logger.info(f"{split} {objective.name}: {len(dataset)} examples")
        if not parts:
            raise FileNotFoundError(f"no objective has a {split!r} split")
        dataset = MultitaskDataset(parts)
        dataset.is_train = split == self.cfg.train_subset
        self.datasets[split] = dataset

    def build_criterion(self, cfg):
        """Always the dispatcher: each objective brings its criterion (``criterion=`` in --objectives). fairseq's
        default ``--criterion cross_entropy`` is taken as "not given"."""
        from fairseq_xling.criterions.multitask import XlingMultitaskCriterion

        if cfg._name not in ("xling_multitask", "cross_entropy"):
            raise UserError(f"--task xling_multitask: each objective brings its own criterion; set it with "
                             f"criterion= in --objectives (e.g. tagging:nl:criterion=cross_entropy), not "
                             f"--criterion {cfg._name}")
        return XlingMultitaskCriterion(self)

    def reduce_metrics(self, logging_outputs, criterion):
        super().reduce_metrics(logging_outputs, criterion)
        criterion.reduce_objective_metrics(logging_outputs)

    def max_positions(self):
        return None

    @property
    def source_dictionary(self):
        """The one word dictionary of a joined (sub-word) vocabulary, which a decoder writes and fairseq-generate
        reads; None with one dictionary per language."""
        vocab = (self.vocabs or {}).get("word")
        return next(iter(vocab.dicts.values())) if vocab is not None and vocab.joined else None

    @property
    def target_dictionary(self):
        return self.source_dictionary

    def objective_view(self, objective):
        """The task as a stock fairseq criterion of ``objective`` should see it: its ``target_dictionary`` is the
        objective's (None for tags, so the criterion ignores -100, the tag collater's padding, not a word's id)."""
        return _ObjectiveTaskView(self, objective.cfg.target_dictionary(objective, self))

    # ---- batching -------------------------------------------------------------------------------------
    def objective_batches(self, dataset, k, max_tokens, max_sentences, seed, passes=1):
        """One shuffled pass over objective k's batches, as lists of global indices; with ``passes`` > 1 the
        examples of that many shuffled passes, batched together (an upsampled small set fills whole batches, as
        if its copies were in the data)."""
        objective, sub = self.objectives_of(dataset)[k], dataset.datasets[k]
        with data_utils.numpy_seed(*seed):
            indices = np.concatenate([sub.ordered_indices() for _ in range(passes)])
            if k in dataset.skipped:
                indices = indices[~np.isin(indices, dataset.skipped[k])]
            batches = data_utils.batch_by_size(
                indices, sub.num_tokens,
                max_tokens=objective.cfg.max_tokens or max_tokens,
                max_sentences=objective.cfg.batch_size or max_sentences,
            )
            order = np.random.permutation(len(batches))
        return [batches[i] + dataset.offsets[k] for i in order]

    def skip_too_long(self, dataset, max_positions, ignore_invalid_inputs):
        """Leave out of every batch the examples longer than ``max_positions`` tokens (the model's limit, or
        --max-tokens), as fairseq's filter_indices_by_size does: counted in a warning per objective when
        ``ignore_invalid_inputs`` (fairseq-train's training data; --skip-invalid-size-inputs-valid-test), else a
        UserError before any work."""
        limits = max_positions if isinstance(max_positions, (tuple, list)) else (max_positions,)
        limits = [int(n) for n in limits if n is not None]
        dataset.skipped = {}
        if not limits:
            return
        limit = min(limits)
        for k, name in enumerate(dataset.names):
            lengths = dataset.lengths(k)
            long = np.flatnonzero(lengths > limit)
            if not len(long):
                continue
            split = "training" if dataset.is_train else "evaluation"
            what = (f"objective {name}: {len(long)} of {len(lengths)} {split} examples are longer than the model takes "
                    f"({limit} tokens), e.g. example {long[0]} ({lengths[long[0]]} tokens)")
            if not ignore_invalid_inputs:
                raise UserError(f"{what}; --skip-invalid-size-inputs-valid-test skips them")
            if len(long) == len(lengths):
                raise UserError(f"{what}: all of them (a larger --max-positions or --max-tokens?)")
            logger.warning(f"{what}: skipped")
            dataset.skipped[k] = long

    def plan_epoch(self, dataset, epoch, max_tokens, max_sentences, group):
        """The epoch's batches: groups of ``group`` consecutive batches from one objective, one group per update."""
        k_all = range(len(dataset.datasets))
        upsample = [o.cfg.upsample for o in self.objectives_of(dataset)]
        passes = {k: 0 for k in k_all}
        streams = {k: self.objective_batches(dataset, k, max_tokens, max_sentences, (self.cfg.seed, epoch, k, 0),
                                             upsample[k]) for k in k_all}
        total = sum(len(s) for s in streams.values())
        num_updates = max(1, -(-total // group))
        infos = [ObjectiveInfo(name, o.type, o.langs, len(d) * o.cfg.upsample, o.cfg.weight, o.cfg.task_name(o.type))
                 for name, d, o in zip(dataset.names, dataset.datasets, self.objectives_of(dataset))]
        rng = np.random.default_rng([self.cfg.seed, epoch])
        picks = self.schedule.plan(infos, num_updates, epoch, rng)
        plan, cursor = [], {k: 0 for k in k_all}
        for k in picks:
            for _ in range(group):
                if cursor[k] == len(streams[k]):  # next pass over this objective's data
                    passes[k] += 1
                    streams[k] = self.objective_batches(dataset, k, max_tokens, max_sentences,
                                                        (self.cfg.seed, epoch, k, passes[k]), upsample[k])
                    cursor[k] = 0
                plan.append(streams[k][cursor[k]])
                cursor[k] += 1
        counts = np.bincount(picks, minlength=len(dataset.datasets))
        logger.info(f"epoch {epoch} plan: {num_updates} updates; "
                    + ", ".join(f"{n}: {c}" for n, c in zip(dataset.names, counts)))
        return plan

    def objectives_of(self, dataset):
        """The objectives of a split's dataset, in its order (a split may lack some objectives)."""
        by_name = {o.name: o for o in self.objectives}
        return [by_name[n] for n in dataset.names]

    def update_freq_at(self, epoch):
        freqs = list(self.cfg.update_freq)
        return freqs[epoch - 1] if epoch <= len(freqs) else freqs[-1]

    def get_batch_iterator(self, dataset, max_tokens=None, max_sentences=None, max_positions=None,
                           ignore_invalid_inputs=False, required_batch_size_multiple=1, seed=1, num_shards=1,
                           shard_id=0, num_workers=0, epoch=1, data_buffer_size=0, disable_iterator_cache=False,
                           skip_remainder_batch=False, grouped_shuffling=False, update_epoch_batch_itr=False):
        if not isinstance(dataset, MultitaskDataset):
            raise TypeError("xling_multitask batches MultitaskDataset splits only")
        if not disable_iterator_cache and dataset in self.dataset_to_epoch_iter:
            return self.dataset_to_epoch_iter[dataset]
        dataset.set_epoch(epoch)
        self.skip_too_long(dataset, max_positions, ignore_invalid_inputs)

        if dataset.is_train:
            def batch_sampler(ds, ep):
                return self.plan_epoch(ds, ep, max_tokens, max_sentences, num_shards * self.update_freq_at(ep))
        else:  # evaluation: every objective's batches once, in order
            def batch_sampler(ds, ep):
                return [b for k in range(len(ds.datasets))
                        for b in self.objective_batches(ds, k, max_tokens, max_sentences, (self.cfg.seed, 0, k, 0))]

        epoch_iter = iterators.EpochBatchIterator(
            dataset=dataset, collate_fn=dataset.collater, batch_sampler=batch_sampler, seed=seed,
            num_shards=num_shards, shard_id=shard_id, num_workers=num_workers, epoch=epoch,
            buffer_size=data_buffer_size, disable_shuffling=True,  # the plan is already shuffled, and ordered
        )
        self.dataset_to_epoch_iter[dataset] = epoch_iter
        return epoch_iter


class _ObjectiveTaskView:
    """The task with another ``target_dictionary`` (see :meth:`XlingMultitaskTask.objective_view`)."""

    def __init__(self, task, target_dictionary):
        self._task, self.target_dictionary = task, target_dictionary

    def __getattr__(self, name):
        return getattr(self._task, name)
