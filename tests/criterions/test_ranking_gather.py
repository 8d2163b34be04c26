"""Negatives gathered across processes: the loss summed over 2 CPU processes (gloo) equals the loss of the
concatenated batch computed in one process, with and without hard negatives, one and both directions."""
import socket

import pytest
import torch
import torch.multiprocessing as mp

from fairseq_xling.criterions.ranking import RankingCriterion

torch.manual_seed(0)
QUERIES, CANDIDATES, NEGATIVES = torch.randn(5, 4), torch.randn(5, 4), torch.randn(4, 4)
SPLITS = ([0, 1], [2, 3, 4])  # the two processes' rows: batches of different sizes
NEG_SPLITS = ([0], [1, 2, 3])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CASES = [(False, False), (False, True), (True, False)]  # (symmetric, with hard negatives)


def worker(rank, port, out_dir):
    import json

    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", world_size=2, rank=rank)
    try:
        totals = []
        for symmetric, with_negatives in CASES:
            crit = RankingCriterion(task=None, symmetric=symmetric, gather=True)
            candidates = CANDIDATES[SPLITS[rank]].clone().requires_grad_()
            negatives = NEGATIVES[NEG_SPLITS[rank]] if with_negatives else None
            loss, correct, ranked = crit.loss(QUERIES[SPLITS[rank]], candidates, negatives, gather=True)
            loss.backward()  # the local rows carry the gradient
            assert candidates.grad is not None and candidates.grad.abs().sum() > 0
            total = loss.detach().clone()
            dist.all_reduce(total)
            totals.append(float(total))
        with open(f"{out_dir}/rank{rank}.json", "w") as f:
            json.dump(totals, f)
    finally:
        dist.destroy_process_group()


def test_gathered_loss_equals_the_concatenated_batch(tmp_path):
    import json

    # spawn, not fork: forking a process with threads (pytest-xdist workers have them) can deadlock the child
    mp.start_processes(worker, args=(free_port(), str(tmp_path)), nprocs=2, join=True, start_method="spawn")
    for rank in (0, 1):
        totals = json.loads((tmp_path / f"rank{rank}.json").read_text())
        for (symmetric, with_negatives), total in zip(CASES, totals):
            # one process: the concatenated batch, the negatives in the order the processes hold them
            crit = RankingCriterion(task=None, symmetric=symmetric)
            expected, _, _ = crit.loss(QUERIES, CANDIDATES, NEGATIVES if with_negatives else None)
            assert total == pytest.approx(float(expected), rel=1e-5), (symmetric, with_negatives)
