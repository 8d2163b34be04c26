"""``alternate``: cycle through the objectives, one per update, as Singla et al. (2018) train JMT."""
from dataclasses import dataclass

import numpy as np

from fairseq_xling.data.schedules import Schedule, register_schedule


@register_schedule("alternate")
@dataclass
class AlternateSchedule(Schedule):
    def plan(self, objectives, num_updates, epoch, rng):
        return np.arange(num_updates) % len(objectives)
