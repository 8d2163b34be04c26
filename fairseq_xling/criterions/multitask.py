"""``xling_multitask``: routes each batch to the criterion of its objective and logs each objective apart.

Logging outputs carry every objective's keys (zero for the objectives not in the batch), so that all ranks
sum dictionaries with the same keys. Metrics appear as ``OBJECTIVE:loss`` and so on; ``loss`` is the mean of
the objectives' average losses, the combined score used for best-checkpoint selection by default.
"""
from dataclasses import dataclass

import torch.nn as nn
from fairseq import metrics
from fairseq.criterions import CRITERION_REGISTRY, FairseqCriterion, register_criterion
from fairseq.dataclass import FairseqDataclass


@dataclass
class XlingMultitaskCriterionConfig(FairseqDataclass):
    pass


@register_criterion("xling_multitask", dataclass=XlingMultitaskCriterionConfig)
class XlingMultitaskCriterion(FairseqCriterion):
    def __init__(self, task):
        super().__init__(task)
        self.criteria = nn.ModuleDict({
            o.name: CRITERION_REGISTRY[o.cfg.criterion].build_criterion(o.criterion_cfg, task)
            for o in task.objectives
        })

    def forward(self, model, sample, reduce=True):
        name = sample["objective"]
        loss, sample_size, inner = self.criteria[name](model, sample)
        logging_output = {"sample_size": sample_size, "ntokens": inner["ntokens"],
                          "nsentences": inner["nsentences"]}
        for other, criterion in self.criteria.items():
            for key in criterion.logging_keys:
                logging_output[f"{other}:{key}"] = inner[key] if other == name else 0
        return loss, sample_size, logging_output

    @classmethod
    def reduce_metrics(cls, logging_outputs) -> None:
        """Per-objective metrics need the objective list: see :meth:`reduce_objective_metrics`."""

    def reduce_objective_metrics(self, logging_outputs) -> None:
        present = []
        for name, criterion in self.criteria.items():
            sums = {k: sum(log.get(f"{name}:{k}", 0) for log in logging_outputs) for k in criterion.logging_keys}
            if sums["sample_size"] == 0:
                continue
            present.append(name)
            criterion.log_sums(sums, prefix=f"{name}:")
        if present:
            metrics.log_derived("loss", self.combined_loss)

    def combined_loss(self, meters) -> float:
        """Mean over objectives of their average loss (each objective counts once, whatever its scale)."""
        losses = [meters[f"{n}:loss"].avg for n in self.criteria if f"{n}:loss" in meters]
        losses = [float(x) for x in losses if x is not None]  # None: not seen since the meters' last reset
        return round(sum(losses) / len(losses), 3) if losses else 0.0

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True
