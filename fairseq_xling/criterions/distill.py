"""Distillation from a fixed teacher (Reimers & Gurevych 2020): mean squared error between the student's vector
of a sentence, and of its translation, and the teacher's vector of the sentence.

loss = sum_i [ MSE(s(x_i), t_i) + MSE(s(y_i), t_i) ] with MSE(a, b) = mean_d (a_d - b_d)^2, x_i the sentence the
teacher embedded (t_i), y_i its translation (absent for monolingual data), s the student's ``distill_emb``.
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from fairseq.criterions import register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion


def distill_loss(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Squared error averaged over dimensions, one value per row: B x D, B x D -> B."""
    return (student.float() - teacher.float()).pow(2).mean(-1)


@dataclass
class DistillConfig(FairseqDataclass):
    pass


@register_criterion("xling_distill", dataclass=DistillConfig)
class DistillCriterion(XlingObjectiveCriterion):
    """Logs the loss per sentence (both sides summed) and ``cos``, the mean cosine between the student's and the
    teacher's vectors over every side scored."""

    logging_keys = ("loss", "sample_size", "cos", "vectors")

    def forward(self, model, sample, reduce=True):
        teacher = sample["teacher"]  # B x D
        loss, cos, vectors = 0.0, 0.0, 0
        for side in ("net_input", "tgt_input"):
            if side in sample:
                student = model(**sample[side])["distill_emb"]  # B x D
                loss = loss + distill_loss(student, teacher).sum()
                cos += F.cosine_similarity(student.detach().float(), teacher.float(), dim=-1).sum().item()
                vectors += student.size(0)
        batch_size = teacher.size(0)
        logging_output = {"loss": loss.data, "sample_size": batch_size, "ntokens": sample["ntokens"],
                          "nsentences": batch_size, "cos": cos, "vectors": vectors}
        return loss, batch_size, logging_output

    @staticmethod
    def objective_metrics(sums):
        return {"cos": sums["cos"] / sums["vectors"]} if sums.get("vectors") else {}
