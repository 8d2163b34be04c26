"""The three dictionaries of a tagging data-bin: ``dict.word.txt``, ``dict.char.txt``, ``dict.tag.txt``.

Words and characters are counted over the (selected) training sentences; tags are a closed set in a
fixed order (NER: ``O``, then the scheme's prefixes for every chunk type seen in any split; POS: the 17
UPOS tags). Any of the three can instead be given (``--word-dict`` ...): one file is copied, several are
merged (:func:`fairseq_xling.text.dictionary.merge_dicts`); every tag of the data must then be in the
tag dictionary. The file format and the generic operations are in :mod:`fairseq_xling.text.dictionary`.
"""
import os
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from fairseq_xling.text.conll.layout import WORD_SEPARATOR, fairseq_token, word_symbol
from fairseq_xling.text.conll.readers import UPOS_TAGS, Sentence
from fairseq_xling.text.dictionary import (FAIRSEQ_SPECIAL_SYMBOLS, by_count, read_dict, read_dict_counts,
                                           write_dict, write_merged_dict)
from fairseq_xling.text.lines import CorpusError
from fairseq_xling.text.tag_schemes import scheme_tags, split_tag
from fairseq_xling.text.word_vectors import read_word2vec_words

KINDS = ("word", "char", "tag")


def dict_path(out_dir: str, kind: str) -> str:
    return os.path.join(out_dir, f"dict.{kind}.txt")


def tag_set(data: Dict[str, List[Sentence]], task: str, scheme: str) -> List[str]:
    """The closed tag set of the data-bin, in dictionary order (tags of ``data`` are in ``scheme``)."""
    if task == "pos":
        return list(UPOS_TAGS)
    labels = {split_tag(tag, scheme)[1] for sentences in data.values() for s in sentences for tag in s.tags
              if tag != "O"}
    return scheme_tags(labels, scheme)


def write_dictionaries(
    out_dir: str,
    data: Dict[str, List[Sentence]],
    files: Dict[str, str],
    task: str,
    scheme: str,
    lowercase: bool = False,
    min_count: int = 1,
    word_dict: Optional[Sequence[str]] = None,
    char_dict: Optional[Sequence[str]] = None,
    tag_dict: Optional[Sequence[str]] = None,
    kinds: Sequence[str] = KINDS,
) -> Dict[str, int]:
    """Write ``dict.{kind}.txt`` for each of ``kinds`` (default word, char and tag) into ``out_dir``; returns their
    sizes by kind.

    ``data``: the sentences of each split (tokens as :func:`~fairseq_xling.text.conll.layout.fairseq_token`,
    tags in ``scheme``), ``files``: the file of each split (for error messages). ``lowercase``: of the word
    dictionary (characters keep their case). ``min_count``: of words (all characters are kept).
    ``word_dict``/``char_dict``/``tag_dict``: given dictionaries to use instead of counting.
    """
    train = data["train"]
    vocab = {}
    if "word" in kinds and word_dict:
        vocab["word"] = write_merged_dict(word_dict, dict_path(out_dir, "word"))
    elif "word" in kinds:
        words = Counter(word_symbol(t, lowercase) for s in train for t in s.tokens)
        vocab["word"] = write_dict(by_count(words, min_count), dict_path(out_dir, "word"))
    if "char" in kinds and char_dict:
        vocab["char"] = write_merged_dict(char_dict, dict_path(out_dir, "char"), must_hold=[WORD_SEPARATOR],
                                          expected="char dictionaries written by conll.sh")
    elif "char" in kinds:
        chars = Counter(ch for s in train for t in s.tokens for ch in t)
        chars[WORD_SEPARATOR] = sum(len(s.tokens) - 1 for s in train)
        vocab["char"] = write_dict(by_count(chars), dict_path(out_dir, "char"))
    if tag_dict:
        vocab["tag"] = write_merged_dict(tag_dict, dict_path(out_dir, "tag"))
        _check_known_tags(data, files, set(read_dict(dict_path(out_dir, "tag"))), scheme, tag_dict)
    else:
        tag_counts = Counter(tag for s in train for tag in s.tags)
        entries = ((t, tag_counts[t]) for t in tag_set(data, task, scheme))
        vocab["tag"] = write_dict(entries, dict_path(out_dir, "tag"))
    return vocab


def add_words(path: str, files: Sequence[str], lowercase: bool = False) -> Tuple[int, int]:
    """Append the words of ``files`` (word2vec text, e.g. the ``--pretrained-word-vectors`` of the run) that the
    dictionary at ``path`` lacks, with count 0, after its own words: a dev word that training never saw but that
    has a vector is then not ``<unk>``. Returns (dictionary size, words added)."""
    entries = read_dict_counts(path)
    known, before = {symbol for symbol, _ in entries}, len(entries)
    for file in files:
        try:
            words = read_word2vec_words(file)
        except (OSError, ValueError, UnicodeDecodeError) as err:
            raise CorpusError(f"--add-words: {err}") from None
        for word in words:  # as the word stream writes tokens
            symbol = word_symbol(fairseq_token(word), lowercase)
            if symbol not in known and symbol not in FAIRSEQ_SPECIAL_SYMBOLS:
                known.add(symbol)
                entries.append((symbol, 0))
    size = write_dict(entries, path)
    return size, size - before


def _check_known_tags(data: Dict[str, List[Sentence]], files: Dict[str, str], known: set, scheme: str,
                      tag_dict: Sequence[str]):
    for split, sentences in data.items():
        for s in sentences:
            for tag in s.tags:
                if tag not in known:
                    raise CorpusError(
                        f"{files[split]}:{s.first_line}: tag {tag!r} (in the sentence starting here, {scheme}) is "
                        f"not in --tag-dict {' '.join(tag_dict)}; expected one of {' '.join(sorted(known))}"
                    )
