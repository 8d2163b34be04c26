"""Chunk tagging schemes: their names, how a tag splits into prefix and type, which tag may follow which.

The one parser of scheme names and tags, in plain Python: the conversions
(:mod:`fairseq_xling.text.tag_conversion`), the conll pipeline and the CRF's transition constraints
(:func:`fairseq_xling.modules.tag_schemes.allowed_transitions`) all use it.

Tags are ``O`` or ``<prefix>-<type>``, e.g. ``B-PER``:

    IOB1   I-X inside a chunk; B-X only where a chunk of type X directly follows another one
    IOB2   B-X begins every chunk, I-X continues it (also called BIO, IOB)
    BIOES  B-X begins, I-X continues, E-X ends a chunk of two or more tokens; S-X is a one-token chunk
           (also called IOBES)

Scheme names are case-insensitive; :func:`canonical_scheme` maps every spelling to one of :data:`SCHEMES`.
IOB2 and BIOES have transition rules (:func:`can_follow`, :func:`can_end`): they are the schemes the
pipeline writes and the CRF constrains. IOB1 is read only (converted to IOB2 first).
"""
from typing import List, Optional, Tuple

SCHEMES = ("IOB1", "IOB2", "BIOES")
# other spellings accepted on the command line and in preprocess.json
SCHEME_ALIASES = {"BIO": "IOB2", "IOB": "IOB2", "IOBES": "BIOES"}
PREFIXES = {"IOB1": ("B", "I"), "IOB2": ("B", "I"), "BIOES": ("B", "I", "E", "S")}
# the schemes with transition rules
CONSTRAINED_SCHEMES = ("IOB2", "BIOES")

ParsedTag = Tuple[str, str]  # (prefix, type); ("O", "") for O
OUTSIDE: ParsedTag = ("O", "")  # also what precedes the first tag and follows the last one


class TagSequenceError(ValueError):
    """A tag that is malformed or cannot follow the previous one; ``index`` is its 0-based position."""

    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index


def canonical_scheme(name: str) -> str:
    """``BIO`` -> ``IOB2``, ``iobes`` -> ``BIOES`` etc.; raises ValueError for an unknown scheme name."""
    scheme = SCHEME_ALIASES.get(name.upper(), name.upper())
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {name!r}; expected one of {', '.join(SCHEMES)} or BIO")
    return scheme


def chunk_scheme(name: str) -> Optional[str]:
    """The canonical name of a chunk scheme (IOB1, IOB2, BIOES, or an alias); None for other tag sets (``UPOS``,
    ``none``), whose tags are not spans."""
    scheme = SCHEME_ALIASES.get(name.upper(), name.upper())
    return scheme if scheme in SCHEMES else None


def constrained_scheme(name: str) -> Optional[str]:
    """``IOB2`` or ``BIOES`` when ``name`` spells a scheme with transition rules; None for any other name
    (``UPOS``, ``none``, ``IOB1``): the tags of such a data-bin are not chunk tags to be checked."""
    scheme = SCHEME_ALIASES.get(name.upper(), name.upper())
    return scheme if scheme in CONSTRAINED_SCHEMES else None


def split_tag(tag: str, scheme: str, index: int = 0) -> ParsedTag:
    """``"B-PER"`` -> ``("B", "PER")``, ``"O"`` -> ``("O", "")``.

    ``scheme``: a canonical name (:data:`SCHEMES`). A tag outside the scheme raises :class:`TagSequenceError`
    at position ``index``.
    """
    if tag == "O":
        return OUTSIDE
    prefixes = PREFIXES[scheme]
    prefix, dash, label = tag.partition("-")
    if not dash or prefix not in prefixes or not label:
        allowed = ", ".join(f"{p}-TYPE" for p in prefixes)
        raise TagSequenceError(index, f"tag {tag!r} is not a chunk tag; expected O, {allowed}")
    return prefix, label


def scheme_tags(labels, scheme: str) -> List[str]:
    """All tags of ``scheme`` for the chunk types ``labels``: ``O`` first, then per type in prefix order."""
    prefixes = PREFIXES[canonical_scheme(scheme)]
    return ["O"] + [f"{p}-{label}" for label in sorted(labels) for p in prefixes]


def can_follow(prev: ParsedTag, tag: ParsedTag, scheme: str) -> bool:
    """Whether ``tag`` may follow ``prev`` (both from :func:`split_tag`; :data:`OUTSIDE` before the first).

    ``scheme``: ``IOB2`` (an I-X only continues a chunk of type X) or ``BIOES`` (after B-X or I-X only
    I-X or E-X; I-X and E-X only after those, B-*, S-* and O only outside a chunk).
    """
    _check_rules(scheme)
    inside = prev[0] in ("B", "I")  # a chunk of type prev[1] is open
    if scheme == "IOB2":
        return tag[0] != "I" or (inside and prev[1] == tag[1])
    if tag[0] in ("I", "E"):
        return inside and prev[1] == tag[1]
    return not inside


def can_end(tag: ParsedTag, scheme: str) -> bool:
    """Whether a sentence may end with ``tag``: in IOB2 any tag, in BIOES E-*, S-* or O."""
    _check_rules(scheme)
    return scheme == "IOB2" or tag[0] in ("E", "S", "O")


def _check_rules(scheme: str):
    if scheme not in CONSTRAINED_SCHEMES:
        raise ValueError(f"scheme {scheme!r} has no transition rules; expected one of "
                         f"{', '.join(CONSTRAINED_SCHEMES)} (convert IOB1 tags first)")
