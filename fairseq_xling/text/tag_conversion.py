"""Conversions between chunk tagging schemes (IOB1, IOB2 = BIO, BIOES) as pure functions on tag lists.

Lin et al. (2018) train their CRF taggers on BIOES tags; the CoNLL-2002 and WikiANN releases use IOB2,
CoNLL-2003 uses IOB1, and span F1 is scored on IOB2. So the pipeline reads IOB1/IOB2, writes BIOES, and
predictions go back to IOB2 with :func:`bioes_to_iob2`. The schemes, their names and the parsing of tags
are in :mod:`fairseq_xling.text.tag_schemes`.

An invalid sequence (an I-X, or in BIOES an E-X, that cannot follow the previous tag) raises
:class:`TagSequenceError` with the position of the tag, unless ``repair=True``: then the tag starts a
new chunk (IOB2 I-X -> B-X; BIOES I-X -> B-X, E-X -> S-X) and is counted. Every converting function
returns ``(tags, n_repaired)``.
"""
from typing import List, Sequence, Tuple

from fairseq_xling.text.tag_schemes import OUTSIDE, TagSequenceError, can_follow, canonical_scheme, split_tag

__all__ = ["TagSequenceError", "iob1_to_iob2", "check_iob2", "iob2_to_bioes", "bioes_to_iob2", "convert_tags"]


def iob1_to_iob2(tags: Sequence[str]) -> Tuple[List[str], int]:
    """IOB1 -> IOB2: an I-X that starts a chunk becomes B-X. IOB1 has no invalid sequences (0 repaired)."""
    out = []
    prev = OUTSIDE
    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag, "IOB1", i)
        out.append(f"B-{label}" if prefix == "I" and prev[1] != label else tag)
        prev = (prefix, label)
    return out, 0


def check_iob2(tags: Sequence[str], repair: bool = False) -> Tuple[List[str], int]:
    """Check IOB2 tags; an I-X not preceded by B-X or I-X raises, or with ``repair`` becomes B-X."""
    out: List[str] = []
    repaired = 0
    prev = OUTSIDE
    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag, "IOB2", i)
        if not can_follow(prev, (prefix, label), "IOB2"):  # an I-X that does not continue a chunk of type X
            if not repair:
                prev_tag = out[-1] if out else "O"
                raise TagSequenceError(
                    i, f"tag {tag!r} cannot follow {prev_tag!r}; expected B-{label} to begin the chunk "
                    f"(IOB2: I-{label} only after B-{label} or I-{label})"
                )
            prefix, tag = "B", f"B-{label}"
            repaired += 1
        out.append(tag)
        prev = (prefix, label)
    return out, repaired


def iob2_to_bioes(tags: Sequence[str], repair: bool = False) -> Tuple[List[str], int]:
    """IOB2 -> BIOES (after :func:`check_iob2`): the last token of a chunk becomes E-X, or S-X if alone."""
    iob2, repaired = check_iob2(tags, repair)
    out = []
    for i, tag in enumerate(iob2):
        if tag == "O":
            out.append(tag)
            continue
        label = tag[2:]
        continues = i + 1 < len(iob2) and iob2[i + 1] == f"I-{label}"
        if tag[0] == "B":
            out.append(tag if continues else f"S-{label}")
        else:
            out.append(tag if continues else f"E-{label}")
    return out, repaired


def bioes_to_iob2(tags: Sequence[str], repair: bool = False) -> Tuple[List[str], int]:
    """BIOES -> IOB2, e.g. to score predictions with IOB2 span F1.

    Invalid: an I-X or E-X that does not continue a chunk of type X (it starts one when repaired), and a
    B-X or I-X that the next tag does not continue (an unclosed chunk; when repaired it simply ends there).
    """
    out: List[str] = []
    repaired = 0
    open_label = None  # type of the chunk that the previous tag left open (B-X or I-X)
    for i, tag in enumerate(tags):
        prefix, label = split_tag(tag, "BIOES", i)
        fixed_here = False
        if open_label is not None and not (prefix in ("I", "E") and label == open_label):
            if not repair:
                raise TagSequenceError(
                    i, f"tag {tag!r} cannot follow {tags[i - 1]!r}; expected I-{open_label} or E-{open_label} "
                    f"(BIOES: a chunk begun with B- ends with E-)"
                )
            repaired += 1
            fixed_here = True
            open_label = None
        if prefix in ("I", "E") and open_label is None:
            if not repair:
                prev = tags[i - 1] if i else "O"
                raise TagSequenceError(
                    i, f"tag {tag!r} cannot follow {prev!r}; expected B-{label} or S-{label} to begin the chunk"
                )
            repaired += 0 if fixed_here else 1  # one repair per position
            prefix = "B" if prefix == "I" else "S"
        if prefix == "O":
            out.append("O")
        elif prefix in ("B", "S"):
            out.append(f"B-{label}")
        else:
            out.append(f"I-{label}")
        open_label = label if prefix in ("B", "I") else None
    if open_label is not None:
        if not repair:
            raise TagSequenceError(
                len(tags) - 1,
                f"tag {tags[-1]!r} ends the sentence; expected E-{open_label} to close the chunk",
            )
        repaired += 1
    return out, repaired


def convert_tags(tags: Sequence[str], source: str, target: str, repair: bool = False) -> Tuple[List[str], int]:
    """Convert between any two of IOB1, IOB2 (BIO), BIOES; the target cannot be IOB1.

    Returns ``(tags, n_repaired)``; raises :class:`TagSequenceError` for an invalid sequence unless ``repair``.
    """
    source, target = canonical_scheme(source), canonical_scheme(target)
    if target == "IOB1":
        raise ValueError("IOB1 is an input scheme only; expected target IOB2 (BIO) or BIOES")
    if source == "IOB1":
        iob2, repaired = iob1_to_iob2(tags)
    elif source == "IOB2":
        iob2, repaired = check_iob2(tags, repair)
    else:
        iob2, repaired = bioes_to_iob2(tags, repair)
    if target == "IOB2":
        return iob2, repaired
    bioes, _ = iob2_to_bioes(iob2)  # iob2 is valid by now
    return bioes, repaired

