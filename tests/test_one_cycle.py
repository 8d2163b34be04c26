"""``--lr-scheduler one_cycle`` (Smith 2018): the curve by hand and against torch's OneCycleLR, the registered scheduler
on fairseq's SGD and Adam, the command-line options, and the errors for a missing cycle length or momentum."""
import math
import os

import pytest
import torch
from omegaconf import OmegaConf

import fairseq_xling
import fairseq_xling.optim  # noqa: F401  (registers one_cycle; fairseq_xling/__init__.py may not import it yet)
from fairseq.optim import build_optimizer
from fairseq.optim.lr_scheduler import LR_SCHEDULER_DATACLASS_REGISTRY, build_lr_scheduler
from fairseq_xling.errors import UserError
from fairseq_xling.optim.one_cycle import OneCycleLRSchedule, one_cycle_lr

# pct_start 0.25 of 100 updates: the peak is at step 24 and the fall spans steps 24..99 (75 steps)
TOTAL, PCT, PEAK = 100, 0.25, 1.0
INITIAL, FINAL = PEAK / 25, PEAK / 25 / 1e4


def hand(step: int, anneal: str):
    """The expected (lr, momentum), written out for the steps the tests use (cos(pi/3) = 1/2 keeps them simple)."""
    third = 0.25 if anneal == "cos" else 1 / 3  # the annealing weight one third of the way through a phase
    return {
        0: (INITIAL, 0.95),
        8: (INITIAL + (PEAK - INITIAL) * third, 0.95 - 0.1 * third),  # 1/3 of the rise
        12: ((INITIAL + PEAK) / 2, 0.90),  # half the rise: cos and linear agree
        24: (PEAK, 0.85),
        49: (PEAK - (PEAK - FINAL) * third, 0.85 + 0.1 * third),  # 1/3 of the fall
        99: (FINAL, 0.95),
        150: (FINAL, 0.95),  # past the cycle: stays final
    }[step]


HAND_STEPS = [0, 8, 12, 24, 49, 99, 150]


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("step", HAND_STEPS)
def test_formula_by_hand(anneal, step):
    lr, momentum = one_cycle_lr(step, TOTAL, PEAK, PCT, anneal_strategy=anneal)
    expected_lr, expected_momentum = hand(step, anneal)
    assert lr == pytest.approx(expected_lr, rel=1e-9)
    assert momentum == pytest.approx(expected_momentum, rel=1e-9)


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("total,pct_start", [(100, 0.25), (100, 0.3), (37, 0.3), (10, 0.05)])
def test_formula_matches_torch(anneal, total, pct_start):
    """Step by step over the whole cycle, OneCycleLR's lr and momentum before each optimizer step are ours."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.4, total_steps=total, pct_start=pct_start,
                                                    anneal_strategy=anneal, three_phase=False)
    for step in range(total):
        lr, momentum = one_cycle_lr(step, total, 0.4, pct_start, anneal_strategy=anneal)
        assert lr == pytest.approx(optimizer.param_groups[0]["lr"], rel=1e-9, abs=1e-12), step
        assert momentum == pytest.approx(optimizer.param_groups[0]["momentum"], rel=1e-9), step
        optimizer.step()
        scheduler.step()


def scheduler_config(max_update: int = TOTAL, lr=(PEAK,), **options):
    """The lr_scheduler node of a root config, so that ${optimization.*} resolves as in fairseq-train."""
    root = OmegaConf.create({"optimization": {"max_update": max_update, "lr": list(lr)},
                             "lr_scheduler": {"_name": "one_cycle", "pct_start": PCT, **options}})
    return root.lr_scheduler


def fairseq_optimizer(name: str = "sgd", **options):
    params = [torch.nn.Parameter(torch.zeros(3))]
    root = OmegaConf.create({"common": {"tpu": False},
                             "optimizer": {"_name": name, "lr": [PEAK], "weight_decay": 0.0, **options}})
    return build_optimizer(root.optimizer, params)


@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_scheduler_sets_lr_and_momentum_on_fairseq_sgd(anneal):
    optimizer = fairseq_optimizer("sgd", momentum=0.0)
    scheduler = build_lr_scheduler(scheduler_config(anneal_strategy=anneal), optimizer)
    assert isinstance(scheduler, OneCycleLRSchedule) and scheduler.total == TOTAL
    # built: the first update already runs at the initial lr and the high momentum (--momentum 0 is replaced)
    assert optimizer.get_lr() == pytest.approx(INITIAL)
    assert optimizer.optimizer.param_groups[0]["momentum"] == pytest.approx(0.95)
    for step in HAND_STEPS:
        expected_lr, expected_momentum = hand(step, anneal)
        assert scheduler.step_update(step) == pytest.approx(expected_lr, rel=1e-9)
        assert optimizer.get_lr() == pytest.approx(expected_lr, rel=1e-9)
        assert optimizer.optimizer.param_groups[0]["momentum"] == pytest.approx(expected_momentum, rel=1e-9)


def test_epoch_steps_keep_the_lr_and_a_fresh_scheduler_resumes():
    optimizer = fairseq_optimizer("sgd", momentum=0.9)
    scheduler = build_lr_scheduler(scheduler_config(), optimizer)
    lr = scheduler.step_update(49)
    assert scheduler.step(3, val_loss=2.0) == lr and scheduler.step_begin_epoch(4) == lr
    assert scheduler.state_dict() == {"best": 2.0}
    # a resumed run: a new scheduler (its constructor goes back to step 0), then fairseq's step_update(restored count)
    resumed_optimizer = fairseq_optimizer("sgd", momentum=0.9)
    resumed = build_lr_scheduler(scheduler_config(), resumed_optimizer)
    resumed.load_state_dict(scheduler.state_dict())
    assert resumed_optimizer.get_lr() == pytest.approx(INITIAL)
    assert resumed.step_update(49) == lr
    assert resumed_optimizer.optimizer.param_groups[0]["momentum"] == optimizer.optimizer.param_groups[0]["momentum"]


def test_adam_cycles_beta1_and_keeps_beta2():
    optimizer = fairseq_optimizer("adam", adam_betas="(0.9, 0.98)", adam_eps=1e-8)
    scheduler = build_lr_scheduler(scheduler_config(base_momentum=0.8, max_momentum=0.9), optimizer)
    scheduler.step_update(24)
    assert optimizer.get_lr() == pytest.approx(PEAK)
    assert optimizer.optimizer.param_groups[0]["betas"] == pytest.approx((0.8, 0.98))


def test_total_num_update_overrides_max_update():
    optimizer = fairseq_optimizer("sgd", momentum=0.9)
    scheduler = build_lr_scheduler(scheduler_config(max_update=1000, total_num_update=TOTAL), optimizer)
    assert scheduler.total == TOTAL
    assert scheduler.step_update(99) == pytest.approx(FINAL)


def test_missing_cycle_length_is_a_user_error():
    with pytest.raises(UserError, match=r"one_cycle needs the cycle length: set --max-update N or --total-num-update"):
        build_lr_scheduler(scheduler_config(max_update=0), fairseq_optimizer("sgd", momentum=0.9))


def test_several_lrs_are_a_user_error():
    with pytest.raises(UserError, match=r"single --lr"):
        build_lr_scheduler(scheduler_config(lr=(0.1, 0.01)), fairseq_optimizer("sgd", momentum=0.9))


def test_optimizer_without_momentum_is_a_user_error():
    with pytest.raises(UserError, match=r"\(Adagrad\) has neither momentum nor betas.*--no-cycle-momentum"):
        build_lr_scheduler(scheduler_config(), fairseq_optimizer("adagrad"))
    # with momentum cycling off, the lr still follows the cycle
    optimizer = fairseq_optimizer("adagrad")
    scheduler = build_lr_scheduler(scheduler_config(no_cycle_momentum=True), optimizer)
    assert scheduler.step_update(24) == pytest.approx(PEAK)
    assert "momentum" not in optimizer.optimizer.param_groups[0]


def test_command_line_options():
    """fairseq-train's parser with --user-dir knows the options, and the config it yields builds the scheduler."""
    from fairseq import options
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf

    assert "one_cycle" in LR_SCHEDULER_DATACLASS_REGISTRY
    user_dir = os.path.dirname(fairseq_xling.__file__)
    parser = options.get_training_parser()
    args = options.parse_args_and_arch(parser, [
        "unused-data-dir", "--user-dir", user_dir, "--arch", "lstm", "--optimizer", "sgd", "--momentum", "0.9",
        "--lr", "0.5", "--max-update", "1000", "--lr-scheduler", "one_cycle", "--total-num-update", "40",
        "--pct-start", "0.5", "--div-factor", "10", "--final-div-factor", "100", "--anneal-strategy", "linear",
        "--base-momentum", "0.8", "--max-momentum", "0.9"])
    assert (args.pct_start, args.div_factor, args.final_div_factor, args.anneal_strategy) == (0.5, 10, 100, "linear")
    assert args.no_cycle_momentum is False
    cfg = convert_namespace_to_omegaconf(args)
    optimizer = build_optimizer(cfg.optimizer, [torch.nn.Parameter(torch.zeros(2))])
    scheduler = build_lr_scheduler(cfg.lr_scheduler, optimizer)
    assert scheduler.total == 40
    assert optimizer.get_lr() == pytest.approx(0.05)
    assert scheduler.step_update(19) == pytest.approx(0.5)  # peak at 0.5 * 40 - 1
    assert optimizer.optimizer.param_groups[0]["momentum"] == pytest.approx(0.8)
    assert scheduler.step_update(39) == pytest.approx(0.0005)
    assert math.isclose(optimizer.optimizer.param_groups[0]["momentum"], 0.9)

    # without --total-num-update the cycle spans --max-update
    args = options.parse_args_and_arch(options.get_training_parser(), [
        "unused-data-dir", "--user-dir", user_dir, "--arch", "lstm", "--optimizer", "sgd", "--lr", "0.5",
        "--max-update", "300", "--lr-scheduler", "one_cycle", "--no-cycle-momentum"])
    cfg = convert_namespace_to_omegaconf(args)
    optimizer = build_optimizer(cfg.optimizer, [torch.nn.Parameter(torch.zeros(2))])
    assert build_lr_scheduler(cfg.lr_scheduler, optimizer).total == 300
    assert optimizer.optimizer.param_groups[0]["momentum"] == 0.0
