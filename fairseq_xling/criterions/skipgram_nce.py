"""Skip-gram with negative sampling on the shared word embeddings (Mikolov et al. 2013; Singla et al. 2018).

For each (word, context) pair: -log s(u_c . v_w) - sum_k log s(-u_nk . v_w), with v the word (input)
embeddings, u the separate context (output) embeddings, and k noise words from the unigram^0.75
distribution. As the paper, the k noise words are drawn once per batch and shared by all its pairs, which
turns the negative scores into one P x k matrix product.
"""
from dataclasses import dataclass

import torch.nn.functional as F
from fairseq.criterions import register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion


def skipgram_negative_sampling_loss(word_emb, context_emb, noise_emb):
    """Summed negative-sampling loss.

    Args:
        word_emb: P x D input vectors of the words.
        context_emb: P x D output vectors of their contexts.
        noise_emb: K x D output vectors of the shared noise words.
    """
    positive = (word_emb * context_emb).sum(-1)  # P
    negative = word_emb @ noise_emb.t()  # P x K
    return -(F.logsigmoid(positive).sum() + F.logsigmoid(-negative).sum())


@dataclass
class SkipGramNCEConfig(FairseqDataclass):
    pass


@register_criterion("xling_skipgram_nce", dataclass=SkipGramNCEConfig)
class SkipGramNCECriterion(XlingObjectiveCriterion):
    """Scores the ``skipgram`` head's outputs; the noise words come with the batch (objective option
    ``negatives=``, ``noise_power=``)."""

    logging_keys = ("loss", "sample_size", "n_mono", "n_cross")

    def forward(self, model, sample, reduce=True):
        out = model(**sample["net_input"])
        loss = skipgram_negative_sampling_loss(out["center_emb"], out["context_emb"], out["noise_emb"])
        pairs = out["center_emb"].size(0)
        logging_output = {
            "loss": loss.data, "sample_size": pairs, "ntokens": sample["ntokens"],
            "nsentences": sample["nsentences"], "n_mono": sample["n_mono"], "n_cross": sample["n_cross"],
        }
        return loss, pairs, logging_output
