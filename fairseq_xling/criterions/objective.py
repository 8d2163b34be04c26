"""The contract of a criterion that scores one objective of xling_multitask.

Subclasses name their summable logging keys (``logging_keys``, always ``loss`` and ``sample_size``) and derive
metrics from their sums (``objective_metrics``); the multitask criterion logs those per objective
(``similarity_de-en:loss``), and :meth:`reduce_metrics` logs them unprefixed when the criterion is used alone.
"""
from functools import partial
from typing import Dict, Optional, Tuple

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
        """Log loss per sample and the derived metrics of summed logging outputs, names prefixed.

        fairseq reduces every validation batch on its own (and every training batch), so a metric logged as a
        per-batch value would be an average of per-batch F1s, accuracies or perplexities, not the metric of the
        split. The sums are logged instead (hidden meters, ``_`` + name) and each metric is derived from the sums
        over every batch the aggregator saw: dev F1 is the F1 of the whole split, as ``xling-eval`` computes it."""
        metrics.log_scalar(f"{prefix}loss", sums["loss"] / max(sums["sample_size"], 1), sums["sample_size"], round=3)
        for key, value in sums.items():
            metrics.log_scalar_sum(f"_{prefix}{key}", value)
        for name in cls.objective_metrics(sums):
            metrics.log_derived(f"{prefix}{name}", partial(cls._derived_metric, prefix, name, tuple(sums)))

    @classmethod
    def _derived_metric(cls, prefix: str, name: str, keys: Tuple[str, ...], meters) -> Optional[float]:
        """Metric ``name`` of the summed meters (None when these meters cannot give it, e.g. nothing seen)."""
        sums = {key: meters[f"_{prefix}{key}"].sum for key in keys if f"_{prefix}{key}" in meters}
        value = cls.objective_metrics(sums).get(name)
        return None if value is None else round(float(value), 4)

    @classmethod
    def reduce_metrics(cls, logging_outputs) -> None:
        cls.log_sums({k: sum(log.get(k, 0) for log in logging_outputs) for k in cls.logging_keys})

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True
