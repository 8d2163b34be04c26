"""Tagging schemes for span labels (IOB2/BIO and BIOES): which tag transitions are valid, for the CRF.

BIOES is the scheme of Lin et al. 2018, whose shared CRF learns transitions such as B-PER -> E-PER; hard
constraints make invalid ones (B-PER -> S-PER, I-PER -> B-LOC, ...) impossible in training and decoding.
Tags are "O" or "<prefix>-<type>", e.g. "B-PER", "I-PER", "E-PER", "S-PER".
"""
from typing import List, Tuple

import torch

# ---------------------------------------------------------------------------------------------------------------
# Transition constraints for LinearChainCRF(allowed=..., allowed_start=..., allowed_end=...)
# ---------------------------------------------------------------------------------------------------------------

_PREFIXES = {"BIO": ("B", "I"), "BIOES": ("B", "I", "E", "S")}
_ALIASES = {"BIO": "BIO", "IOB2": "BIO", "BIOES": "BIOES", "IOBES": "BIOES"}


def _split_tag(tag: str, prefixes: Tuple[str, ...], scheme: str) -> Tuple[str, str]:
    """"B-PER" -> ("B", "PER"); "O" -> ("O", "")."""
    if tag == "O":
        return "O", ""
    prefix, sep, span_type = tag.partition("-")
    if not sep or not span_type or prefix not in prefixes:
        raise ValueError(f"tag {tag!r} is not 'O' or one of {'/'.join(prefixes)}-<type> ({scheme} scheme)")
    return prefix, span_type


def _allowed_bio(prev: Tuple[str, str], tag: Tuple[str, str]) -> bool:
    # IOB2: every span opens with B-X; I-X only continues a span of the same type.
    return tag[0] != "I" or (prev[0] in ("B", "I") and prev[1] == tag[1])


def _allowed_bioes(prev: Tuple[str, str], tag: Tuple[str, str]) -> bool:
    inside = prev[0] in ("B", "I")  # a span of type prev[1] is open and must go on with I-X or close with E-X
    if tag[0] in ("I", "E"):
        return inside and prev[1] == tag[1]
    return not inside  # B-*, S-*, O only outside any span


def allowed_transitions(tags: List[str], scheme: str) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Valid transitions between ``tags`` (the tag id -> name list) under "BIO" (= "IOB2") or "BIOES".

    Returns (allowed K x K bool, indexed [from, to]; allowed_start K; allowed_end K), the constraint
    arguments of ``LinearChainCRF``. BIO: I-X follows only B-X or I-X and cannot start a sentence.
    BIOES: B-X and I-X are followed by I-X or E-X; E-X, S-X and O by B-*, S-* or O; sentences start
    with B, S or O and end with E, S or O. Raises ValueError on a tag that is not of the scheme.
    """
    canonical = _ALIASES.get(scheme.upper())
    if canonical is None:
        raise ValueError(f"unknown scheme {scheme!r}: use BIO (IOB2) or BIOES; convert IOB1 tags first")
    parsed = [_split_tag(tag, _PREFIXES[canonical], canonical) for tag in tags]
    rule = _allowed_bio if canonical == "BIO" else _allowed_bioes
    num_tags = len(tags)
    allowed = torch.tensor([[rule(prev, tag) for tag in parsed] for prev in parsed],
                           dtype=torch.bool).reshape(num_tags, num_tags)  # K x K
    outside = ("O", "")  # before the first and after the last token nothing is open
    allowed_start = torch.tensor([rule(outside, tag) for tag in parsed], dtype=torch.bool)  # K
    if canonical == "BIO":
        allowed_end = torch.ones(num_tags, dtype=torch.bool)  # K, any tag closes its span at the end
    else:
        allowed_end = torch.tensor([tag[0] in ("E", "S", "O") for tag in parsed], dtype=torch.bool)  # K
    return allowed, allowed_start, allowed_end
