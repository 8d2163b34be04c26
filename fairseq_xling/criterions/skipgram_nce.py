"""Skip-gram with negative sampling on the shared word embeddings (Mikolov et al. 2013; Singla et al. 2018).

For each (word, context) pair: -log s(u_c . v_w) - sum_k log s(-u_nk . v_w), with v the word (input)
embeddings, u the separate context (output) embeddings, and k noise words from the unigram^0.75
distribution. As the paper, the k noise words are drawn once per batch and shared by all its pairs, which
turns the negative scores into one P x k matrix product.
"""
from dataclasses import dataclass, field

import torch
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
    negatives: int = field(default=512, metadata={"help": "noise words per batch (shared by its pairs)"})
    noise_power: float = field(default=0.75, metadata={"help": "noise distribution = unigram ** power"})


@register_criterion("xling_skipgram_nce", dataclass=SkipGramNCEConfig)
class SkipGramNCECriterion(XlingObjectiveCriterion):
    logging_keys = ("loss", "sample_size", "n_mono", "n_cross")

    def __init__(self, task, negatives=512, noise_power=0.75):
        super().__init__(task)
        self.negatives = negatives
        counts = torch.as_tensor(task.vocab.counts(), dtype=torch.float64)
        if counts.sum() <= 0:
            raise ValueError("skip-gram noise distribution: the dictionaries carry no word counts")
        self.register_buffer("noise_probs", (counts ** noise_power / (counts ** noise_power).sum()).float())

    def forward(self, model, sample, reduce=True):
        noise = torch.multinomial(self.noise_probs, self.negatives, replacement=True)  # K
        loss = skipgram_negative_sampling_loss(
            model.embed_tokens(sample["centers"]),  # P x D
            model.embed_contexts(sample["contexts"]),  # P x D
            model.embed_contexts(noise),  # K x D
        )
        pairs = sample["centers"].numel()
        logging_output = {
            "loss": loss.data, "sample_size": pairs, "ntokens": sample["ntokens"],
            "nsentences": sample["nsentences"], "n_mono": sample["n_mono"], "n_cross": sample["n_cross"],
        }
        return loss, pairs, logging_output
