"""Readers of the monolingual training formats of multilingual.sh beside parallel text, and the quick-thought
triplets.

- documents (``--qt LANG FILE``): one sentence a line, a blank line between documents (extra blank lines and a
  missing final one are fine). Every sentence with a predecessor and a successor in its document gives one
  triplet (previous, current, next) (Logeswaran & Lee 2018, "An efficient framework for learning sentence
  representations"; Chidambaram et al. 2019). :mod:`fairseq_xling.text.documents` writes such files.
- response pairs (``--response LANG FILE``): ``input<TAB>response``, exactly one TAB, both sides non-empty.
- NLI pairs (``--nli LANG FILE``): ``premise<TAB>hypothesis<TAB>label``, label entailment | neutral |
  contradiction in any case; :mod:`fairseq_xling.text.sick` converts SICK to it.

Each bad line stops with a :class:`~fairseq_xling.text.lines.CorpusError` naming ``FILE:LINE`` and what was
expected. No fairseq imports here.
"""
from typing import Iterator, List, Sequence, Tuple

from fairseq_xling.text.lines import CorpusError, read_lines

NLI_LABELS = ("entailment", "neutral", "contradiction")  # the order of dict.nli_label.txt (ids 4, 5, 6)
Triplet = Tuple[int, int, int]


def read_documents(path: str, encoding: str = "utf-8", hint: str = "") -> List[List[Tuple[int, str]]]:
    """The documents of a file: lists of ``(line_number, sentence)``, sentences stripped. A line of whitespace
    only separates documents too. A file without any sentence is an error."""
    documents: List[List[Tuple[int, str]]] = [[]]
    for lineno, text in read_lines(path, encoding, hint=hint):
        sentence = text.strip()
        if sentence:
            documents[-1].append((lineno, sentence))
        elif documents[-1]:
            documents.append([])
    documents = [doc for doc in documents if doc]
    if not documents:
        raise CorpusError(f"{path}:1: only blank lines; expected documents: one sentence a line, a blank line "
                          f"between documents")
    return documents


def triplets(doc_ids: Sequence[int]) -> List[Triplet]:
    """Quick-thought triplets over a flat list of sentences, ``doc_ids[i]`` the document of sentence ``i``:
    ``(i - 1, i, i + 1)`` for every ``i`` whose neighbours are in its document."""
    return [(i - 1, i, i + 1) for i in range(1, len(doc_ids) - 1) if doc_ids[i - 1] == doc_ids[i] == doc_ids[i + 1]]


def _fields(path: str, lineno: int, text: str, names: Sequence[str]) -> List[str]:
    parts = text.split("\t")
    layout = "<TAB>".join(names)
    if len(parts) != len(names):
        raise CorpusError(f"{path}:{lineno}: {len(parts) - 1} TAB(s); expected {layout} (exactly "
                          f"{len(names) - 1} TAB{'s' if len(names) > 2 else ''})")
    for name, part in zip(names, parts):
        if not part.strip():
            raise CorpusError(f"{path}:{lineno}: empty {name}; expected {layout} with a non-empty {name}")
    return [part.strip() for part in parts]


def read_response_pairs(path: str, encoding: str = "utf-8", hint: str = "") -> Iterator[Tuple[int, str, str]]:
    """``(line_number, input, response)`` for every line of an ``input<TAB>response`` file."""
    for lineno, text in read_lines(path, encoding, hint=hint):
        source, response = _fields(path, lineno, text, ("input", "response"))
        yield lineno, source, response


def read_nli(path: str, encoding: str = "utf-8", hint: str = "") -> Iterator[Tuple[int, str, str, str]]:
    """``(line_number, premise, hypothesis, label)`` for every line of a ``premise<TAB>hypothesis<TAB>label``
    file; the label lower-cased, one of :data:`NLI_LABELS`."""
    for lineno, text in read_lines(path, encoding, hint=hint):
        premise, hypothesis, label = _fields(path, lineno, text, ("premise", "hypothesis", "label"))
        if label.lower() not in NLI_LABELS:
            raise CorpusError(f"{path}:{lineno}: label {label!r}; expected one of {', '.join(NLI_LABELS)} "
                              f"(any case)")
        yield lineno, premise, hypothesis, label.lower()
