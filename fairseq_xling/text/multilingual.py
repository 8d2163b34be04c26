"""Parallel corpora of several language pairs (and monolingual streams) -> one joint sub-word model and one
shared dictionary, or words with a dictionary per language: the ``prepare`` step of preprocess/multilingual.sh.

Every corpus is read and checked (line counts, encodings), tokenized per language (Moses, or a whitespace split
for SentencePiece, which reads raw text) and optionally lowercased; pairs with an empty side are dropped. One
sub-word model (SentencePiece or subword-nmt BPE, :mod:`fairseq_xling.text.subword`) is learned on training
text drawn from the languages with a temperature (:func:`sampling_probabilities`; Arivazhagan et al. 2019,
"Massively Multilingual Neural Machine Translation in the Wild"; Siddhant et al. 2020), so that small languages
get pieces of their own. It is applied to all text, training pairs longer than ``--max-len`` sub-words are
dropped, and one dictionary counted over all encoded training text serves every language; it ends with one
target-language token ``<2xx>`` per language (Johnson et al. 2017; read by ``xling_mmte``). With ``--subword none``
the tokenized words are the tokens, and each language gets a dictionary of its own training text (``--joined``:
one over all languages).

Beside the pairs, the same data-bin takes monolingual streams of one language each (Chidambaram et al. 2019's
multi-task dual encoder), read by :mod:`fairseq_xling.text.streams`: quick-thought triplets of consecutive
sentences of a document (``--qt LANG FILE`` -> ``{split}.qt.{prev,cur,next}.LANG``), response pairs
(``--response`` -> ``{split}.rsp.{input,response}.LANG``) and NLI pairs with their labels (``--nli`` ->
``{split}.nli.{premise,hypothesis,label}.LANG``; the labels with ``dict.nli_label.txt``). Their text joins the
sub-word training text and the dictionaries; ``preprocess.json`` lists them under ``streams`` (name ->
dictionary file) for :mod:`fairseq_xling.text.binarize`.

CLI::

    python -m fairseq_xling.text.multilingual prepare --out-dir WORK --subword spm \\
        --train de-en train.de train.en --train fr-en A.fr A.en --valid de-en dev.de dev.en [options]

``prepare`` writes into ``--out-dir``: ``text/{train,valid}.{L1}-{L2}.{L1,L2}`` (sub-words, one sentence a
line; the corpora of a pair one after the other, in the given order), ``spm.model`` + ``spm.vocab`` or
``bpe.codes``, ``dict.{L}.txt`` for every language (identical files unless ``--subword none``), the streams'
text ``text/{split}.{kind}.{role}.{L}`` and ``preprocess.json``.
"""
import codecs
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from fairseq_xling.text import pipeline
from fairseq_xling.text.corpus import read_parallel
from fairseq_xling.text.dictionary import by_count, count_tokens, write_dict
from fairseq_xling.text.languages import check_lang, target_token
from fairseq_xling.text.lines import CorpusError, count_lines, read_lines, write_lines
from fairseq_xling.text.streams import NLI_LABELS, Triplet, read_documents, read_nli, read_response_pairs, triplets
from fairseq_xling.text.subword import (MODEL_FILES, SPM_MODEL_TYPES, SUBWORD_KINDS, SubwordEncoder,
                                        learn_subword_nmt, train_sentencepiece)
from fairseq_xling.text.tokenize import TOKENIZER_KINDS, XlingTokenizer

NO_SUBWORD = "none"  # --subword none: the tokenized words are the tokens
NLI_LABEL_DICT = "dict.nli_label.txt"
# option -> (stream kind, split); the roles of each kind's sentence streams
STREAM_OPTIONS = {"qt": ("qt", "train"), "valid_qt": ("qt", "valid"), "response": ("rsp", "train"),
                  "valid_response": ("rsp", "valid"), "nli": ("nli", "train"), "valid_nli": ("nli", "valid")}
STREAM_ROLES = {"qt": ("prev", "cur", "next"), "rsp": ("input", "response"), "nli": ("premise", "hypothesis")}
MAX_SAMPLE_LINES = 2_000_000  # default cap of the sub-word training text (lines)
ENCODING_HINT = " (declare the file's encoding with --encoding FILE=ENC, e.g. --encoding comtrans.e=latin-1)"

# ---------------------------------------------------------------------------------------------------
# Temperature sampling of the sub-word training text


def sampling_probabilities(sizes: Mapping[str, int], temperature: float) -> Dict[str, float]:
    """The share of each language in the sub-word training text, with temperature ``T``:

        p_l = q_l ** (1 / T) / sum_k q_k ** (1 / T),    q_l = n_l / sum_k n_k

    where ``n_l = sizes[l]`` is the amount of text of language ``l`` (here: its distinct training lines).
    ``T = 1`` keeps the proportions of the data; a larger ``T`` flattens them towards uniform (``1 / #languages``),
    so that small languages weigh more than their size (Arivazhagan et al. 2019 and Siddhant et al. 2020 use
    ``T = 5``).
    """
    if not temperature > 0:
        raise ValueError(f"temperature {temperature}; expected a positive number")
    if not sizes or any(n <= 0 for n in sizes.values()):
        raise ValueError(f"sizes {dict(sizes)}; expected a positive amount of text for every language")
    total = sum(sizes.values())
    weights = {lang: (n / total) ** (1.0 / temperature) for lang, n in sizes.items()}
    norm = sum(weights.values())
    return {lang: w / norm for lang, w in weights.items()}


def sample_counts(probs: Mapping[str, float], total: int) -> Dict[str, int]:
    """Lines to draw from each language: ``k_l = round(p_l * total)`` (so the sum may differ from ``total`` by
    rounding)."""
    return {lang: int(round(p * total)) for lang, p in probs.items()}


def sample_lines(lines: Sequence[str], k: int, rng: np.random.Generator) -> List[str]:
    """``k`` of ``lines``: drawn without replacement when ``k <= len(lines)``; otherwise every line
    ``k // len(lines)`` times plus ``k % len(lines)`` more drawn without replacement. Drawn lines keep their
    input order."""
    repeats, rest = divmod(k, len(lines))
    drawn = np.sort(rng.choice(len(lines), size=rest, replace=False))
    return list(lines) * repeats + [lines[i] for i in drawn]


# ---------------------------------------------------------------------------------------------------
# Corpora


@dataclass
class Corpus:
    """One ``--train``/``--valid`` triple and, as the steps go, the text of its kept pairs (raw, then tokenized,
    then sub-words) with their line numbers."""

    split: str  # "train" or "valid"
    pair: str  # "de-en"
    src_lang: str
    tgt_lang: str
    src_path: str
    tgt_path: str
    src_encoding: str = "utf-8"
    tgt_encoding: str = "utf-8"
    lines: int = 0  # lines in each file
    linenos: List[int] = field(default_factory=list)
    src: List[str] = field(default_factory=list)
    tgt: List[str] = field(default_factory=list)
    dropped_empty: List[int] = field(default_factory=list)  # line numbers
    dropped_long: List[int] = field(default_factory=list)  # line numbers (train)
    valid_long: List[int] = field(default_factory=list)  # line numbers of over-long valid pairs (kept)
    valid_in_train: int = 0  # valid pairs with a side that is also a training line of its language

    @property
    def files(self) -> str:
        return f"{self.src_path} / {self.tgt_path}"

    def sides(self) -> Iterator[Tuple[str, List[str]]]:
        yield self.src_lang, self.src
        yield self.tgt_lang, self.tgt

    def keep(self, mask: Sequence[bool]):
        """Keep the pairs where ``mask`` is true."""
        self.linenos = [x for x, m in zip(self.linenos, mask) if m]
        self.src = [x for x, m in zip(self.src, mask) if m]
        self.tgt = [x for x, m in zip(self.tgt, mask) if m]


@dataclass
class MonoCorpus:
    """One ``--mono LANG FILE``: monolingual training text, with its kept lines' numbers as the steps go."""

    lang: str
    path: str
    encoding: str = "utf-8"
    lines: int = 0
    linenos: List[int] = field(default_factory=list)
    text: List[str] = field(default_factory=list)
    dropped_empty: List[int] = field(default_factory=list)
    dropped_long: List[int] = field(default_factory=list)

    def keep(self, mask: Sequence[bool]) -> List[int]:
        """Keep the lines where ``mask`` is true; returns the line numbers of the others."""
        dropped = [x for x, m in zip(self.linenos, mask) if not m]
        self.linenos = [x for x, m in zip(self.linenos, mask) if m]
        self.text = [x for x, m in zip(self.text, mask) if m]
        return dropped


@dataclass
class StreamCorpus:
    """One ``--qt``/``--response``/``--nli`` file (or its ``--valid-`` form) of one language, with its kept text as
    the steps go.

    ``columns`` holds the text: one column of sentences for ``qt`` (``doc_ids`` gives each sentence's document),
    two aligned columns for ``rsp`` (input, response) and ``nli`` (premise, hypothesis; ``labels`` aligned).
    ``linenos`` is the line of each sentence (qt) or row. ``triplets`` (qt) is set by :meth:`build_triplets`.
    """

    kind: str  # "qt", "rsp" or "nli"
    split: str  # "train" or "valid"
    lang: str
    path: str
    option: str
    encoding: str = "utf-8"
    lines: int = 0
    linenos: List[int] = field(default_factory=list)
    columns: List[List[str]] = field(default_factory=list)
    labels: List[str] = field(default_factory=list)
    doc_ids: List[int] = field(default_factory=list)
    documents: int = 0
    short_documents: int = 0  # qt: documents of fewer than 3 sentences (no triplet)
    triplets: Optional[List[Triplet]] = None
    dropped_empty: List[int] = field(default_factory=list)
    dropped_long: List[int] = field(default_factory=list)  # line numbers (qt: of the middle sentence)
    valid_long: List[int] = field(default_factory=list)
    valid_in_train: int = 0

    @property
    def name(self) -> str:
        return f"{self.option} {self.lang} {self.path}"

    @property
    def size(self) -> int:
        """Examples: triplets (qt) or rows."""
        return len(self.triplets) if self.kind == "qt" else len(self.linenos)

    def text_columns(self) -> List[List[str]]:
        """The text the model reads: for qt with triplets built, the sentences of some triplet."""
        if self.kind == "qt" and self.triplets is not None:
            used = sorted({i for t in self.triplets for i in t})
            return [[self.columns[0][i] for i in used]]
        return self.columns

    def keep(self, mask: Sequence[bool]) -> List[int]:
        """Keep the sentences (qt, before triplets) or rows where ``mask`` is true; returns the others' lines."""
        dropped = [x for x, m in zip(self.linenos, mask) if not m]
        self.linenos = [x for x, m in zip(self.linenos, mask) if m]
        self.columns = [[x for x, m in zip(col, mask) if m] for col in self.columns]
        self.labels = [x for x, m in zip(self.labels, mask) if m]
        self.doc_ids = [x for x, m in zip(self.doc_ids, mask) if m]
        return dropped

    def read(self, hint: str = ""):
        if self.kind == "qt":
            documents = read_documents(self.path, self.encoding, hint)
            self.lines = count_lines(self.path)
            self.documents = len(documents)
            self.linenos = [n for doc in documents for n, _ in doc]
            self.columns = [[text for doc in documents for _, text in doc]]
            self.doc_ids = [k for k, doc in enumerate(documents) for _ in doc]
        elif self.kind == "rsp":
            rows = list(read_response_pairs(self.path, self.encoding, hint))
            self.linenos = [r[0] for r in rows]
            self.columns = [[r[1] for r in rows], [r[2] for r in rows]]
        else:
            rows = list(read_nli(self.path, self.encoding, hint))
            self.linenos = [r[0] for r in rows]
            self.columns = [[r[1] for r in rows], [r[2] for r in rows]]
            self.labels = [r[3] for r in rows]
        if self.kind != "qt":
            self.lines = self.linenos[-1]

    def build_triplets(self, max_len: int) -> List[int]:
        """qt: the triplets of consecutive sentences of a document; in training, those with a sentence of more than
        ``max_len`` tokens are dropped (valid: kept). Returns the middle lines of the over-long ones."""
        all_triplets = triplets(self.doc_ids)
        self.short_documents = self.documents - sum(1 for n in Counter(self.doc_ids).values() if n >= 3)
        lengths = [len(s.split()) for s in self.columns[0]]
        over = [bool(max_len) and max(lengths[i] for i in t) > max_len for t in all_triplets]
        long = [self.linenos[t[1]] for t, o in zip(all_triplets, over) if o]
        if self.split == "train":
            self.dropped_long = long
            self.triplets = [t for t, o in zip(all_triplets, over) if not o]
        else:
            self.valid_long = long
            self.triplets = all_triplets
        return long


def parse_pair(text: str, option: str) -> Tuple[str, str]:
    """``"de-en"`` -> ``("de", "en")``, checking both codes."""
    parts = text.split("-")
    if len(parts) != 2:
        raise CorpusError(f"{option} {text}: expected a language pair L1-L2, e.g. de-en")
    src, tgt = (check_lang(code, f"{option} {text}") for code in parts)
    if src == tgt:
        raise CorpusError(f"{option} {text}: both sides are {src!r}; expected two different languages")
    return src, tgt


def parse_encodings(entries: Sequence[str], input_paths: Sequence[str]) -> Dict[str, str]:
    """``--encoding FILE=ENC`` entries -> {real path: codec name}; FILE must be one of ``input_paths``."""
    inputs = {os.path.realpath(p) for p in input_paths}
    encodings = {}
    for entry in entries:
        path, sep, encoding = entry.rpartition("=")
        if not sep or not path or not encoding:
            raise CorpusError(f"--encoding {entry}: expected FILE=ENCODING, e.g. comtrans.e=latin-1")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise CorpusError(f"--encoding {entry}: unknown encoding {encoding!r}; expected a codec name such as "
                              f"latin-1 or utf-8") from None
        if os.path.realpath(path) not in inputs:
            raise CorpusError(f"--encoding {entry}: {path} is not a --train, --valid, --mono or stream file; expected "
                              f"FILE=ENCODING for one of the input files")
        encodings[os.path.realpath(path)] = encoding
    return encodings


def corpora_from_args(args) -> Tuple[List[Corpus], List[MonoCorpus], List["StreamCorpus"]]:
    """The corpora of ``--train``/``--valid`` in the given order, with their pairs and encodings checked, the
    ``--mono`` texts (each of a language of a training pair) and the streams (``--qt``, ``--response``, ``--nli``
    and their ``--valid-`` forms; a valid stream's language needs training text).

    A pair must be given in one direction only (its data serves both), and a ``--valid`` pair must have
    ``--train`` data.
    """
    triples = [("train", t) for t in args.train or []] + [("valid", v) for v in args.valid or []]
    train_pairs: List[str] = []
    corpora = []
    for split, (pair, src_path, tgt_path) in triples:
        option = f"--{split}"
        src, tgt = parse_pair(pair, option)
        reverse = f"{tgt}-{src}"
        if reverse in train_pairs:
            raise CorpusError(
                f"{option} {pair}: {reverse} is given too; expected each language pair in one direction only "
                f"(one direction's data serves both directions: give {reverse} with its files swapped)")
        if split == "train" and pair not in train_pairs:
            train_pairs.append(pair)
        if split == "valid" and pair not in train_pairs:
            raise CorpusError(f"{option} {pair}: no --train data for this pair; expected one of "
                              f"{', '.join(train_pairs)}")
        for path in (src_path, tgt_path):
            if not os.path.isfile(path):
                raise CorpusError(f"{path}: no such file (given by {option} {pair})")
        corpora.append(Corpus(split, pair, src, tgt, src_path, tgt_path))
    streams = []
    for dest, (kind, split) in STREAM_OPTIONS.items():
        option = "--" + dest.replace("_", "-")
        for lang, path in getattr(args, dest, None) or []:
            lang = check_lang(lang, f"{option} {lang}")
            if not os.path.isfile(path):
                raise CorpusError(f"{path}: no such file (given by {option} {lang})")
            streams.append(StreamCorpus(kind, split, lang, path, option))
    langs = {lang for pair in train_pairs for lang in pair.split("-")}
    langs |= {s.lang for s in streams if s.split == "train"}
    if not corpora and not streams:
        raise CorpusError("no training input; expected at least one --train, --qt, --response or --nli")
    if not langs:
        raise CorpusError(f"{streams[0].name}: no training text; expected at least one --train, --qt, --response "
                          f"or --nli besides validation data")
    for s in streams:
        if s.lang not in langs:
            raise CorpusError(f"{s.name}: {s.lang} has no training text (no --train pair, --qt, --response or --nli "
                              f"of {s.lang}); expected one of {', '.join(sorted(langs))}")
    monos = []
    for lang, path in getattr(args, "mono", None) or []:
        lang = check_lang(lang, f"--mono {lang}")
        if lang not in langs:
            raise CorpusError(f"--mono {lang} {path}: {lang} is in no --train pair (nor training stream); expected "
                              f"one of {', '.join(sorted(langs))}")
        if not os.path.isfile(path):
            raise CorpusError(f"{path}: no such file (given by --mono {lang})")
        monos.append(MonoCorpus(lang, path))
    encodings = parse_encodings(args.encoding or [], [p for c in corpora for p in (c.src_path, c.tgt_path)]
                                + [m.path for m in monos] + [s.path for s in streams])
    for c in corpora:
        c.src_encoding = encodings.get(os.path.realpath(c.src_path), "utf-8")
        c.tgt_encoding = encodings.get(os.path.realpath(c.tgt_path), "utf-8")
    for m in monos:
        m.encoding = encodings.get(os.path.realpath(m.path), "utf-8")
    for s in streams:
        s.encoding = encodings.get(os.path.realpath(s.path), "utf-8")
    return corpora, monos, streams


# ---------------------------------------------------------------------------------------------------
# Prepare


class Preparer(pipeline.Preparer):
    """Reads, tokenizes and checks every corpus, learns the joint sub-word model on temperature-sampled training
    text, writes the sub-word text of every pair, the shared dictionary and the metadata."""

    name = "multilingual"

    def __init__(self, args):
        super().__init__(args)
        self.corpora, self.monos, self.streams = corpora_from_args(args)
        self.pairs = list(dict.fromkeys(c.pair for c in self.corpora))
        self.langs = sorted({lang for c in self.corpora for lang in (c.src_lang, c.tgt_lang)}
                            | {s.lang for s in self.streams})
        self.words = args.subword == NO_SUBWORD
        self.unit = "tokens" if self.words else "sub-words"

    # ---- helpers

    def distinct_lines(self, lang: str, split: str = "") -> List[str]:
        """The distinct lines of ``lang`` over all corpora and streams (of ``split`` only, if given; --mono text
        is training text), first seen first."""
        mono = [m.text for m in self.monos if m.lang == lang] if split in ("", "train") else []
        streams = [col for s in self.streams if s.lang == lang and split in ("", s.split) for col in s.text_columns()]
        return list(dict.fromkeys(line for side in [side for c in self.corpora if split in ("", c.split)
                                                    for lang_, side in c.sides() if lang_ == lang] + mono + streams
                                  for line in side))

    def replace_lines(self, lang: str, new: Mapping[str, str]):
        """Replace every line of ``lang`` by ``new[line]`` in all corpora and --mono texts."""
        for c in self.corpora:
            if c.src_lang == lang:
                c.src = [new[line] for line in c.src]
            if c.tgt_lang == lang:
                c.tgt = [new[line] for line in c.tgt]
        for m in self.monos:
            if m.lang == lang:
                m.text = [new[line] for line in m.text]
        for s in self.streams:
            if s.lang == lang:
                s.columns = [[new[line] for line in col] for col in s.columns]

    # ---- steps

    def read(self):
        """Read every corpus whole (a bad line stops the run before any work is done)."""
        for c in self.corpora:
            for path, encoding in ((c.src_path, c.src_encoding), (c.tgt_path, c.tgt_encoding)):
                self.warn_if_misread(path, encoding, "--encoding")
            rows = list(read_parallel(c.src_path, c.tgt_path, c.src_encoding, c.tgt_encoding, hint=ENCODING_HINT))
            c.lines = len(rows)
            c.linenos = [r.lineno for r in rows]
            c.src = [r.src for r in rows]
            c.tgt = [r.tgt for r in rows]
            self.log(f"read {c.split} {c.pair}: {c.lines} lines from {c.files}")
        for m in self.monos:
            self.warn_if_misread(m.path, m.encoding, "--encoding")
            rows = list(read_lines(m.path, m.encoding, hint=ENCODING_HINT))
            m.lines, m.linenos, m.text = len(rows), [n for n, _ in rows], [line for _, line in rows]
            self.log(f"read mono {m.lang}: {m.lines} lines from {m.path}")
        for s in self.streams:
            self.warn_if_misread(s.path, s.encoding, "--encoding")
            s.read(ENCODING_HINT)
            what = f"{len(s.linenos)} sentences in {s.documents} documents" if s.kind == "qt" else f"{s.size} pairs"
            self.log(f"read {s.option} {s.lang}: {what} from {s.path}")

    def tokenize(self):
        """Tokenize (and lowercase) the distinct lines of each language once; drop pairs with an empty side."""
        a = self.args
        for lang in self.langs:
            distinct = self.distinct_lines(lang)
            tokenizer = XlingTokenizer(lang, a.tokenizer, a.lowercase)
            self.log(f"tokenize {lang} ({tokenizer.kind}{', lowercase' if a.lowercase else ''}): "
                     f"{len(distinct)} distinct lines")
            self.replace_lines(lang, dict(zip(distinct, pipeline.tokenize_all(tokenizer, distinct, a.workers))))
        for c in self.corpora:
            mask = [bool(s) and bool(t) for s, t in zip(c.src, c.tgt)]
            c.dropped_empty = [n for n, m in zip(c.linenos, mask) if not m]
            c.keep(mask)
            if c.dropped_empty:
                self.log(f"dropped {len(c.dropped_empty)} pairs with an empty side from {c.split} {c.pair} "
                         f"{c.files} ({pipeline.lines_note(c.dropped_empty)})")
        for m in self.monos:
            m.dropped_empty = m.keep([bool(line) for line in m.text])
            if m.dropped_empty:
                self.log(f"dropped {len(m.dropped_empty)} empty lines from mono {m.lang} {m.path} "
                         f"({pipeline.lines_note(m.dropped_empty)})")
        for s in self.streams:  # only a line that tokenizes to nothing: the readers refuse empty fields
            s.dropped_empty = s.keep([all(col[k] for col in s.columns) for k in range(len(s.linenos))])
            if s.dropped_empty:
                self.log(f"dropped {len(s.dropped_empty)} {'sentences' if s.kind == 'qt' else 'pairs'} that tokenize "
                         f"to nothing from {s.name} ({pipeline.lines_note(s.dropped_empty)})")

    def training_text(self) -> Dict[str, List[str]]:
        """D_l for every language l: its distinct lines over all training corpora, first seen first."""
        text = {lang: self.distinct_lines(lang, "train") for lang in self.langs}
        for lang, lines in text.items():
            if not lines:
                raise CorpusError(f"language {lang}: no training text left (every --train pair with {lang} has "
                                  f"an empty side); expected non-empty training lines in every language")
        return text

    def sample(self, text: Dict[str, List[str]]) -> Tuple[dict, List[str]]:
        """Draw the sub-word training text; returns the sampling table and the lines."""
        a = self.args
        sizes = {lang: len(lines) for lang, lines in text.items()}
        total = a.subword_sample_lines or min(sum(sizes.values()), MAX_SAMPLE_LINES)
        probs = sampling_probabilities(sizes, a.sample_temperature)
        counts = sample_counts(probs, total)
        rng = np.random.default_rng(a.seed)
        sample: List[str] = []
        table = {}
        for lang in self.langs:
            sample.extend(sample_lines(text[lang], counts[lang], rng))
            table[lang] = {"lines": sizes[lang], "prob": round(probs[lang], 6), "sampled": counts[lang]}
            self.log(f"sample {lang}: {sizes[lang]} distinct training lines, p = {probs[lang]:.4f}, "
                     f"{counts[lang]} lines drawn")
        return table, sample

    def learn(self, sample: List[str]) -> str:
        """Learn the sub-word model on the sampled lines; returns the model file (in out_dir)."""
        a = self.args
        sample_path = os.path.join(self.out_dir, ".subword_sample.txt")
        write_lines(sample_path, sample)
        try:
            if a.subword == "spm":
                self.log(f"train SentencePiece ({a.spm_model_type}, vocabulary {a.vocab_size}, character "
                         f"coverage {a.character_coverage}) on {len(sample)} lines")
                model = train_sentencepiece(sample_path, os.path.join(self.out_dir, "spm"), a.vocab_size,
                                            a.character_coverage, a.spm_model_type, a.seed, a.workers)
            else:
                self.log(f"learn {a.vocab_size} BPE merges (subword-nmt) on {len(sample)} lines")
                model = learn_subword_nmt(sample_path, os.path.join(self.out_dir, MODEL_FILES["bpe"]), a.vocab_size)
        finally:
            os.remove(sample_path)
        return model

    def encode(self, model: str):
        """Split all text into sub-words (each distinct line of a language once)."""
        encoder = SubwordEncoder(self.args.subword, model)
        for lang in self.langs:
            distinct = self.distinct_lines(lang)
            self.log(f"apply the sub-word model to {len(distinct)} distinct {lang} lines")
            self.replace_lines(lang, dict(zip(distinct, encoder.encode_all(distinct, self.args.workers))))

    def drop_long(self):
        """Drop training pairs with more than --max-len sub-words on a side (or a length ratio above
        --max-len-ratio); count the valid ones (kept)."""
        max_len, max_ratio = self.args.max_len, self.args.max_len_ratio
        self.drop_long_streams(max_len)
        if not max_len and not max_ratio:
            return
        limit = pipeline.length_limit(max_len, max_ratio, self.unit)
        for c in self.corpora:
            mask = pipeline.length_mask(c.src, c.tgt, max_len, max_ratio)
            long = [n for n, m in zip(c.linenos, mask) if not m]
            if c.split == "train":
                c.dropped_long = long
                c.keep(mask)
                what = "dropped"
            else:
                c.valid_long = long
                what = "kept (valid pairs are never dropped)"
            if long:
                self.log(f"{len(long)} {c.split} pairs of {c.pair} {limit} in {c.files} "
                         f"{what} ({pipeline.lines_note(long)})")
        for m in self.monos:
            if max_len:
                m.dropped_long = m.keep([len(line.split()) <= max_len for line in m.text])
            if m.dropped_long:
                self.log(f"{len(m.dropped_long)} mono {m.lang} lines longer than {max_len} {self.unit} in {m.path} "
                         f"dropped ({pipeline.lines_note(m.dropped_long)})")

    def drop_long_streams(self, max_len: int):
        """Build the quick-thought triplets; drop training triplets and pairs with a sentence of more than --max-len
        tokens (valid ones are kept and counted)."""
        for s in self.streams:
            if s.kind == "qt":
                long = s.build_triplets(max_len)
                self.log(f"{s.name}: {len(s.triplets)} triplets from {s.documents} documents ({s.short_documents} "
                         f"with fewer than 3 sentences give none)")
                what = "triplets with a sentence"
            else:
                mask = [not max_len or all(len(col[k].split()) <= max_len for col in s.columns)
                        for k in range(len(s.linenos))]
                long = [n for n, m in zip(s.linenos, mask) if not m]
                if s.split == "train":
                    s.dropped_long = s.keep(mask)
                else:
                    s.valid_long = long
                what = "pairs with a side"
            if long:
                done = "dropped" if s.split == "train" else "kept (validation data is never dropped)"
                self.log(f"{len(long)} {s.split} {what} longer than {max_len} {self.unit} in {s.name} {done} "
                         f"({pipeline.lines_note(long)})")

    def check_valid_overlap(self):
        """Count (and log) valid pairs with a side that is also a (kept) training line of its language; with
        --drop-overlap, drop them."""
        seen = {lang: set(self.distinct_lines(lang, "train")) for lang in self.langs}
        for c in self.corpora:
            if c.split != "valid":
                continue
            in_train = [s in seen[c.src_lang] or t in seen[c.tgt_lang] for s, t in zip(c.src, c.tgt)]
            c.valid_in_train = sum(in_train)
            c.keep(self.report_overlap(c.src_path, f"valid pairs of {c.pair} in {c.files}", in_train, c.linenos,
                                       " (either side)"))
        for s in self.streams:
            if s.split != "valid":
                continue
            if s.kind == "qt":
                in_train = [s.columns[0][t[1]] in seen[s.lang] for t in s.triplets]
                keep = self.report_overlap(s.path, f"valid triplets of {s.name}", in_train,
                                           [s.linenos[t[1]] for t in s.triplets], " (the middle sentence)")
                s.triplets = [t for t, k in zip(s.triplets, keep) if k]
            else:
                in_train = [any(col[k] in seen[s.lang] for col in s.columns) for k in range(len(s.linenos))]
                s.keep(self.report_overlap(s.path, f"valid pairs of {s.name}", in_train, s.linenos, " (either side)"))
            s.valid_in_train = sum(in_train)

    def write_pairs(self) -> Dict[str, dict]:
        """Write text/{split}.{pair}.{lang}; returns the counts per pair."""
        counts = {}
        for pair in self.pairs:
            src, tgt = pair.split("-")
            mine = [c for c in self.corpora if c.pair == pair]
            for split in ("train", "valid"):
                parts = [c for c in mine if c.split == split]
                if parts:
                    self.write_text(f"{split}.{pair}.{src}", (line for c in parts for line in c.src))
                    self.write_text(f"{split}.{pair}.{tgt}", (line for c in parts for line in c.tgt))
            valid = [c for c in mine if c.split == "valid"]
            counts[pair] = {
                "train": sum(len(c.src) for c in mine if c.split == "train"),
                "valid": sum(len(c.src) for c in valid),
                "dropped_empty": sum(len(c.dropped_empty) for c in mine),
                "dropped_long": sum(len(c.dropped_long) for c in mine),
                "valid_long": sum(len(c.valid_long) for c in valid),
                "valid_in_train": sum(c.valid_in_train for c in valid),
            }
        return counts

    def write_mono(self) -> Dict[str, dict]:
        """Write text/mono.{lang} (the --mono texts of each language, in the given order); returns their counts."""
        counts = {}
        for lang in self.mono_langs:
            mine = [m for m in self.monos if m.lang == lang]
            self.write_text(f"mono.{lang}", (line for m in mine for line in m.text))
            counts[f"mono.{lang}"] = {"sentences": sum(len(m.text) for m in mine),
                                      "dropped_empty": sum(len(m.dropped_empty) for m in mine),
                                      "dropped_long": sum(len(m.dropped_long) for m in mine)}
        return counts

    def write_streams(self) -> Tuple[Dict[str, dict], Dict[str, str]]:
        """Write text/{split}.{kind}.{role}.{lang} (and .nli.label.) for every stream (the files of one kind,
        split and language one after the other, in the given order); returns the counts per kind and language and
        the streams to binarise (name -> dictionary file)."""
        counts: Dict[str, dict] = {}
        names: Dict[str, str] = {}
        for kind, lang in dict.fromkeys((s.kind, s.lang) for s in self.streams):
            mine = [s for s in self.streams if s.kind == kind and s.lang == lang]
            entry = counts[f"{kind}.{lang}"] = {}
            for split in ("train", "valid"):
                parts = [s for s in mine if s.split == split]
                entry[split] = sum(s.size for s in parts)
                if not parts:
                    continue
                if kind == "qt":
                    entry[f"{split}_documents"] = sum(s.documents for s in parts)
                    entry[f"{split}_sentences"] = sum(len(s.linenos) for s in parts)
                    entry[f"{split}_short_documents"] = sum(s.short_documents for s in parts)
                    for k, role in enumerate(STREAM_ROLES[kind]):
                        names[self._stream_text(split, kind, role, lang, (
                            s.columns[0][t[k]] for s in parts for t in s.triplets))] = f"dict.{lang}.txt"
                else:
                    for k, role in enumerate(STREAM_ROLES[kind]):
                        names[self._stream_text(split, kind, role, lang, (
                            line for s in parts for line in s.columns[k]))] = f"dict.{lang}.txt"
                if kind == "nli":
                    names[self._stream_text(split, kind, "label", lang, (
                        label for s in parts for label in s.labels))] = NLI_LABEL_DICT
                    entry.setdefault("labels", {})[split] = {
                        label: sum(s.labels.count(label) for s in parts) for label in NLI_LABELS}
            entry.update(dropped_empty=sum(len(s.dropped_empty) for s in mine),
                         dropped_long=sum(len(s.dropped_long) for s in mine),
                         valid_long=sum(len(s.valid_long) for s in mine),
                         valid_in_train=sum(s.valid_in_train for s in mine))
            for split in ("train", "valid"):
                if any(s.split == split for s in mine) and not entry[split]:
                    what = "triplets (documents of 3 or more sentences)" if kind == "qt" else "pairs"
                    raise CorpusError(f"{next(s.name for s in mine if s.split == split)}: no {split} {what} left; "
                                      f"expected at least one")
        return counts, names

    def _stream_text(self, split: str, kind: str, role: str, lang: str, lines: Iterator[str]) -> str:
        name = f"{split}.{kind}.{role}.{lang}"
        self.write_text(name, lines)
        return name

    @property
    def mono_langs(self) -> List[str]:
        return sorted({m.lang for m in self.monos})

    def training_counts(self) -> Dict[str, Counter]:
        """Token counts of each language's training text: pairs, --mono text and training streams."""
        counters: Dict[str, Counter] = {lang: Counter() for lang in self.langs}
        for c in self.corpora:
            if c.split == "train":
                counters[c.src_lang].update(count_tokens(c.src))
                counters[c.tgt_lang].update(count_tokens(c.tgt))
        for m in self.monos:
            counters[m.lang].update(count_tokens(m.text))
        for s in self.streams:
            if s.split == "train":
                for col in s.text_columns():
                    counters[s.lang].update(count_tokens(col))
        return counters

    def write_dictionary(self) -> Dict[str, int]:
        """The dictionaries over the encoded training text, dict.{L}.txt for every language: one shared by all
        languages (sub-words, or words with --joined), else (words) one of each language's own text. Returns the
        size of each."""
        a = self.args
        counters = self.training_counts()
        joined = not self.words or a.joined
        if joined:
            total: Counter = Counter()
            for counter in counters.values():
                total.update(counter)
            counters = {lang: total for lang in self.langs}
        sizes = {}
        for lang in self.langs:
            entries = by_count(counters[lang], a.min_count)
            if not entries:
                of_lang = "" if joined else f" of {lang}"
                raise CorpusError(f"--min-count {a.min_count}: no {self.unit[:-1]}{of_lang} occurs that often in the "
                                  f"training text; expected a smaller min count")
            if joined:  # last, so the learned entries keep their ids
                entries += [(target_token(t), 0) for t in self.langs if target_token(t) not in counters[lang]]
            sizes[lang] = write_dict(entries, os.path.join(self.out_dir, f"dict.{lang}.txt"))
        if joined:
            self.log(f"dictionary (min count {a.min_count}): {sizes[self.langs[0]]} {self.unit}, written as "
                     f"{', '.join(f'dict.{lang}.txt' for lang in self.langs)}")
        else:
            self.log(f"dictionaries (min count {a.min_count}): "
                     f"{', '.join(f'dict.{lang}.txt {n} words' for lang, n in sizes.items())}")
        if any(s.kind == "nli" for s in self.streams):
            labels = Counter(label for s in self.streams if s.kind == "nli" and s.split == "train"
                             for label in s.labels)
            write_dict([(label, labels[label]) for label in NLI_LABELS], os.path.join(self.out_dir, NLI_LABEL_DICT))
        return sizes

    def prepare(self) -> dict:
        a = self.args
        self.read()
        self.tokenize()
        text = self.training_text()
        if self.words:
            del text
            subword: dict = {"subword": NO_SUBWORD, "bpe": NO_SUBWORD, "joined_dictionary": bool(a.joined)}
        else:
            sampling, sample = self.sample(text)
            del text
            model = self.learn(sample)
            del sample
            self.encode(model)
            subword = {"subword": a.subword, "bpe": SUBWORD_KINDS[a.subword], "bpe_model": MODEL_FILES[a.subword],
                       "vocab_size": a.vocab_size}
            if a.subword == "spm":
                subword.update(spm_model_type=a.spm_model_type, character_coverage=a.character_coverage)
            subword.update(sample_temperature=a.sample_temperature,
                           subword_sample_lines=sum(t["sampled"] for t in sampling.values()), seed=a.seed,
                           sampling=sampling)
        self.drop_long()
        self.check_valid_overlap()
        for lang in self.langs:
            self.add_training_lines(lang, self.distinct_lines(lang, "train"))
        counts = self.write_pairs()
        counts.update(self.write_mono())
        stream_counts, streams = self.write_streams()
        counts.update(stream_counts)
        self.log_counts(counts)
        sizes = self.write_dictionary()

        return {
            "langs": self.langs,
            "pairs": self.pairs,
            "mono_langs": self.mono_langs,
            "tokenizer": a.tokenizer,
            "lowercase": a.lowercase,
            **subword,
            "max_len": a.max_len,
            "max_len_ratio": a.max_len_ratio,
            "drop_overlap": a.drop_overlap,
            "min_count": a.min_count,
            "dictionary_size": sizes[self.langs[0]] if len(set(sizes.values())) == 1 and not self.words else sizes,
            "streams": streams,
            **({"nli_labels": list(NLI_LABELS), "nli_label_dict": NLI_LABEL_DICT}
               if any(s.kind == "nli" for s in self.streams) else {}),
            "counts": counts,
            "inputs": [
                {"split": c.split, "pair": c.pair, "src": c.src_path, "tgt": c.tgt_path,
                 "src_encoding": c.src_encoding, "tgt_encoding": c.tgt_encoding, "lines": c.lines,
                 "src_bytes": os.path.getsize(c.src_path), "tgt_bytes": os.path.getsize(c.tgt_path),
                 "kept": len(c.src), "dropped_empty": len(c.dropped_empty), "dropped_long": len(c.dropped_long)}
                for c in self.corpora
            ] + [
                {"split": "mono", "lang": m.lang, "file": m.path, "encoding": m.encoding, "lines": m.lines,
                 "bytes": os.path.getsize(m.path), "kept": len(m.text), "dropped_empty": len(m.dropped_empty),
                 "dropped_long": len(m.dropped_long)}
                for m in self.monos
            ] + [
                {"split": s.split, "kind": s.kind, "lang": s.lang, "file": s.path, "encoding": s.encoding,
                 "lines": s.lines, "bytes": os.path.getsize(s.path), "kept": s.size,
                 **({"documents": s.documents, "sentences": len(s.linenos)} if s.kind == "qt" else {}),
                 "dropped_empty": len(s.dropped_empty), "dropped_long": len(s.dropped_long)}
                for s in self.streams
            ],
        }


# ---------------------------------------------------------------------------------------------------
# CLI


def _build_parser():
    parser = pipeline.command_parser("fairseq_xling.text.multilingual", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="check, tokenize, sample, learn and apply one sub-word model, count")
    p.add_argument("--train", nargs=3, action="append", metavar=("PAIR", "SRC_FILE", "TGT_FILE"),
                   help="a training corpus of PAIR (L1-L2); repeat it (several corpora of a pair are concatenated)")
    p.add_argument("--valid", nargs=3, action="append", metavar=("PAIR", "SRC_FILE", "TGT_FILE"),
                   help="a validation corpus of a --train pair; repeatable")
    p.add_argument("--mono", nargs=2, action="append", metavar=("LANG", "FILE"),
                   help="monolingual training text of LANG (a language of a --train pair); repeatable")
    for option, what in (("qt", "documents (a sentence a line, a blank line between documents): quick-thought "
                                "triplets"),
                         ("response", "input<TAB>response lines"),
                         ("nli", "premise<TAB>hypothesis<TAB>label lines (entailment, neutral, contradiction)")):
        p.add_argument(f"--{option}", nargs=2, action="append", metavar=("LANG", "FILE"),
                       help=f"training {what}; repeatable")
        p.add_argument(f"--valid-{option}", nargs=2, action="append", metavar=("LANG", "FILE"),
                       help=f"validation {what}; repeatable")
    p.add_argument("--encoding", action="append", metavar="FILE=ENC", help="a non-UTF-8 input file's encoding")
    p.add_argument("--subword", default="spm", choices=sorted(SUBWORD_KINDS) + [NO_SUBWORD],
                   help="none: the tokenized words are the tokens, one dictionary per language")
    p.add_argument("--joined", action="store_true", help="--subword none: one dictionary over all languages")
    p.add_argument("--tokenizer", choices=TOKENIZER_KINDS,
                   help="default: none with --subword spm (raw text), else moses")
    p.add_argument("--lowercase", action="store_true")
    p.add_argument("--vocab-size", type=int, default=8000, help="SentencePiece pieces or BPE merges")
    p.add_argument("--character-coverage", type=float, default=1.0, help="SentencePiece character coverage")
    p.add_argument("--spm-model-type", default="unigram", choices=SPM_MODEL_TYPES)
    p.add_argument("--sample-temperature", type=float, default=5.0)
    p.add_argument("--subword-sample-lines", type=int, default=0,
                   help=f"lines of sub-word training text (0: all distinct lines, at most {MAX_SAMPLE_LINES})")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-len", type=int, default=250, help="drop training pairs with more sub-words (0: no limit)")
    p.add_argument("--drop-overlap", action="store_true", help="drop valid pairs with a side that is a training line")
    p.add_argument("--max-len-ratio", type=float, default=0.0,
                   help="drop training pairs whose longer side has more than R times the sub-words of the shorter")
    p.add_argument("--min-count", type=int, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out-dir", required=True)
    p.set_defaults(run=_prepare)
    return parser


def _prepare(args):
    if args.tokenizer is None:
        args.tokenizer = "none" if args.subword == "spm" else "moses"
    if args.joined and args.subword != NO_SUBWORD:
        raise CorpusError(f"--joined with --subword {args.subword}: sub-word data-bins always share one dictionary; "
                          f"expected --joined only with --subword none")
    for option, value, ok, expected in (
        ("--vocab-size", args.vocab_size, args.vocab_size > 0, "a positive integer"),
        ("--sample-temperature", args.sample_temperature, args.sample_temperature > 0, "a positive number"),
        ("--character-coverage", args.character_coverage, 0 < args.character_coverage <= 1, "a number in (0, 1]"),
        ("--workers", args.workers, args.workers >= 1, "an integer >= 1"),
        ("--max-len", args.max_len, args.max_len >= 0, "a non-negative integer"),
        ("--max-len-ratio", args.max_len_ratio, args.max_len_ratio == 0 or args.max_len_ratio >= 1,
         "0 (no ratio filter) or a number >= 1"),
        ("--min-count", args.min_count, args.min_count >= 0, "a non-negative integer"),
        ("--subword-sample-lines", args.subword_sample_lines, args.subword_sample_lines >= 0, "a non-negative integer"),
    ):
        if not ok:
            raise CorpusError(f"{option} {value}: expected {expected}")
    Preparer(args).run()


def main(argv=None) -> int:
    return pipeline.run_command(_build_parser(), lambda args: args.run(args), argv)


if __name__ == "__main__":
    sys.exit(main())
