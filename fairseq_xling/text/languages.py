"""The one rule for language codes, shared by --objectives, the preprocess/ pipelines and their CLIs.

A code is ISO 639-1 (two lowercase letters, ``de``) or ISO 639-3 (three, ``ace``): the languages of WikiANN,
Tatoeba and Universal Dependencies go beyond ISO 639-1. Codes are checked by shape, not against a list,
because they name files (``dict.de.txt``, ``mono.de``) and objectives rather than select behaviour. The
ISO 639-1 list serves one purpose: recognising WikiANN's ``lang:`` token prefix.
"""
import re

from fairseq_xling.errors import UserError
from fairseq_xling.text.lines import CorpusError

LANG_CODE = re.compile(r"[a-z]{2,3}")
# ISO 639-1 codes. The 24 official EU languages (the Europarl v7 languages are among them) come first.
EU_LANGUAGES = frozenset(
    "bg cs da de el en es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv".split()
)
ISO_639_1 = EU_LANGUAGES | frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bh bi bm bn bo br bs ca ce ch co cr cu cv cy dv dz ee eo
    eu fa ff fj fo fy gd gl gn gu gv ha he hi ho ht hy hz ia id ie ig ii ik io is iu ja jv ka kg ki kj kk
    kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lu mg mh mi mk ml mn mr ms my na nb nd ne ng nn no nr
    nv ny oc oj om or os pa pi ps qu rm rn ru rw sa sc sd se sg si sm sn so sq sr ss st su sw ta te tg th
    ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)


def check_lang_code(code: str, where: str) -> str:
    """Return ``code`` if it is two or three lowercase ASCII letters, else raise UserError naming ``where``."""
    if not isinstance(code, str) or not LANG_CODE.fullmatch(code):
        raise UserError(f"{where}: {code!r} is not a language code; "
                         f"expected ISO 639-1 or ISO 639-3 (two or three lowercase letters, e.g. de, ace)")
    return code


def check_lang(code: str, option: str = "language") -> str:
    """:func:`check_lang_code` for the pipelines, as a :class:`CorpusError`."""
    try:
        return check_lang_code(code, option)
    except ValueError as err:
        raise CorpusError(str(err)) from None


def target_token(lang: str) -> str:
    """The dictionary symbol that names target language ``lang`` in translation (Johnson et al. 2017's ``<2xx>``):
    joined dictionaries of preprocess/multilingual.sh end with one per language."""
    return f"<2{lang}>"
