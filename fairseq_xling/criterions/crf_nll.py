"""``xling_crf``: negative log-likelihood of the gold tags under the tag head's CRF, per sentence.

The head computes it (``nll``); with ``--tag-head softmax`` the head has no CRF and ``nll`` is the token
cross-entropy instead, so the no-CRF ablation runs with the same criterion. Token accuracy (Viterbi or argmax:
the head's ``predictions``) is logged in validation.
"""
from dataclasses import dataclass

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
        out = model(**sample["net_input"])
        loss, nsentences = out["nll"].sum(), out["nll"].size(0)
        correct = tokens = 0
        if "predictions" in out:  # evaluation: token accuracy of the best path
            mask = sample["tag_mask"]
            correct = int((out["predictions"].eq(sample["target"]) & mask).sum())
            tokens = int(mask.sum())
        logging_output = {"loss": loss.data, "sample_size": nsentences, "ntokens": sample["ntokens"],
                          "nsentences": nsentences, "correct": correct, "tokens": tokens}
        return loss, nsentences, logging_output

    @staticmethod
    def objective_metrics(sums):
        return {"accuracy": sums["correct"] / sums["tokens"]} if sums.get("tokens") else {}
