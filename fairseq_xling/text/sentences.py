"""A small rule-based sentence splitter for paragraphs of en, de, es, fr and nl text (raw or tokenized).

No model and no download: a paragraph is cut at a whitespace run when the token before it ends a sentence and
the token after it can start one. The token before ends a sentence when, without its closing quotes and brackets,
it ends in ``.``, ``!``, ``?`` or ``…`` and is not

- an abbreviation of the language (:data:`ABBREVIATIONS`: ``e.g.``, ``Dr.``, ``z.B.``, ``bzw.``, ``p.ej.``,
  ``M.``, ``bijv.`` ...), or one that stands before numbers (``No. 5``, ``Fig. 3``, ``S. 12``),
- an initial or a dotted acronym (``H.``, ``U.S.``, ``z.B.`` written without spaces),
- in German, an ordinal (``am 3. Oktober``).

The token after must start (after opening quotes and brackets, ``¿`` and ``¡``) with an upper-case letter or a
digit, so ``e.g. the``, ``etc. and`` or an unknown abbreviation before a lower-case word never split. Numbers such
as ``3.5`` have no space after the dot and are never cut. Tokenized text (WikiText's ``word . Next``) works the
same way: the stand-alone ``.`` ends the sentence. The sentences keep the paragraph's own spacing.

This is a heuristic: it splits a sentence that ends with an abbreviation or an initial (``... in the U.S. It``)
only when it cannot tell, and it knows the common abbreviations only. pysbd (rule-based, offline, many languages)
was the library candidate; its last release (0.3.4) is from 2021, so this module avoids the dependency.

    >>> split_sentences("Use e.g. the menu. It has 3.5 items! Dr. Smith agrees.", "en")
    ['Use e.g. the menu.', 'It has 3.5 items!', 'Dr. Smith agrees.']
"""
import re
from typing import Dict, FrozenSet, List

SENTENCE_END = "?!.…"
CLOSERS = "\"'”’»)]}"
OPENERS = "\"'“‘„«([{¿¡"

_COMMON = """e.g. i.e. et.al. al. vs. cf. ca. approx. no. nos. nr. fig. figs. vol. vols. p. pp. ch. art. ed. eds.
    jan. feb. mar. apr. jun. jul. aug. sep. sept. oct. nov. dec. mr. mrs. ms. dr. prof. st. jr. sr. lt. col. gen.
    capt. sgt. rev. hon. inc. ltd. co. corp. bros. dept. univ. est. min. max. ref. resp. tel. ibid."""
# lower case; a token matches when its lower-cased form (without opening punctuation) is in its language's set
ABBREVIATIONS: Dict[str, FrozenSet[str]] = {
    "en": frozenset(_COMMON.split()),
    "de": frozenset(_COMMON.split() + """z.b. bzw. usw. u.a. d.h. s. vgl. ggf. evtl. inkl. exkl. bspw. zb. ca. hr.
        fr. hrsg. jh. jhd. mio. mrd. abs. abb. anm. bd. bzgl. sog. u.ä. u.u. v.a. z.t. o.ä. dt. engl. franz. str.
        tab. zt. allg. ggü. gem. geb. gest. nachf. urspr.""".split()),
    "es": frozenset(_COMMON.split() + """p.ej. sr. sra. srta. sres. dra. dña. d. da. ud. uds. vd. vds. pág. págs.
        núm. aprox. admón. avda. c. cía. ej. ee.uu. izq. dcha. lic. ing. arq. pta. ptas. tel. vol. s.a.""".split()),
    "fr": frozenset(_COMMON.split() + """m. mm. mme. mmes. mlle. mlles. p.ex. ex. env. av. apr. j.-c. cf. chap.
        éd. n°. no. p. s. t. vol. boul. bd. fig. ibid. op. cit. var.""".split()),
    "nl": frozenset(_COMMON.split() + """bijv. bv. d.w.z. o.a. enz. m.a.w. a.u.b. z.g.a. i.p.v. t.a.v. m.b.t.
        n.a.v. o.b.v. nl. resp. blz. dhr. mevr. mw. ir. ing. drs. mr. prof. jl. afb. hfst. ca. zgn. vnl.""".split()),
}
# these stop a split only before a number: "No. 5" vs "The answer is no. Then ..."
NUMBER_ABBREVIATIONS = frozenset("no. nos. nr. nº. n°. fig. figs. p. pp. s. vol. vols. art. ch. chap. bd. abs. abb. "
                                 "núm. pág. págs. blz. hfst. afb. tab. op.".split())
# an initial or a dotted acronym without its final dot: "H", "U.S", "z.B", "e.g", "Ph.D"
_INITIAL_OR_ACRONYM = re.compile(r"(?:[^\W\d_]{1,2}\.)*[^\W\d_]")
_ORDINAL = re.compile(r"\d{1,3}")
_SPACE = re.compile(r"\s+")


def _starts_sentence(token: str) -> bool:
    core = token.lstrip(OPENERS)
    return bool(core) and (core[0].isupper() or core[0].isdigit())


def _ends_sentence(token: str, next_token: str, lang: str) -> bool:
    core = token.rstrip(CLOSERS)
    if not core or core[-1] not in SENTENCE_END:
        return False
    if core[-1] != "." or core.endswith(".."):  # ! ? … and "..."
        return True
    word = core[:-1].lstrip(OPENERS)
    if not word:  # a stand-alone "." (tokenized text)
        return True
    lower = core.lstrip(OPENERS).lower()
    if lower in ABBREVIATIONS.get(lang, ABBREVIATIONS["en"]) and lower not in NUMBER_ABBREVIATIONS:
        return False
    if lower in NUMBER_ABBREVIATIONS and next_token.lstrip(OPENERS)[:1].isdigit():
        return False
    if _INITIAL_OR_ACRONYM.fullmatch(word) and ("." in word or len(word) == 1):  # "H.", "U.S.", "z.B."
        return False
    if lang == "de" and _ORDINAL.fullmatch(word):
        return False
    return True


def split_sentences(paragraph: str, lang: str = "en") -> List[str]:
    """The sentences of one paragraph, stripped, in order (none for a blank paragraph). ``lang`` selects the
    abbreviations (unknown languages use the English ones)."""
    text = paragraph.strip()
    if not text:
        return []
    sentences = []
    start = token_start = 0
    previous = ""
    for space in _SPACE.finditer(text):
        token = text[token_start:space.start()]
        next_match = _SPACE.search(text, space.end())
        next_token = text[space.end():next_match.start() if next_match else len(text)]
        if next_match and not next_token.strip(OPENERS):  # "« Bonjour": the opening quote stands alone
            after = _SPACE.search(text, next_match.end())
            next_token += text[next_match.end():after.start() if after else len(text)]
        # a closing quote or bracket standing alone ("« Bonjour. » Voilà") closes the token before it
        ending = token if token.strip(CLOSERS) else previous + token
        if _ends_sentence(ending, next_token, lang) and _starts_sentence(next_token):
            sentences.append(text[start:space.start()])
            start = space.end()
        token_start = space.end()
        previous = token
    sentences.append(text[start:])
    return [s for s in sentences if s]
