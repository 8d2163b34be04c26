"""How a tagging data-bin lays out a sentence: three aligned fairseq streams (words, characters, tags).

One line per sentence in each stream, so item i of each dataset is sentence i:

    word  ``w_1 ... w_n``             (lowercased with ``--lowercase``)
    char  the characters of every word, space-separated, words separated by :data:`WORD_SEPARATOR`
    tag   ``t_1 ... t_n``

fairseq splits lines on whitespace, so a token containing whitespace (UD French ``2 001``) is written
with ``_`` in its place (:func:`fairseq_token`). fairseq appends ``</s>`` to every item;
:func:`split_words` turns a char item back into words.
"""
import re
from typing import List, Sequence

# separates the words of a sentence in the char stream; longer than one character, so no character of
# the text can be mistaken for it
WORD_SEPARATOR = "<w>"


def fairseq_token(token: str) -> str:
    """The token as one fairseq symbol: whitespace inside it (e.g. UD French ``2 001``) becomes ``_``."""
    return re.sub(r"\s+", "_", token) if any(ch.isspace() for ch in token) else token


def word_symbol(token: str, lowercase: bool = False) -> str:
    """The token as it stands in the word stream and the word dictionary."""
    return token.lower() if lowercase else token


def word_line(tokens: Sequence[str], lowercase: bool = False) -> str:
    """The line of the word stream for one sentence (tokens already made :func:`fairseq_token`)."""
    return " ".join(word_symbol(token, lowercase) for token in tokens)


def char_line(tokens: Sequence[str]) -> str:
    """``["Die", "Katze"]`` -> ``"D i e <w> K a t z e"``: the line of the char stream for one sentence."""
    return f" {WORD_SEPARATOR} ".join(" ".join(fairseq_token(token)) for token in tokens)


def split_words(symbols: Sequence, separator, eos=None) -> List[list]:
    """Split a char-stream item (symbols or ids) back into words: at each ``separator``, ending at ``eos``.

    ``[D, i, e, <w>, K, a, t, z, e, </s>]`` -> ``[[D, i, e], [K, a, t, z, e]]``.
    """
    words: List[list] = [[]]
    for symbol in symbols:
        if eos is not None and symbol == eos:
            break
        if symbol == separator:
            words.append([])
        else:
            words[-1].append(symbol)
    return words
