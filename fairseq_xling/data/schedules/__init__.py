"""Schedules pick the objective of every update of xling_multitask.

A schedule is a dataclass registered with ``@register_schedule(name)``; adding one is one new file in this
folder plus its import line below. ``--schedule NAME[:key=value...]`` fills its fields.

A schedule is a pure function of (epoch, rng): the task plans each epoch from a generator seeded by
(seed, epoch), so resuming from checkpoint_last.pt replays the same plan (no schedule state to save), and
every distributed rank computes the same plan.
"""
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from fairseq_xling.data.spec import fill_dataclass, parse_spec, registrar
from fairseq_xling.errors import UserError

SCHEDULE_REGISTRY = {}
register_schedule = registrar(SCHEDULE_REGISTRY, "schedule")


@dataclass
class ObjectiveInfo:
    """What a schedule may know about an objective."""

    name: str
    type: str
    langs: List[str]
    size: int  # training examples
    weight: float = 1.0
    task: str = ""  # e.g. ner, pos (tagging) or the objective type


class Schedule:
    """Base class: subclasses are dataclasses whose fields are the schedule's options."""

    def plan(self, objectives: Sequence[ObjectiveInfo], num_updates: int, epoch: int,
             rng: np.random.Generator) -> np.ndarray:
        """Objective index for each of ``num_updates`` updates of ``epoch``."""
        raise NotImplementedError

    def probabilities(self, objectives: Sequence[ObjectiveInfo]) -> np.ndarray:
        """Sampling distribution over objectives, for schedules that sample."""
        raise NotImplementedError




def build_schedule(spec: str) -> Schedule:
    name, positional, options = parse_spec(spec)
    if name not in SCHEDULE_REGISTRY:
        raise UserError(f"--schedule {spec!r}: unknown schedule {name!r}; expected one of "
                         f"{', '.join(sorted(SCHEDULE_REGISTRY))}")
    if positional:
        raise UserError(f"--schedule {spec!r}: options are key=value, got {positional}")
    schedule, _ = fill_dataclass(SCHEDULE_REGISTRY[name], options, f"--schedule {name}")
    return schedule


from fairseq_xling.data.schedules import alternate, mixing, temperature, weighted  # noqa: E402,F401
