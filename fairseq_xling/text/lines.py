"""Line files: the checked reader every corpus reader builds on, its error type, and the plain writer.

Every problem in an input file stops with a :class:`CorpusError` whose message starts with ``FILE:LINE:``
and says what was expected. Files are written as UTF-8 with ``\\n`` line ends, one item a line.
"""
import codecs
from typing import Iterable, Iterator, Optional, Tuple


class CorpusError(ValueError):
    """An input problem; the message names the file and line and what was expected."""


def read_lines(path: str, encoding: str = "utf-8", hint: str = "") -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, text)`` with CR/LF stripped, checking the declared encoding line by line.

    Lines are split on ``\\n`` only (not on the other separators ``str.splitlines`` knows), so line
    numbers match ``wc -l``/``sed -n Np``. ``hint`` is appended to the message of an encoding error
    (e.g. which option declares the encoding). An empty file and a NUL byte are errors too.
    """
    lineno = 0
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            raw = raw.rstrip(b"\n").rstrip(b"\r")
            nul = raw.find(b"\0")
            if nul >= 0:  # never text: a binary or UTF-16 file, which would make NUL a word or a character
                raise CorpusError(f"{path}:{lineno}: NUL byte at column {nul + 1}; expected text (is it a binary or "
                                  f"UTF-16 file?)")
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as err:
                raise CorpusError(
                    f"{path}:{lineno}: byte 0x{raw[err.start]:02x} at column {err.start + 1} is not valid "
                    f"{encoding}; expected {encoding} text{hint}"
                ) from None
            yield lineno, text
    if lineno == 0:
        raise CorpusError(f"{path}:1: empty input; expected at least one line of text")


def count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def detect_encoding(path: str) -> Tuple[str, Optional[int]]:
    """``("utf-8", None)`` if the whole file is valid UTF-8, else ``("latin-1", first_bad_line)``."""
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return "latin-1", lineno
    return "utf-8", None


def is_utf8_with_non_ascii(path: str) -> bool:
    """True if the file is valid UTF-8 and has a non-ASCII character: text that any other declared encoding
    (Latin-1, cp1252, ...) would read into mojibake."""
    decoder, non_ascii = codecs.getincrementaldecoder("utf-8")(), False
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return False
            non_ascii = non_ascii or any(b > 0x7F for b in block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return non_ascii


def is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def write_lines(path: str, lines: Iterable[str]):
    """Write one item a line (UTF-8, ``\\n``)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
