"""Registered optimizers and learning-rate schedulers: one file, one @register_optimizer / @register_lr_scheduler."""
from fairseq_xling.optim import lazy_adam, one_cycle  # noqa: F401
