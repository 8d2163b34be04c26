"""``temperature``: sample each update's objective with probability proportional to (D_i / sum_j D_j)^(1/t).

D_i is objective i's number of training examples. ``t=1`` samples in proportion to the data, ``t`` -> infinity
uniformly; ``t=5`` is what Arivazhagan et al. (2019) and Siddhant et al. (2020) use to let low-resource language
pairs be seen more often than their share of the data without overfitting them.
"""
from dataclasses import dataclass

import numpy as np

from fairseq_xling.data.schedules import Schedule, register_schedule
from fairseq_xling.errors import UserError
from fairseq_xling.text.multilingual import sampling_probabilities


def temperature_probabilities(sizes, t: float) -> np.ndarray:
    """p_i = q_i^(1/t) / sum_j q_j^(1/t) with q_i = sizes_i / sum(sizes): the formula with which
    preprocess/multilingual.sh samples its sub-word training text, one function for both."""
    try:
        probs = sampling_probabilities(dict(enumerate(sizes)), t)
    except ValueError as e:
        raise UserError(f"temperature schedule: {e}") from None
    return np.array([probs[i] for i in range(len(probs))])


@register_schedule("temperature")
@dataclass
class TemperatureSchedule(Schedule):
    t: float = 5.0  # the temperature: 1 = proportional to the data sizes, large = uniform

    def probabilities(self, objectives):
        return temperature_probabilities([o.size for o in objectives], self.t)

    def plan(self, objectives, num_updates, epoch, rng):
        return rng.choice(len(objectives), size=num_updates, p=self.probabilities(objectives))
