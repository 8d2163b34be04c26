"""Scheme names, tag parsing and transition rules: the one parser behind conversions and CRF constraints."""
import itertools

import pytest

from fairseq_xling.text.tag_conversion import TagSequenceError, convert_tags
from fairseq_xling.text.tag_schemes import (
    OUTSIDE,
    can_end,
    can_follow,
    canonical_scheme,
    constrained_scheme,
    scheme_tags,
    split_tag,
)


def test_scheme_names():
    assert canonical_scheme("bio") == "IOB2" and canonical_scheme("IOBES") == "BIOES"
    assert canonical_scheme("iob1") == "IOB1" and canonical_scheme("IOB") == "IOB2"
    with pytest.raises(ValueError, match="unknown tag scheme 'BILOU'"):
        canonical_scheme("BILOU")
    assert [constrained_scheme(n) for n in ("BIO", "iob2", "BIOES", "IOBES")] == ["IOB2", "IOB2", "BIOES", "BIOES"]
    assert [constrained_scheme(n) for n in ("IOB1", "UPOS", "none")] == [None, None, None]


def test_split_tag():
    assert split_tag("B-PER", "IOB2") == ("B", "PER") and split_tag("O", "BIOES") == OUTSIDE
    assert split_tag("E-B-X", "BIOES") == ("E", "B-X")  # the type is everything after the first dash
    for bad in ("E-PER", "-PER", "BI-PER", "B-", "PER", "o"):
        with pytest.raises(TagSequenceError, match="expected O, B-TYPE, I-TYPE") as err:
            split_tag(bad, "IOB2", index=4)
        assert err.value.index == 4


def test_scheme_tags():
    assert scheme_tags({"PER", "LOC"}, "BIO") == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert scheme_tags({"PER"}, "BIOES") == ["O", "B-PER", "I-PER", "E-PER", "S-PER"]


@pytest.mark.parametrize("scheme", ["IOB2", "BIOES"])
def test_transition_rules_agree_with_the_converters(scheme):
    """A sequence passes the rules (start, each step, end) iff converting it needs no repair."""
    tags = scheme_tags({"A", "B"}, scheme)
    for n in range(1, 4):
        for seq in itertools.product(tags, repeat=n):
            parsed = [split_tag(t, scheme) for t in seq]
            by_rules = all(can_follow(p, t, scheme) for p, t in zip([OUTSIDE] + parsed, parsed)) and can_end(
                parsed[-1], scheme)
            try:
                convert_tags(list(seq), scheme, "IOB2")
                valid = True
            except TagSequenceError:
                valid = False
            assert by_rules == valid, seq


def test_rules_need_a_constrained_scheme():
    with pytest.raises(ValueError, match="no transition rules"):
        can_follow(OUTSIDE, ("I", "PER"), "IOB1")
    with pytest.raises(ValueError, match="no transition rules"):
        can_end(OUTSIDE, "BIO")  # canonical names only
