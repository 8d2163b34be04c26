"""``--lr-scheduler one_cycle``: Smith's 1cycle policy, one lr cycle over the whole run with momentum moving against it.

Smith (2018, "A disciplined approach to neural network hyper-parameters: Part 1") trains with a single cycle: the
lr climbs from ``--lr / div_factor`` to the peak ``--lr`` over the first ``pct_start`` of the updates, then anneals
far below where it started (``--lr / div_factor / final_div_factor``) and stays there. The large lr in the middle
regularises and lets a short run reach the accuracy of a long one ("super-convergence"); because a large lr with a
large momentum is unstable, momentum goes the other way (high at both ends, low at the peak). van der Heijden et al.
(2020) train their taggers on LASER features this way, with SGD and momentum.

fairseq has no such scheduler: ``triangular`` repeats cycles between ``--lr`` and ``--max-lr`` (Smith's earlier
cyclical lr) and ``cosine`` restarts; neither ends in the long low tail nor touches momentum.

The curve is torch.optim.lr_scheduler.OneCycleLR's two-phase one (``three_phase=False``): after ``k`` updates the lr
is that of OneCycleLR after ``k`` calls to ``step()``, so the peak is at update ``pct_start * total - 1`` and the
final lr at update ``total - 1``. Past the cycle the lr stays final (torch raises an error). lr and momentum are pure
functions of the update count, so a resumed run (fairseq calls ``step_update`` with the restored count) needs no
scheduler state.
"""
import logging
import math
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from fairseq.dataclass import ChoiceEnum, FairseqDataclass
from fairseq.optim.lr_scheduler import FairseqLRScheduler, register_lr_scheduler
from omegaconf import II

from fairseq_xling.errors import UserError

logger = logging.getLogger(__name__)

ANNEAL_STRATEGIES = ("cos", "linear")


def _anneal(start: float, end: float, pct: float, strategy: str) -> float:
    """``pct`` (0..1) of the way from ``start`` to ``end``, along a half cosine (flat at both ends) or a line."""
    weight = (1 - math.cos(math.pi * pct)) / 2 if strategy == "cos" else pct
    return start + (end - start) * weight


def one_cycle_lr(step: int, total: int, peak: float, pct_start: float = 0.3, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, anneal_strategy: str = "cos", base_momentum: float = 0.85,
                 max_momentum: float = 0.95) -> Tuple[float, float]:
    """(lr, momentum) for the update that follows ``step`` updates of a ``total``-update cycle peaking at ``peak``.

    Phase 1, steps 0 .. ``pct_start * total - 1``: lr ``peak / div_factor`` -> ``peak``, momentum max -> base.
    Phase 2, up to step ``total - 1``: lr ``peak`` -> ``peak / div_factor / final_div_factor``, momentum base -> max.
    Later steps keep the final values. The peak step may be fractional (as in torch); when it is 0 the cycle starts
    at the peak (torch divides by zero there).
    """
    if anneal_strategy not in ANNEAL_STRATEGIES:
        raise ValueError(f"anneal_strategy must be one of {', '.join(ANNEAL_STRATEGIES)}, got {anneal_strategy!r}")
    if total < 1 or step < 0:
        raise ValueError(f"need total >= 1 and step >= 0, got total={total}, step={step}")
    initial = peak / div_factor
    final = initial / final_div_factor
    peak_step, last_step = pct_start * total - 1, total - 1
    if step <= peak_step:
        pct = step / peak_step if peak_step > 0 else 1.0
        return (_anneal(initial, peak, pct, anneal_strategy),
                _anneal(max_momentum, base_momentum, pct, anneal_strategy))
    if step >= last_step:
        return final, max_momentum
    pct = (step - peak_step) / (last_step - peak_step)
    return _anneal(peak, final, pct, anneal_strategy), _anneal(base_momentum, max_momentum, pct, anneal_strategy)


@dataclass
class OneCycleLRScheduleConfig(FairseqDataclass):
    pct_start: float = field(
        default=0.3, metadata={"help": "fraction of the cycle spent raising the lr to its peak (--lr)"})
    div_factor: float = field(
        default=25.0, metadata={"help": "the cycle starts at lr = --lr / div-factor"})
    final_div_factor: float = field(
        default=1e4, metadata={"help": "the cycle ends at lr = --lr / div-factor / final-div-factor"})
    anneal_strategy: ChoiceEnum(ANNEAL_STRATEGIES) = field(
        default="cos", metadata={"help": "shape of the rise and the fall: half cosine or straight line"})
    # Optional, not II("optimization.max_update"): fairseq's parser drops an interpolated default of a field with help,
    # then rejects `total_num_update=null` (fairseq's own polynomial_decay fails that way without --total-num-update).
    # The default comes from the max_update mirror below instead.
    total_num_update: Optional[int] = field(
        default=None,
        metadata={"help": "cycle length in updates (default: --max-update); after it the lr stays at its final value"})
    # fairseq turns a bool that defaults to True into a store_false flag of the same name, hence the negative option
    no_cycle_momentum: bool = field(
        default=False, metadata={"help": "leave the optimizer's momentum alone instead of moving it against the lr"})
    base_momentum: float = field(
        default=0.85, metadata={"help": "momentum (Adam: beta1) at the peak lr; overrides --momentum / --adam-betas"})
    max_momentum: float = field(
        default=0.95, metadata={"help": "momentum (Adam: beta1) at the start and the end of the cycle"})
    lr: List[float] = II("optimization.lr")
    max_update: int = II("optimization.max_update")


def _update_count(value) -> int:
    """An update count from the config; ``${optimization.max_update}`` left unresolved (no root config) is unset."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@register_lr_scheduler("one_cycle", dataclass=OneCycleLRScheduleConfig)
class OneCycleLRSchedule(FairseqLRScheduler):
    """Set lr (and momentum, or Adam's beta1) from :func:`one_cycle_lr` after every update; epochs change nothing."""

    def __init__(self, cfg: OneCycleLRScheduleConfig, optimizer):
        super().__init__(cfg, optimizer)
        if len(cfg.lr) != 1:
            raise UserError(f"--lr-scheduler one_cycle takes a single --lr (the peak lr), got --lr "
                            f"{','.join(map(str, cfg.lr))}")
        self.total = _update_count(cfg.max_update if cfg.total_num_update is None else cfg.total_num_update)
        if self.total <= 0:
            raise UserError("--lr-scheduler one_cycle needs the cycle length: "
                            "set --max-update N or --total-num-update N")
        if not 0 <= cfg.pct_start <= 1:
            raise UserError(f"--pct-start must be in [0, 1], got {cfg.pct_start}")
        if cfg.div_factor <= 0 or cfg.final_div_factor <= 0:
            raise UserError(f"--div-factor and --final-div-factor must be > 0, got {cfg.div_factor}, "
                            f"{cfg.final_div_factor}")
        max_update = _update_count(cfg.max_update)
        if 0 < max_update < self.total:
            logger.warning(f"one_cycle: --total-num-update {self.total} > --max-update {max_update}: training stops "
                           f"before the lr has annealed")
        self.peak = cfg.lr[0]
        self.anneal_strategy = str(cfg.anneal_strategy)
        self.momentum_key = None if cfg.no_cycle_momentum else self._momentum_key()
        if self.momentum_key is not None:
            logger.info(f"one_cycle: {self.momentum_key} cycles {cfg.max_momentum} -> {cfg.base_momentum} -> "
                        f"{cfg.max_momentum}, replacing the optimizer's value")
        self.step_update(0)

    def _momentum_key(self) -> str:
        """'momentum' (SGD, NAG) or 'betas' (Adam: beta1 plays momentum's part), present in every param group."""
        torch_optimizer = self.optimizer.optimizer
        for key in ("momentum", "betas"):
            if all(key in group for group in torch_optimizer.param_groups):
                return key
        name = type(torch_optimizer).__name__
        raise UserError(f"--lr-scheduler one_cycle cycles momentum, but the optimizer ({name}) has neither momentum "
                        f"nor betas: use --optimizer sgd, nag or adam, or --no-cycle-momentum")

    def lr_and_momentum(self, num_updates: int) -> Tuple[float, float]:
        cfg = self.cfg
        return one_cycle_lr(num_updates, self.total, self.peak, cfg.pct_start, cfg.div_factor, cfg.final_div_factor,
                            self.anneal_strategy, cfg.base_momentum, cfg.max_momentum)

    def step_begin_epoch(self, epoch):
        return self.optimizer.get_lr()

    def step(self, epoch, val_loss=None):
        super().step(epoch, val_loss)  # keeps track of the best validation loss, as every fairseq scheduler does
        return self.optimizer.get_lr()

    def step_update(self, num_updates):
        lr, momentum = self.lr_and_momentum(num_updates)
        self.optimizer.set_lr(lr)
        if self.momentum_key == "momentum":
            for group in self.optimizer.optimizer.param_groups:
                group["momentum"] = momentum
        elif self.momentum_key == "betas":
            for group in self.optimizer.optimizer.param_groups:
                group["betas"] = (momentum, *group["betas"][1:])
        return self.optimizer.get_lr()
