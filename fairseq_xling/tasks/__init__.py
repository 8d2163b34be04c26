"""Registered tasks: one file, one @register_task."""
from fairseq_xling.tasks import multitask  # noqa: F401
