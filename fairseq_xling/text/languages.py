"""Language codes the pipelines accept: ISO 639-1, checked with a message that says what was expected."""
from fairseq_xling.text.lines import CorpusError

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


def check_lang(code: str, option: str = "language") -> str:
    """``code`` if it is an ISO 639-1 code, else a :class:`CorpusError` naming ``option``."""
    if code not in ISO_639_1:
        raise CorpusError(
            f"{option}: unknown language code {code!r} (expected a two-letter ISO 639-1 code, "
            f"e.g. one of the EU languages {' '.join(sorted(EU_LANGUAGES))})"
        )
    return code
