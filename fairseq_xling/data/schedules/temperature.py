"""``temperature``: sample each update's objective with probability proportional to (D_i / sum_j D_j)^(1/t).

D_i is objective i's number of training examples. ``t=1`` samples in proportion to the data, ``t`` -> infinity
uniformly; ``t=5`` is what Arivazhagan et al. (2019) and Siddhant et al. (2020) use to let low-resource language
pairs be seen more often than their share of the data without overfitting them.
"""
from dataclasses import dataclass

import numpy as np

from fairseq_xling.data.schedules import Schedule, register_schedule
from fairseq_xling.errors import UserError


def temperature_probabilities(sizes, t: float) -> np.ndarray:
    """p_i = q_i^(1/t) / sum_j q_j^(1/t) with q_i = sizes_i / sum(sizes)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    if t <= 0:
        raise UserError(f"temperature t={t}: expected a positive number")
    if (sizes < 0).any() or sizes.sum() <= 0:
        raise UserError(f"temperature sampling needs sizes >= 0 with a positive sum, got {sizes.tolist()}")
    q = (sizes / sizes.sum()) ** (1.0 / t)
    return q / q.sum()


@register_schedule("temperature")
@dataclass
class TemperatureSchedule(Schedule):
    t: float = 5.0  # the temperature: 1 = proportional to the data sizes, large = uniform

    def probabilities(self, objectives):
        return temperature_probabilities([o.size for o in objectives], self.t)

    def plan(self, objectives, num_updates, epoch, rng):
        return rng.choice(len(objectives), size=num_updates, p=self.probabilities(objectives))
