"""``mixing``: the mixing rates of Lin et al. (2018): r_i = mu_i * zeta_i * sqrt(N_i).

mu_i is 1 when objective i has the target's task (ner, pos, ...) and ``mu`` otherwise; zeta_i is 1 when it
has the target's language and ``zeta`` otherwise; N_i is its number of training examples. Each update's
objective is sampled with probability proportional to r_i.

The target need not be an objective: ``target=ner_nl`` without Dutch NER data (zero-shot transfer) weights
the objectives by the task and language its name gives (TASK_LANG).
"""
from dataclasses import dataclass

import numpy as np

from fairseq_xling.data.schedules import Schedule, register_schedule
from fairseq_xling.errors import UserError


@register_schedule("mixing")
@dataclass
class MixingSchedule(Schedule):
    target: str = ""  # the main objective, by name (e.g. ner_nl)
    mu: float = 0.1  # weight of an objective with another task
    zeta: float = 0.1  # weight of an objective in another language

    def probabilities(self, objectives):
        by_name = {o.name: o for o in objectives}
        if self.target in by_name:
            task, langs = by_name[self.target].task, by_name[self.target].langs
        else:  # zero-shot: a TASK_LANG target without training data of its own
            task, _, lang = self.target.rpartition("_")
            langs = [lang]
            if not any(o.task == task for o in objectives):
                raise UserError(f"mixing schedule: target={self.target!r} is neither an objective "
                                 f"({', '.join(by_name)}) nor TASK_LANG with the task of one of them")
        rates = np.array([(1.0 if o.task == task else self.mu) * (1.0 if o.langs == langs else self.zeta)
                          * np.sqrt(o.size) for o in objectives])
        return rates / rates.sum()

    def plan(self, objectives, num_updates, epoch, rng):
        return rng.choice(len(objectives), size=num_updates, p=self.probabilities(objectives))
