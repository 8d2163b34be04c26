"""In-batch ranking (Henderson et al. 2017; Guo et al. 2018; Chidambaram et al. 2019): each query's own candidate
is scored against every other candidate of the batch, and the loss is the negative log-softmax of the right one.

    loss = - sum_i log( exp(s * sim(q_i, c_i)) / sum_j exp(s * sim(q_i, c_j)) )

over the batch's candidates c_j plus any extra negatives (hard negatives, Guo et al.: translations of other
sentences that a ranking model confused with c_i). ``sim`` is the dot product (the paper) or the cosine;
``s`` a scale (1 for dot products; cosines need one, 20 as sentence-transformers' MultipleNegativesRankingLoss).

The sample holds the queries in ``net_input`` and one or more candidate sides in ``candidate_inputs`` (default
``[tgt_input]``): one loss per side, summed (quick-thought scores the predecessor and the successor). Hard
negatives of the first side come as ``negative_input`` (k per query, any order). Each side's vectors are the
model output ``rank_emb`` (a head's) or else ``sentence_emb`` (g itself, as translation ranking uses).

With ``gather=true`` and several processes, every process's candidates (and hard negatives) join every other
process's pool during training (sentence-transformers' ``gather_across_devices``): the other processes' vectors
are gathered without gradient, the local ones keep theirs, so the loss summed over processes equals the loss of
the concatenated batch in one process. All processes train the same objective at each update (the task's plan),
so they gather together; validation does not gather (processes validate different numbers of batches).
"""
from dataclasses import dataclass, field
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from fairseq.criterions import register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_xling.criterions.objective import XlingObjectiveCriterion
from fairseq_xling.errors import UserError

SIMILARITIES = ("dot", "cosine")


def in_batch_softmax_loss(queries: torch.Tensor, candidates: torch.Tensor, positives: Optional[torch.Tensor] = None,
                          scale: float = 1.0, similarity: str = "dot") -> Tuple[torch.Tensor, torch.Tensor]:
    """Summed negative log-softmax of each query's positive among all candidates.

    Args:
        queries: B x D; candidates: C x D (C >= B: the batch's candidates, then extra negatives).
        positives: B indices into ``candidates`` (default: row i for query i).
    Returns:
        (loss, correct): the summed loss (float32) and how many queries rank their positive first.
    """
    if similarity == "cosine":
        queries, candidates = F.normalize(queries.float(), dim=-1), F.normalize(candidates.float(), dim=-1)
    scores = scale * (queries.float() @ candidates.float().t())  # B x C
    if positives is None:
        positives = torch.arange(queries.size(0), device=queries.device)
    loss = F.cross_entropy(scores, positives, reduction="sum")
    correct = (scores.argmax(-1) == positives).sum()
    return loss, correct


def gather_rows(local: torch.Tensor) -> Tuple[torch.Tensor, int]:
    """The rows of ``local`` (N_r x D) of every process, concatenated in rank order, and where this process's rows
    start. Other processes' rows carry no gradient; this process's rows are ``local`` itself. Processes may hold
    different numbers of rows."""
    import torch.distributed as dist

    world, rank = dist.get_world_size(), dist.get_rank()
    sizes = [torch.zeros(1, dtype=torch.long, device=local.device) for _ in range(world)]
    dist.all_gather(sizes, torch.tensor([local.size(0)], device=local.device))
    sizes = [int(s) for s in sizes]
    padded = local.new_zeros(max(sizes), local.size(1))
    padded[: local.size(0)] = local.detach()
    parts = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(parts, padded)
    parts = [local if r == rank else part[: sizes[r]] for r, part in enumerate(parts)]
    return torch.cat(parts), sum(sizes[:rank])


def distributed() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def ranking_vectors(output: dict) -> torch.Tensor:
    """The vectors a ranking loss compares: a head's ``rank_emb``, else the encoder's ``sentence_emb``."""
    return output["rank_emb"] if "rank_emb" in output else output["sentence_emb"]


@dataclass
class RankingConfig(FairseqDataclass):
    similarity: str = field(default="dot", metadata={"help": "dot (the paper) | cosine"})
    scale: Optional[float] = field(default=None, metadata={
        "help": "multiplies the similarities before the softmax; default 1 for dot, 20 for cosine"})
    symmetric: bool = field(default=False, metadata={
        "help": "also rank the queries for each candidate (both directions, Yang et al. 2019)"})
    gather: bool = field(default=False, metadata={
        "help": "with several processes, rank against every process's candidates during training"})


@register_criterion("xling_ranking", dataclass=RankingConfig)
class RankingCriterion(XlingObjectiveCriterion):
    """Logs the loss per query and ``acc``, the fraction of queries (per side and direction) whose own candidate
    scores highest."""

    logging_keys = ("loss", "sample_size", "correct", "ranked")

    def __init__(self, task, similarity="dot", scale=None, symmetric=False, gather=False):
        super().__init__(task)
        self.gather = gather
        if similarity not in SIMILARITIES:
            raise UserError(f"ranking criterion: similarity={similarity!r}; expected one of {', '.join(SIMILARITIES)}")
        self.similarity, self.symmetric = similarity, symmetric
        self.scale = scale if scale is not None else (20.0 if similarity == "cosine" else 1.0)

    def loss(self, queries, candidates, negatives=None, gather=False):
        """The loss of one candidate side (and its reverse when symmetric): (loss, correct, ranked). ``gather``:
        the pools hold every process's rows (see the module docstring)."""
        positives, pool, query_pool, start = None, candidates, queries, 0
        if gather:
            pool, start = gather_rows(candidates)
            query_pool = gather_rows(queries)[0]
            positives = start + torch.arange(queries.size(0), device=queries.device)
        if negatives is not None:
            pool = torch.cat([pool, gather_rows(negatives)[0] if gather else negatives])
        loss, correct = in_batch_softmax_loss(queries, pool, positives, scale=self.scale, similarity=self.similarity)
        ranked = queries.size(0)
        if self.symmetric:
            back, back_correct = in_batch_softmax_loss(candidates, query_pool, positives, scale=self.scale,
                                                       similarity=self.similarity)
            loss, correct, ranked = loss + back, correct + back_correct, 2 * ranked
        return loss, correct, ranked

    def forward(self, model, sample, reduce=True):
        queries = ranking_vectors(model(**sample["net_input"]))  # B x D
        sides = sample.get("candidate_inputs") or [sample["tgt_input"]]
        loss, correct, ranked = 0.0, 0, 0
        gather = self.gather and model.training and distributed()
        for i, side in enumerate(sides):
            negatives = None
            if i == 0 and sample.get("negative_input") is not None:
                negatives = ranking_vectors(model(**sample["negative_input"]))  # B*k x D
            side_loss, side_correct, side_ranked = self.loss(queries, ranking_vectors(model(**side)), negatives,
                                                             gather)
            loss, correct, ranked = loss + side_loss, correct + side_correct.item(), ranked + side_ranked
        batch_size = queries.size(0)
        logging_output = {"loss": loss.data, "sample_size": batch_size, "ntokens": sample["ntokens"],
                          "nsentences": batch_size, "correct": correct, "ranked": ranked}
        return loss, batch_size, logging_output

    @staticmethod
    def objective_metrics(sums):
        return {"acc": sums["correct"] / sums["ranked"]} if sums.get("ranked") else {}
