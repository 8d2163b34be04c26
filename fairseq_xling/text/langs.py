"""The one rule for language codes, shared by --objectives, the preprocess/ pipelines and their CLIs.

A code is ISO 639-1 (two lowercase letters, ``de``) or ISO 639-3 (three, ``ace``): the languages of
WikiANN and Universal Dependencies go beyond ISO 639-1. Codes are checked by shape, not against a list,
because they name files (``dict.de.txt``, ``mono.de``) and objectives rather than select behaviour.
"""
import re

LANG_CODE = re.compile(r"[a-z]{2,3}")


def check_lang_code(code: str, where: str) -> str:
    """Return ``code`` if it is two or three lowercase ASCII letters, else raise ValueError naming ``where``."""
    if not isinstance(code, str) or not LANG_CODE.fullmatch(code):
        raise ValueError(f"{where}: {code!r} is not a language code; "
                         f"expected ISO 639-1 or ISO 639-3 (two or three lowercase letters, e.g. de, ace)")
    return code
