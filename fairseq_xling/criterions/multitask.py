"""``xling_multitask``: routes each batch to the criterion of its objective and logs each objective apart.

Any registered criterion can score an objective (``criterion=`` in ``--objectives``). A stock fairseq criterion
(``cross_entropy``, ``label_smoothed_cross_entropy``) sees the model through :class:`LogitsView`, the
``(logits, extra)`` output and ``get_normalized_probs`` / ``get_targets`` it expects, with the head's ``logits``
and the batch's ``target``.

Logging outputs carry every objective's keys (zero for the objectives not in the batch): in distributed
validation, ranks score batches of different objectives in the same step and sum dictionaries key by key.
Metrics appear as ``OBJECTIVE:loss`` and so on; ``loss`` is the mean of the objectives' average losses, the
combined score used for best-checkpoint selection by default. Every metric the objectives derive is also logged as
its unweighted mean over the objectives that have it, ``mean:NAME`` (``mean:f1`` over the NER
objectives of every language of a joint tagger, each language counting once, whatever its dev set's size):
``--best-checkpoint-metric mean:f1 --maximize-best-checkpoint-metric``. (fairseq reduces each validation batch, of
one objective, on its own, so the mean is a derived meter over the objectives' meters, not a per-batch value.)
"""
from dataclasses import dataclass
from functools import partial
from typing import Optional

import torch.nn as nn
from fairseq import metrics
from fairseq.criterions import CRITERION_REGISTRY, FairseqCriterion, register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion


class LogitsView:
    """The model as a stock fairseq criterion expects it: ``model(**net_input)`` -> ``(logits, outputs)``."""

    def __init__(self, model):
        self.model = model

    @property
    def training(self):
        return self.model.training

    def __call__(self, **net_input):
        out = self.model(**net_input)
        if "logits" not in out:
            raise KeyError(f"a stock criterion needs the head's 'logits'; the model gave {', '.join(out)}")
        return out["logits"], out

    def get_normalized_probs(self, net_output, log_probs, sample=None):
        return self.model.get_normalized_probs(net_output, log_probs, sample)

    @staticmethod
    def get_targets(sample, net_output):
        return sample["target"]


@dataclass
class XlingMultitaskCriterionConfig(FairseqDataclass):
    pass


@register_criterion("xling_multitask", dataclass=XlingMultitaskCriterionConfig)
class XlingMultitaskCriterion(FairseqCriterion):
    def __init__(self, task):
        super().__init__(task)
        self.criteria = nn.ModuleDict({  # each sees the task with its objective's target dictionary
            o.name: CRITERION_REGISTRY[o.cfg.criterion].build_criterion(o.criterion_cfg, task.objective_view(o))
            for o in task.objectives
        })

    @staticmethod
    def keys(criterion):
        return getattr(criterion, "logging_keys", XlingObjectiveCriterion.logging_keys)

    def forward(self, model, sample, reduce=True):
        name = sample["objective"]
        criterion = self.criteria[name]
        view = model if isinstance(criterion, XlingObjectiveCriterion) else LogitsView(model)
        loss, sample_size, inner = criterion(view, sample)
        logging_output = {"sample_size": sample_size, "ntokens": inner["ntokens"],
                          "nsentences": inner["nsentences"]}
        for other, c in self.criteria.items():
            for key in self.keys(c):
                logging_output[f"{other}:{key}"] = inner[key] if other == name else 0
        return loss, sample_size, logging_output

    @classmethod
    def reduce_metrics(cls, logging_outputs) -> None:
        """Per-objective metrics need the objective list: see :meth:`reduce_objective_metrics`."""

    def reduce_objective_metrics(self, logging_outputs) -> None:
        present, derived = [], set()
        for name, criterion in self.criteria.items():
            sums = {k: sum(log.get(f"{name}:{k}", 0) for log in logging_outputs) for k in self.keys(criterion)}
            if sums["sample_size"] == 0:
                continue
            present.append(name)
            log_sums = getattr(criterion, "log_sums", XlingObjectiveCriterion.log_sums)
            log_sums(sums, prefix=f"{name}:")
            derived.update(getattr(criterion, "objective_metrics", XlingObjectiveCriterion.objective_metrics)(sums))
        if present:
            metrics.log_derived("loss", self.combined_loss)
        for metric in sorted(derived):  # with one objective, the mean is its metric: mean:f1 names it in any run
            metrics.log_derived(f"mean:{metric}", partial(self.mean_metric, metric))

    def combined_loss(self, meters) -> float:
        """Mean over objectives of their average loss (each objective counts once, whatever its scale)."""
        loss = self.mean_metric("loss", meters, digits=3)
        return 0.0 if loss is None else loss

    def mean_metric(self, metric: str, meters, digits: int = 4) -> Optional[float]:
        """Unweighted mean of ``metric`` over the objectives that have it in these meters."""
        values = [meters.get_smoothed_value(f"{n}:{metric}") for n in self.criteria if f"{n}:{metric}" in meters]
        values = [float(v) for v in values if v is not None]  # None: not seen since the meters' last reset
        return round(sum(values) / len(values), digits) if values else None

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True
