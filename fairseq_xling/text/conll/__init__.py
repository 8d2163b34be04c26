"""Tagging corpora (CoNLL-2002/2003 NER, WikiANN / PAN-X, UD CoNLL-U, XTREME UD-POS) for preprocess/conll.sh.

    readers.py       checked readers of the release formats (``read_conll``), the ``token<TAB>tag`` writer
    layout.py        the three aligned fairseq streams of a data-bin (words, characters, tags)
    dictionaries.py  ``dict.{word,char,tag}.txt``: counted, closed tag sets, or given and merged
    prepare.py       the ``prepare`` step: read, convert tags, select, write text, dictionaries, metadata
    cli.py           ``python -m fairseq_xling.text.conll prepare ...`` (run by preprocess/conll.sh)

``prepare`` writes ``text/{split}.tsv`` (``token<TAB>tag``), the fairseq input streams
``text/{split}.{word,char,tag}`` (one sentence per line), ``dict.{word,char,tag}.txt`` and ``preprocess.json``.
The char stream holds, per sentence, the characters of every word separated by :data:`WORD_SEPARATOR`.

Formats: conll2002 (``word [POS] tag``, IOB2), conll2003 (``word POS chunk tag``, IOB1), wikiann
(``[lang:]token<TAB>tag``, IOB2), conllu (UPOS), udpos (``token<TAB>UPOS``); see
:mod:`~fairseq_xling.text.conll.readers`. Every input problem stops with ``FILE:LINE:`` and what was expected.

CLI::

    python -m fairseq_xling.text.conll prepare --format conll2002 --lang nl --train ned.train \\
        --valid ned.testa --out-dir WORK [options]

The names below are the package's interface (the data layer, the hub, evaluation and examples import them
from here); ``merge_dicts`` lives in :mod:`fairseq_xling.text.dictionary`.
"""
from fairseq_xling.text.conll.layout import WORD_SEPARATOR, char_line, fairseq_token, split_words, word_line
from fairseq_xling.text.conll.readers import (
    FORMAT_SCHEME,
    FORMAT_TASK,
    FORMATS,
    UPOS_TAGS,
    Sentence,
    read_conll,
    read_conll_with_lines,
    write_tsv,
)
from fairseq_xling.text.dictionary import merge_dicts
from fairseq_xling.text.lines import detect_encoding

__all__ = [
    "FORMATS", "FORMAT_SCHEME", "FORMAT_TASK", "UPOS_TAGS", "Sentence", "read_conll", "read_conll_with_lines",
    "write_tsv", "detect_encoding", "WORD_SEPARATOR", "char_line", "fairseq_token", "split_words", "word_line",
    "merge_dicts",
]
