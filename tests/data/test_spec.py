"""parse_spec: the TYPE:POSITIONAL:key=value syntax of --objectives and --schedule."""
import pytest

from fairseq_xling.data.spec import parse_spec


def test_dashes_in_keys_become_underscores():
    assert parse_spec(" similarity : de-en : max-pairs=3 : margin = 0.5 ") == (
        "similarity", ["de-en"], {"max_pairs": "3", "margin": "0.5"})


@pytest.mark.parametrize("spec", [
    "similarity:de-en:max_pairs=1:max_pairs=2",
    "similarity:de-en:max-pairs=1:max-pairs=2",
    "similarity:de-en:max_pairs=1:max-pairs=2",  # the spellings differ, the option is the same
    "similarity:de-en:max-pairs=1: max_pairs =2",
])
def test_an_option_given_twice_is_an_error(spec):
    with pytest.raises(ValueError, match=r"option 'max_pairs' given twice in"):
        parse_spec(spec)


def test_an_empty_name_is_an_error():
    with pytest.raises(ValueError, match="empty component name"):
        parse_spec(":de-en")
