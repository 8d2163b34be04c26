"""The contract of a criterion that scores one objective of xling_multitask.

Subclasses name their summable logging keys (``logging_keys``, always ``loss`` and ``sample_size``) and derive
metrics from their sums (``objective_metrics``); the multitask criterion logs those per objective
(``similarity_de-en:loss``), and :meth:`reduce_metrics` logs them unprefixed when the criterion is used alone.
"""
from typing import Dict

from fairseq import metrics
from fairseq.criterions import FairseqCriterion


class XlingObjectiveCriterion(FairseqCriterion):
    logging_keys = ("loss", "sample_size")

    @staticmethod
    def objective_metrics(sums: Dict[str, float]) -> Dict[str, float]:
        """Metrics derived from the summed logging outputs (besides loss per sample)."""
        return {}

    @classmethod
    def log_sums(cls, sums: Dict[str, float], prefix: str = "") -> None:
        """Log loss per sample and the derived metrics of summed logging outputs, names prefixed."""
        metrics.log_scalar(f"{prefix}loss", sums["loss"] / max(sums["sample_size"], 1), sums["sample_size"], round=3)
        for key, value in cls.objective_metrics(sums).items():
            metrics.log_scalar(f"{prefix}{key}", value, sums["sample_size"], round=4)

    @classmethod
    def reduce_metrics(cls, logging_outputs) -> None:
        cls.log_sums({k: sum(log.get(k, 0) for log in logging_outputs) for k in cls.logging_keys})

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True
