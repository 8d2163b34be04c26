"""Registered criterions: one file, one @register_criterion."""
from fairseq_xling.criterions import (classification, crf_nll, distill, hinge_similarity, multitask,  # noqa: F401
                                      ranking, skipgram_nce, translation)
