"""Registered criterions: one file, one @register_criterion."""
from fairseq_xling.criterions import (crf_nll, distill, hinge_similarity, multitask, skipgram_nce,  # noqa: F401
                                      translation)
