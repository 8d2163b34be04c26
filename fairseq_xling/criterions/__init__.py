"""Registered criterions: one file, one @register_criterion."""
from fairseq_xling.criterions import crf_nll, hinge_similarity, multitask, skipgram_nce, translation  # noqa: F401
