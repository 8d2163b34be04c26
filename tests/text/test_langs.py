"""check_lang_code: ISO 639-1 and ISO 639-3 codes pass, anything else names the option and the rule."""
import pytest

from fairseq_xling.text.languages import check_lang_code


@pytest.mark.parametrize("code", ["de", "en", "nl", "ace", "ckb", "yue"])
def test_two_and_three_letter_codes_pass(code):
    assert check_lang_code(code, "--lang") == code


@pytest.mark.parametrize("code", [
    "", "d", "deu1", "english",  # too short, too long
    "DE", "De", "dE",  # case matters: the code names files such as dict.de.txt
    "d1", "d-e", "de ", " de", "de\n", "zh_cn", "zh-yue",  # not letters only
    "dé", "ελ",  # letters, but not ASCII
])
def test_anything_else_is_an_error_naming_where_and_the_code(code):
    with pytest.raises(ValueError) as info:
        check_lang_code(code, "--objectives similarity:de-en")
    message = str(info.value)
    assert message.startswith("--objectives similarity:de-en: ")
    assert repr(code) in message
    assert "ISO 639-1 or ISO 639-3 (two or three lowercase letters" in message


def test_a_non_string_is_an_error():
    with pytest.raises(ValueError, match="where: None is not a language code"):
        check_lang_code(None, "where")
