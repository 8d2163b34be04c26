"""The CRF's transition constraints for a chunk tagging scheme (IOB2/BIO or BIOES), as tensors.

BIOES is the scheme of Lin et al. 2018, whose shared CRF learns transitions such as B-PER -> E-PER; hard
constraints make invalid ones (B-PER -> S-PER, I-PER -> B-LOC, ...) impossible in training and decoding.
The scheme names, the parsing of tags and the rules themselves are plain Python in
:mod:`fairseq_xling.text.tag_schemes`; this module only lays them out for ``LinearChainCRF``.
"""
from typing import List, Tuple

import torch

from fairseq_xling.text.tag_schemes import (CONSTRAINED_SCHEMES, OUTSIDE, can_end, can_follow, canonical_scheme,
                                            split_tag)


def allowed_transitions(tags: List[str], scheme: str) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Valid transitions between ``tags`` (the tag id -> name list) under "BIO" (= "IOB2") or "BIOES".

    Returns (allowed K x K bool, indexed [from, to]; allowed_start K; allowed_end K), the constraint
    arguments of ``LinearChainCRF``. BIO: I-X follows only B-X or I-X and cannot start a sentence.
    BIOES: B-X and I-X are followed by I-X or E-X; E-X, S-X and O by B-*, S-* or O; sentences start
    with B, S or O and end with E, S or O. Raises ValueError on a scheme without transition rules (IOB1,
    unknown names) or a tag that is not of the scheme.
    """
    canonical = canonical_scheme(scheme)
    if canonical not in CONSTRAINED_SCHEMES:
        raise ValueError(f"scheme {scheme!r} has no transition rules: use BIO (IOB2) or BIOES; "
                         f"convert IOB1 tags first")
    parsed = [split_tag(tag, canonical) for tag in tags]
    num_tags = len(tags)
    allowed = torch.tensor([[can_follow(prev, tag, canonical) for tag in parsed] for prev in parsed],
                           dtype=torch.bool).reshape(num_tags, num_tags)  # K x K
    # before the first token nothing is open
    allowed_start = torch.tensor([can_follow(OUTSIDE, tag, canonical) for tag in parsed], dtype=torch.bool)  # K
    allowed_end = torch.tensor([can_end(tag, canonical) for tag in parsed], dtype=torch.bool)  # K
    return allowed, allowed_start, allowed_end
