"""``mixing``: the mixing rates of Lin et al. (2018): r_i = mu_i * zeta_i * sqrt(N_i).

mu_i is 1 when objective i has the target's task (ner, pos, ...) and ``mu`` otherwise; zeta_i is 1 when it
has the target's language and ``zeta`` otherwise; N_i is its number of training examples. Each update's
objective is sampled with probability proportional to r_i.
"""
from dataclasses import dataclass

import numpy as np

from fairseq_xling.data.schedules import Schedule, register_schedule


@register_schedule("mixing")
@dataclass
class MixingSchedule(Schedule):
    target: str = ""  # the main objective, by name (e.g. ner_nl)
    mu: float = 0.1  # weight of an objective with another task
    zeta: float = 0.1  # weight of an objective in another language

    def probabilities(self, objectives):
        by_name = {o.name: o for o in objectives}
        if self.target not in by_name:
            raise ValueError(f"mixing schedule: target={self.target!r} is not an objective; expected one of "
                             f"{', '.join(by_name)}")
        target = by_name[self.target]
        rates = np.array([(1.0 if o.task == target.task else self.mu)
                          * (1.0 if o.langs == target.langs else self.zeta) * np.sqrt(o.size)
                          for o in objectives])
        return rates / rates.sum()

    def plan(self, objectives, num_updates, epoch, rng):
        return rng.choice(len(objectives), size=num_updates, p=self.probabilities(objectives))
