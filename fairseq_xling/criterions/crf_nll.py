"""``xling_crf``: negative log-likelihood of the gold tags under the tag head's CRF, per sentence.

The head computes it (``nll``); with ``--tag-head softmax`` the head has no CRF and ``nll`` is the token
cross-entropy instead, so the no-CRF ablation runs with the same criterion. In validation it logs token
accuracy (Viterbi or argmax: the head's ``predictions``) and, for chunk tags (IOB1, IOB2, BIOES), span F1 over
the whole split (``ner_nl:f1``, the same spans as ``xling-eval tagging``), so that fairseq selects checkpoints
and stops early on it: ``--best-checkpoint-metric ner_nl:f1 --maximize-best-checkpoint-metric --patience N``.
"""
from dataclasses import dataclass

from fairseq.criterions import register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion
from fairseq_xling.evaluation.tagging import span_counts
from fairseq_xling.text.tag_schemes import chunk_scheme


@dataclass
class CRFCriterionConfig(FairseqDataclass):
    pass


@register_criterion("xling_crf", dataclass=CRFCriterionConfig)
class CRFCriterion(XlingObjectiveCriterion):
    logging_keys = ("loss", "sample_size", "correct", "tokens", "span_tp", "span_pred", "span_gold")

    def forward(self, model, sample, reduce=True):
        out = model(**sample["net_input"])
        loss, nsentences = out["nll"].sum(), out["nll"].size(0)
        counts = dict.fromkeys(("correct", "tokens", "span_tp", "span_pred", "span_gold"), 0)
        if "predictions" in out:  # evaluation: accuracy and span counts of the best path
            mask = sample["tag_mask"]
            counts.update(correct=int((out["predictions"].eq(sample["target"]) & mask).sum()), tokens=int(mask.sum()))
            head = model.heads[sample["net_input"]["head"]]
            scheme = chunk_scheme(head.scheme)
            if scheme:  # NER-style chunk tags: span counts
                gold, pred = (tag_strings(ids, mask, head.tags) for ids in (sample["target"], out["predictions"]))
                counts.update(zip(("span_tp", "span_pred", "span_gold"), span_counts(gold, pred, scheme)))
        logging_output = {"loss": loss.data, "sample_size": nsentences, "ntokens": sample["ntokens"],
                          "nsentences": nsentences, **counts}
        return loss, nsentences, logging_output

    @staticmethod
    def objective_metrics(sums):
        metrics = {"accuracy": sums["correct"] / sums["tokens"]} if sums.get("tokens") else {}
        if sums.get("span_pred", 0) + sums.get("span_gold", 0):
            metrics["f1"] = 2 * sums["span_tp"] / (sums["span_pred"] + sums["span_gold"])
        return metrics


def tag_strings(ids, mask, tags):
    """B x T tag ids -> one list of tag names per sentence (its words only)."""
    return [[tags[i] for i in row[m].tolist()] for row, m in zip(ids, mask)]
