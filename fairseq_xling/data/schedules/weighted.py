"""``weighted``: sample the objective of each update with probability proportional to its ``weight=``."""
from dataclasses import dataclass

import numpy as np

from fairseq_xling.data.schedules import Schedule, register_schedule
from fairseq_xling.errors import UserError


@register_schedule("weighted")
@dataclass
class WeightedSchedule(Schedule):
    def probabilities(self, objectives):
        weights = np.array([o.weight for o in objectives], dtype=np.float64)
        if (weights < 0).any() or weights.sum() <= 0:
            raise UserError(f"weighted schedule: weights must be >= 0 with a positive sum, got {weights}")
        return weights / weights.sum()

    def plan(self, objectives, num_updates, epoch, rng):
        return rng.choice(len(objectives), size=num_updates, p=self.probabilities(objectives))
