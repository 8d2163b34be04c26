"""fairseq dictionary files (``dict.*.txt``): counting, writing, reading and taking the union of several.

The format is fairseq ``Dictionary.add_from_file``'s: one ``symbol count`` line per entry (a trailing
``#fairseq:overwrite`` flag is accepted when reading), most frequent first as written here. fairseq adds
its special symbols (:data:`FAIRSEQ_SPECIAL_SYMBOLS`) itself, so they are never written.
"""
from collections import Counter
from typing import Iterable, List, Sequence, Tuple

from fairseq_xling.text.lines import CorpusError, read_lines

# fairseq's Dictionary adds these itself; a corpus token spelled the same would be a duplicate entry.
FAIRSEQ_SPECIAL_SYMBOLS = frozenset(["<s>", "<pad>", "</s>", "<unk>"])

Entries = List[Tuple[str, int]]


def count_tokens(lines: Iterable[str]) -> Counter:
    """Counts of the whitespace-separated tokens of ``lines``."""
    counter: Counter = Counter()
    for line in lines:
        counter.update(line.split())
    return counter


def by_count(counter: Counter, min_count: int = 1) -> Entries:
    """The entries of ``counter`` with at least ``min_count``, most frequent first (ties by symbol),
    without fairseq's special symbols."""
    entries = [(s, n) for s, n in counter.items() if n >= min_count and s not in FAIRSEQ_SPECIAL_SYMBOLS]
    return sorted(entries, key=lambda e: (-e[1], e[0]))


def write_dict(entries: Iterable[Tuple[str, int]], path: str) -> int:
    """Write ``symbol count`` lines in the given order; returns the number of entries."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for symbol, count in entries:
            f.write(f"{symbol} {count}\n")
            n += 1
    return n


def read_dict_counts(path: str) -> Entries:
    """(symbol, count) entries of a fairseq ``dict.txt``, in file order."""
    entries = []
    for lineno, text in read_lines(path, "utf-8"):
        symbol, sep, count = text.rstrip().rpartition(" ")
        if text.endswith(" #fairseq:overwrite"):
            symbol, sep, count = symbol.rpartition(" ")
        if not sep or not symbol or not count.lstrip("-").isdigit():
            raise CorpusError(f"{path}:{lineno}: {text!r}; expected 'symbol count' (a fairseq dictionary)")
        entries.append((symbol, int(count)))
    return entries


def read_dict(path: str) -> List[str]:
    """Symbols of a fairseq ``dict.txt``, in file order."""
    return [symbol for symbol, _ in read_dict_counts(path)]


def merge_dicts(paths: Sequence[str]) -> Entries:
    """The union of several fairseq dictionaries: counts summed, most frequent first (ties by symbol).

    One file is returned as it is, in its own order.
    """
    if len(paths) == 1:
        return read_dict_counts(paths[0])
    counts: Counter = Counter()
    for path in paths:
        for symbol, count in read_dict_counts(path):
            counts[symbol] += count
    return by_count(counts, min_count=0)


def write_merged_dict(paths: Sequence[str], path: str, must_hold: Sequence[str] = (), expected: str = "") -> int:
    """Write the union of the dictionaries ``paths`` (one: a copy) to ``path``; returns its size.

    Each symbol of ``must_hold`` has to be in the union, else a :class:`CorpusError` that says which
    dictionaries were ``expected``.
    """
    entries = merge_dicts(paths)
    symbols = {symbol for symbol, _ in entries}
    for symbol in must_hold:
        if symbol not in symbols:
            raise CorpusError(f"{' '.join(paths)}: no entry {symbol!r}; expected {expected}")
    return write_dict(entries, path)
