"""The epoch plan of xling_multitask: homogeneous updates, rank sharding, determinism."""
import numpy as np
import pytest

from tests.utils import build_in_process, make_data_bin, synthetic_corpus


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    data = make_data_bin(str(tmp_path_factory.mktemp("data")), synthetic_corpus(40),
                         mono={"de": [p[0] for p in synthetic_corpus(30, seed=4)]})
    return build_in_process(data, "/tmp/unused", "--schedule", "weighted")[1]


def objective_of(dataset, batch):
    return {dataset.locate(int(i))[0] for i in batch}


def test_every_update_group_holds_one_objective(task):
    dataset = task.dataset("train")
    world, update_freq = 2, 2
    plan = task.plan_epoch(dataset, 1, None, 4, world * update_freq)
    assert len(plan) % (world * update_freq) == 0
    for start in range(0, len(plan), world * update_freq):
        kinds = set().union(*(objective_of(dataset, b) for b in plan[start:start + world * update_freq]))
        assert len(kinds) == 1
    # fairseq gives batch i to rank i % world: the ranks read different examples
    ranks = [np.concatenate(plan[r::world]) for r in range(world)]
    assert len(set(ranks[0][:8].tolist()) & set(ranks[1][:8].tolist())) == 0
    assert {k for b in plan for k in objective_of(dataset, b)} == {0, 1}


def test_plan_is_a_function_of_seed_and_epoch(task):
    dataset = task.dataset("train")
    a = task.plan_epoch(dataset, 1, None, 4, 1)
    b = task.plan_epoch(dataset, 1, None, 4, 1)
    c = task.plan_epoch(dataset, 2, None, 4, 1)
    assert all((x == y).all() for x, y in zip(a, b))
    assert len(a) != len(c) or any(len(x) != len(y) or (x != y).any() for x, y in zip(a, c))


def test_epoch_visits_every_batch_once_on_average(task):
    dataset = task.dataset("train")
    plan = task.plan_epoch(dataset, 1, None, 4, 1)
    total = sum(len(task.objective_batches(dataset, k, None, 4, (0, 1, k, 0))) for k in range(2))
    assert len(plan) == total


def test_upsample_repeats_an_objective_in_every_epoch(tmp_path):
    """Few-shot: ``upsample=K`` gives an objective K copies of every example per pass, batched together (whole
    batches, as if the copies were in the data), and the proportional schedule sees K times its size (the
    paper's 10 target-language examples upsampled to 1,000)."""
    data = make_data_bin(str(tmp_path), synthetic_corpus(40), mono={"de": [p[0] for p in synthetic_corpus(8, seed=4)]})
    plans = {}
    for upsample in (1, 5):
        task = build_in_process(data, "/tmp/unused", "--schedule", "temperature:t=1",
                                objectives=f"similarity:de-en:upsample={upsample},skipgram:de-en:negatives=20")[1]
        dataset = task.dataset("train")
        n0, n1 = len(dataset.datasets[0]), len(dataset.datasets[1])
        stream = task.objective_batches(dataset, 0, None, 3, (task.cfg.seed, 1, 0, 0), upsample)
        assert np.bincount(np.concatenate(stream), minlength=n0).tolist() == [upsample] * n0
        assert len(stream) == -(-upsample * n0 // 3)  # full batches of 3, not a short batch at the end of each copy
        plans[upsample] = plan = task.plan_epoch(dataset, 1, None, 4, 1)
        share = sum(objective_of(dataset, b) == {0} for b in plan) / len(plan)
        assert abs(share - upsample * n0 / (upsample * n0 + n1)) < 0.1  # updates drawn in proportion to K x size
    assert len(plans[5]) > len(plans[1])


def test_upsample_must_be_at_least_one(tmp_path):
    from fairseq_xling.data.objectives import parse_objectives
    from fairseq_xling.errors import UserError

    with pytest.raises(UserError, match="upsample=0"):
        parse_objectives("similarity:de-en:upsample=0")
