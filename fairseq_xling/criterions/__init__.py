"""Registered criterions: one file, one @register_criterion."""
from fairseq_xling.criterions import hinge_similarity, multitask, skipgram_nce  # noqa: F401
