"""Chunk scheme conversions: hand-made examples, round trips and repair counting."""
import random

import pytest

from fairseq_xling.text.tag_conversion import (
    TagSequenceError,
    bioes_to_iob2,
    check_iob2,
    convert_tags,
    iob1_to_iob2,
    iob2_to_bioes,
)


def test_iob1_adjacent_chunks_of_one_type():
    iob1 = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG", "B-ORG"]
    assert iob1_to_iob2(iob1) == (["B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-ORG", "B-ORG"], 0)
    assert convert_tags(iob1, "IOB1", "BIOES") == (["B-PER", "E-PER", "S-PER", "O", "S-LOC", "S-ORG", "S-ORG"], 0)


def test_iob2_to_bioes_by_hand():
    iob2 = ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "O", "B-MISC"]
    bioes = ["B-PER", "I-PER", "E-PER", "O", "S-LOC", "B-LOC", "E-LOC", "O", "S-MISC"]
    assert iob2_to_bioes(iob2) == (bioes, 0)
    assert bioes_to_iob2(bioes) == (iob2, 0)
    assert iob2_to_bioes([]) == ([], 0)


def random_iob1(rng, n):
    tags = []
    for _ in range(n):
        r = rng.random()
        tags.append("O" if r < 0.4 else f"{'B' if r < 0.55 else 'I'}-{rng.choice(['PER', 'LOC'])}")
    return tags


def test_round_trip_iob1_bioes_iob2():
    rng = random.Random(0)
    for _ in range(300):
        iob1 = random_iob1(rng, rng.randint(0, 8))
        iob2, _ = convert_tags(iob1, "IOB1", "IOB2")
        bioes, _ = convert_tags(iob1, "IOB1", "BIOES")
        assert bioes_to_iob2(bioes) == (iob2, 0)
        assert convert_tags(bioes, "BIOES", "BIO") == (iob2, 0)
        assert iob2_to_bioes(iob2) == (bioes, 0)
        assert check_iob2(iob2) == (iob2, 0)


def test_invalid_iob2_raises_with_position():
    with pytest.raises(TagSequenceError) as err:
        iob2_to_bioes(["O", "B-PER", "O", "I-PER"])
    assert err.value.index == 3 and "cannot follow 'O'" in str(err.value)
    with pytest.raises(TagSequenceError) as err:
        check_iob2(["B-PER", "I-LOC"])
    assert err.value.index == 1
    with pytest.raises(TagSequenceError) as err:
        check_iob2(["O", "X-PER"])
    assert err.value.index == 1 and "not a chunk tag" in str(err.value)
    with pytest.raises(TagSequenceError):
        check_iob2(["B-"])


def test_repair_counts():
    tags = ["I-PER", "I-PER", "O", "I-LOC", "B-ORG", "I-PER"]
    assert check_iob2(tags, repair=True) == (["B-PER", "I-PER", "O", "B-LOC", "B-ORG", "B-PER"], 3)
    assert iob2_to_bioes(tags, repair=True) == (["B-PER", "E-PER", "O", "S-LOC", "S-ORG", "S-PER"], 3)
    assert convert_tags(tags, "IOB2", "BIOES", repair=True)[1] == 3


def test_bioes_invalid_and_repair():
    for bad, index in ((["O", "E-PER"], 1), (["B-PER", "O"], 1), (["B-PER", "I-PER"], 1), (["S-PER", "I-PER"], 1)):
        with pytest.raises(TagSequenceError) as err:
            bioes_to_iob2(bad)
        assert err.value.index == index, bad
    # an unclosed chunk is closed where it stops; an I-/E- without a chunk begins one
    assert bioes_to_iob2(["B-PER", "O", "E-LOC"], repair=True) == (["B-PER", "O", "B-LOC"], 2)
    # one repair per position: B-PER left open and I-LOC beginning a chunk are the same problem
    assert bioes_to_iob2(["B-PER", "I-LOC", "E-LOC"], repair=True) == (["B-PER", "B-LOC", "I-LOC"], 1)


def test_target_iob1_and_malformed_prefixes():
    with pytest.raises(ValueError):
        convert_tags(["O"], "IOB2", "IOB1")
    for bad in ("-PER", "BI-PER", "S-PER"):
        with pytest.raises(TagSequenceError, match="not a chunk tag"):
            check_iob2(["O", bad])
    with pytest.raises(TagSequenceError, match="not a chunk tag"):
        bioes_to_iob2(["-PER"])
