"""``xling_translation``: teacher-forced cross-entropy of the decoder's output, per target token.

With ``label_smoothing=EPS`` (in ``--objectives``, e.g. ``translation:de-en:label_smoothing=0.1``) the loss is
fairseq's label-smoothed NLL (Szegedy et al. 2016). Logged per objective: ``loss`` (per target token, nats, what
is optimised), ``nll_loss`` (base 2, without smoothing) and ``ppl`` = 2^nll_loss, as fairseq's translation
criteria log them.
"""
import math
from dataclasses import dataclass, field

from fairseq.criterions import register_criterion
from fairseq.criterions.label_smoothed_cross_entropy import label_smoothed_nll_loss
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion


@dataclass
class TranslationCriterionConfig(FairseqDataclass):
    label_smoothing: float = field(default=0.0, metadata={"help": "label smoothing epsilon (0 = plain NLL)"})


@register_criterion("xling_translation", dataclass=TranslationCriterionConfig)
class TranslationCriterion(XlingObjectiveCriterion):
    logging_keys = ("loss", "sample_size", "nll_loss")

    def __init__(self, task, label_smoothing=0.0):
        super().__init__(task)
        self.eps = label_smoothing

    def forward(self, model, sample, reduce=True):
        target = sample["target"]  # B x T, padded with the dictionary's pad
        tokens = target.ne(self.padding_idx)
        out = model(**sample["net_input"], output_mask=tokens)  # no output layer on padding
        lprobs = model.get_normalized_probs((out["logits"], out), log_probs=True)  # N x V
        loss, nll_loss = label_smoothed_nll_loss(lprobs, target[tokens], self.eps, reduce=True)
        ntokens = int(tokens.sum())
        logging_output = {"loss": loss.data, "nll_loss": nll_loss.data, "sample_size": ntokens,
                          "ntokens": ntokens, "nsentences": target.size(0)}
        return loss, ntokens, logging_output

    @staticmethod
    def objective_metrics(sums):
        nll = float(sums["nll_loss"]) / max(sums["sample_size"], 1) / math.log(2)
        return {"nll_loss": nll, "ppl": 2 ** min(nll, 100.0)}
