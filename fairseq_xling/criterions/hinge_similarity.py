"""Cross-lingual sentence similarity with a hinge loss over sampled negatives (Singla et al. 2018).

d(S, T) = ||R_S - R_T||_2 and l(S, T) = sum_i max(0, m + d(S, T) - d(S, N_i)) over k negatives N_i, applied in
both directions (S, T) and (T, S). Negatives are other sentences of the batch, drawn without replacement.
"""
from dataclasses import dataclass, field
from typing import Optional

import torch
import torch.nn.functional as F
from fairseq.criterions import register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion


def l2_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distance over the last axis; the epsilon keeps the gradient finite at distance 0."""
    return ((a - b).pow(2).sum(-1) + 1e-12).sqrt()


def sample_negatives(batch_size: int, k: int, device=None) -> torch.Tensor:
    """B x k indices of other batch members (never the row itself), without replacement."""
    scores = torch.rand(batch_size, batch_size, device=device)  # B x B
    scores.fill_diagonal_(2.0)  # above any rand(): the row itself is never among the k smallest
    return scores.topk(k, dim=1, largest=False).indices  # B x k


def hinge_similarity_loss(src_emb, tgt_emb, neg_tgt, neg_src, margin: float):
    """Summed hinge loss of both directions.

    Args:
        src_emb, tgt_emb: B x D sentence embeddings; row i of each is a translation pair.
        neg_tgt: B x k rows of ``tgt_emb`` used as negatives for source i (direction (S, T)).
        neg_src: B x k rows of ``src_emb`` used as negatives for target i (direction (T, S)).
    Returns:
        (loss, correct): the summed loss and how many of the 2*B*k negatives are farther than the true pair.
    """
    d_pos = l2_distance(src_emb, tgt_emb).unsqueeze(1)  # B x 1
    d_st = l2_distance(src_emb.unsqueeze(1), tgt_emb[neg_tgt])  # B x k
    d_ts = l2_distance(tgt_emb.unsqueeze(1), src_emb[neg_src])  # B x k
    loss = F.relu(margin + d_pos - d_st).sum() + F.relu(margin + d_pos - d_ts).sum()
    correct = (d_st > d_pos).sum() + (d_ts > d_pos).sum()
    return loss, correct


@dataclass
class HingeSimilarityConfig(FairseqDataclass):
    margin: Optional[float] = field(default=None, metadata={"help": "hinge margin m; default: the sentence "
                                                                    "embedding size, as in the paper"})
    negatives: int = field(default=10, metadata={"help": "k negatives per pair and direction"})


@register_criterion("xling_hinge_similarity", dataclass=HingeSimilarityConfig)
class HingeSimilarityCriterion(XlingObjectiveCriterion):
    logging_keys = ("loss", "sample_size", "correct", "compared")

    def __init__(self, task, margin=None, negatives=10):
        super().__init__(task)
        self.margin, self.negatives = margin, negatives

    def forward(self, model, sample, reduce=True):
        src_emb = model(**sample["net_input"])["sentence_emb"]  # B x D
        tgt_emb = model(**sample["tgt_input"])["sentence_emb"]  # B x D
        batch_size = src_emb.size(0)
        k = min(self.negatives, batch_size - 1)
        margin = float(src_emb.size(1)) if self.margin is None else self.margin
        if k == 0:  # a batch of one pair has no negatives
            loss, correct = (src_emb.sum() + tgt_emb.sum()) * 0.0, torch.zeros(())
        else:
            loss, correct = hinge_similarity_loss(
                src_emb, tgt_emb, sample_negatives(batch_size, k, src_emb.device),
                sample_negatives(batch_size, k, src_emb.device), margin)
        logging_output = {
            "loss": loss.data, "sample_size": batch_size, "ntokens": sample["ntokens"],
            "nsentences": batch_size, "correct": correct.item(), "compared": 2 * batch_size * k,
        }
        return loss, batch_size, logging_output

    @staticmethod
    def objective_metrics(sums):
        """Derived metrics from summed logging outputs: the fraction of negatives ranked below the pair."""
        return {"rank_acc": sums["correct"] / sums["compared"]} if sums.get("compared") else {}
