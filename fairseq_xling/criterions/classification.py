"""Cross-entropy over a head's class ``logits`` (B x classes) against the batch's ``target`` (B), with accuracy."""
from dataclasses import dataclass

import torch.nn.functional as F
from fairseq.criterions import register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion


@dataclass
class ClassificationConfig(FairseqDataclass):
    pass


@register_criterion("xling_classification", dataclass=ClassificationConfig)
class ClassificationCriterion(XlingObjectiveCriterion):
    logging_keys = ("loss", "sample_size", "correct")

    def forward(self, model, sample, reduce=True):
        logits = model(**sample["net_input"])["logits"].float()  # B x classes
        target = sample["target"]
        loss = F.cross_entropy(logits, target, reduction="sum")
        batch_size = target.size(0)
        logging_output = {"loss": loss.data, "sample_size": batch_size, "ntokens": sample["ntokens"],
                          "nsentences": batch_size, "correct": (logits.argmax(-1) == target).sum().item()}
        return loss, batch_size, logging_output

    @staticmethod
    def objective_metrics(sums):
        return {"acc": sums["correct"] / sums["sample_size"]} if sums.get("sample_size") else {}
