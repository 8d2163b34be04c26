"""``xling_crf``: negative log-likelihood of the gold tags under the model's CRF, per sentence.

With ``--tag-head softmax`` the model has no CRF and the loss is the token cross-entropy instead, so the
no-CRF ablation runs with the same criterion. Token accuracy (Viterbi or argmax) is logged in validation.
"""
from dataclasses import dataclass

import torch.nn.functional as F
from fairseq.criterions import register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion


@dataclass
class CRFCriterionConfig(FairseqDataclass):
    pass


@register_criterion("xling_crf", dataclass=CRFCriterionConfig)
class CRFCriterion(XlingObjectiveCriterion):
    logging_keys = ("loss", "sample_size", "correct", "tokens")

    def forward(self, model, sample, reduce=True):
        tag_task = sample["net_input"]["tag_task"]
        out = model(**sample["net_input"])
        emissions, mask, tags = out["emissions"], sample["tag_mask"], sample["tags"]  # B x T x K, B x T, B x T
        if tag_task in model.crfs:
            loss = model.crfs[tag_task](emissions.float(), tags, mask).sum()
        else:
            loss = F.cross_entropy(emissions[mask].float(), tags[mask], reduction="sum")
        correct = 0
        if not model.training:
            correct = int((model.decode(emissions.float(), mask, tag_task).eq(tags) & mask).sum())
        nsentences = tags.size(0)
        logging_output = {"loss": loss.data, "sample_size": nsentences, "ntokens": sample["ntokens"],
                          "nsentences": nsentences, "correct": correct,
                          "tokens": int(mask.sum()) if not model.training else 0}
        return loss, nsentences, logging_output

    @staticmethod
    def objective_metrics(sums):
        return {"accuracy": sums["correct"] / sums["tokens"]} if sums.get("tokens") else {}
