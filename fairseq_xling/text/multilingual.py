"""Parallel corpora of several language pairs -> one joint sub-word model and one shared dictionary: the
``prepare`` step of preprocess/multilingual.sh.

Every corpus is read and checked (line counts, encodings), tokenized per language (Moses, or a whitespace split
for SentencePiece, which reads raw text) and optionally lowercased; pairs with an empty side are dropped. One
sub-word model (SentencePiece or subword-nmt BPE, :mod:`fairseq_xling.text.subword`) is learned on training
text drawn from the languages with a temperature (:func:`sampling_probabilities`; Arivazhagan et al. 2019,
"Massively Multilingual Neural Machine Translation in the Wild"; Siddhant et al. 2020), so that small languages
get pieces of their own. It is applied to all text, training pairs longer than ``--max-len`` sub-words are
dropped, and one dictionary counted over all encoded training text serves every language.

CLI::

    python -m fairseq_xling.text.multilingual prepare --out-dir WORK --subword spm \\
        --train de-en train.de train.en --train fr-en A.fr A.en --valid de-en dev.de dev.en [options]

``prepare`` writes into ``--out-dir``: ``text/{train,valid}.{L1}-{L2}.{L1,L2}`` (sub-words, one sentence a
line; the corpora of a pair one after the other, in the given order), ``spm.model`` + ``spm.vocab`` or
``bpe.codes``, ``dict.{L}.txt`` for every language (identical files) and ``preprocess.json``.
"""
import codecs
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Mapping, Sequence, Tuple

import numpy as np

from fairseq_xling.text import pipeline
from fairseq_xling.text.corpus import read_parallel
from fairseq_xling.text.dictionary import by_count, count_tokens, write_dict
from fairseq_xling.text.languages import check_lang
from fairseq_xling.text.lines import CorpusError, read_lines, write_lines
from fairseq_xling.text.subword import (MODEL_FILES, SPM_MODEL_TYPES, SUBWORD_KINDS, SubwordEncoder,
                                        learn_subword_nmt, train_sentencepiece)
from fairseq_xling.text.tokenize import TOKENIZER_KINDS, XlingTokenizer

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
            raise CorpusError(f"--encoding {entry}: {path} is not a --train, --valid or --mono file; expected "
                              f"FILE=ENCODING for one of the input files")
        encodings[os.path.realpath(path)] = encoding
    return encodings


def corpora_from_args(args) -> Tuple[List[Corpus], List[MonoCorpus]]:
    """The corpora of ``--train``/``--valid`` in the given order, with their pairs and encodings checked, and the
    ``--mono`` texts (each of a language of a training pair).

    A pair must be given in one direction only (its data serves both), and a ``--valid`` pair must have
    ``--train`` data.
    """
    triples = [("train", t) for t in args.train] + [("valid", v) for v in args.valid or []]
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
    langs = {lang for pair in train_pairs for lang in pair.split("-")}
    monos = []
    for lang, path in getattr(args, "mono", None) or []:
        lang = check_lang(lang, f"--mono {lang}")
        if lang not in langs:
            raise CorpusError(f"--mono {lang} {path}: {lang} is in no --train pair; expected one of "
                              f"{', '.join(sorted(langs))}")
        if not os.path.isfile(path):
            raise CorpusError(f"{path}: no such file (given by --mono {lang})")
        monos.append(MonoCorpus(lang, path))
    encodings = parse_encodings(args.encoding or [], [p for c in corpora for p in (c.src_path, c.tgt_path)]
                                + [m.path for m in monos])
    for c in corpora:
        c.src_encoding = encodings.get(os.path.realpath(c.src_path), "utf-8")
        c.tgt_encoding = encodings.get(os.path.realpath(c.tgt_path), "utf-8")
    for m in monos:
        m.encoding = encodings.get(os.path.realpath(m.path), "utf-8")
    return corpora, monos


# ---------------------------------------------------------------------------------------------------
# Prepare


class Preparer(pipeline.Preparer):
    """Reads, tokenizes and checks every corpus, learns the joint sub-word model on temperature-sampled training
    text, writes the sub-word text of every pair, the shared dictionary and the metadata."""

    name = "multilingual"

    def __init__(self, args):
        super().__init__(args)
        self.corpora, self.monos = corpora_from_args(args)
        self.pairs = list(dict.fromkeys(c.pair for c in self.corpora))
        self.langs = sorted({lang for c in self.corpora for lang in (c.src_lang, c.tgt_lang)})

    # ---- helpers

    def distinct_lines(self, lang: str, split: str = "") -> List[str]:
        """The distinct lines of ``lang`` over all corpora (of ``split`` only, if given; --mono text is training
        text), first seen first."""
        mono = [m.text for m in self.monos if m.lang == lang] if split in ("", "train") else []
        return list(dict.fromkeys(line for side in [side for c in self.corpora if split in ("", c.split)
                                                    for lang_, side in c.sides() if lang_ == lang] + mono
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
        if not max_len and not max_ratio:
            return
        limit = pipeline.length_limit(max_len, max_ratio, "sub-words")
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
                self.log(f"{len(m.dropped_long)} mono {m.lang} lines longer than {max_len} sub-words in {m.path} "
                         f"dropped ({pipeline.lines_note(m.dropped_long)})")

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

    @property
    def mono_langs(self) -> List[str]:
        return sorted({m.lang for m in self.monos})

    def write_dictionary(self) -> int:
        """One dictionary over all encoded training text, written as dict.{L}.txt for every language."""
        a = self.args
        counter: Counter = Counter()
        for c in self.corpora:
            if c.split == "train":
                counter.update(count_tokens(c.src))
                counter.update(count_tokens(c.tgt))
        for m in self.monos:
            counter.update(count_tokens(m.text))
        entries = by_count(counter, a.min_count)
        if not entries:
            raise CorpusError(f"--min-count {a.min_count}: no sub-word occurs that often in the training text; "
                              f"expected a smaller min count")
        for lang in self.langs:
            write_dict(entries, os.path.join(self.out_dir, f"dict.{lang}.txt"))
        self.log(f"dictionary (min count {a.min_count}): {len(entries)} sub-words, written as "
                 f"{', '.join(f'dict.{lang}.txt' for lang in self.langs)}")
        return len(entries)

    def prepare(self) -> dict:
        a = self.args
        self.read()
        self.tokenize()
        text = self.training_text()
        sampling, sample = self.sample(text)
        del text
        model = self.learn(sample)
        del sample
        self.encode(model)
        self.drop_long()
        self.check_valid_overlap()
        for lang in self.langs:
            self.add_training_lines(lang, self.distinct_lines(lang, "train"))
        counts = self.write_pairs()
        counts.update(self.write_mono())
        self.log_counts(counts)
        n_dict = self.write_dictionary()

        subword = {"bpe": SUBWORD_KINDS[a.subword], "bpe_model": MODEL_FILES[a.subword], "vocab_size": a.vocab_size}
        if a.subword == "spm":
            subword.update(spm_model_type=a.spm_model_type, character_coverage=a.character_coverage)
        return {
            "langs": self.langs,
            "pairs": self.pairs,
            "mono_langs": self.mono_langs,
            "tokenizer": a.tokenizer,
            "lowercase": a.lowercase,
            **subword,
            "sample_temperature": a.sample_temperature,
            "subword_sample_lines": sum(t["sampled"] for t in sampling.values()),
            "seed": a.seed,
            "sampling": sampling,
            "max_len": a.max_len,
            "max_len_ratio": a.max_len_ratio,
            "drop_overlap": a.drop_overlap,
            "min_count": a.min_count,
            "dictionary_size": n_dict,
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
            ],
        }


# ---------------------------------------------------------------------------------------------------
# CLI


def _build_parser():
    parser = pipeline.command_parser("fairseq_xling.text.multilingual", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="check, tokenize, sample, learn and apply one sub-word model, count")
    p.add_argument("--train", nargs=3, action="append", required=True, metavar=("PAIR", "SRC_FILE", "TGT_FILE"),
                   help="a training corpus of PAIR (L1-L2); repeat it (several corpora of a pair are concatenated)")
    p.add_argument("--valid", nargs=3, action="append", metavar=("PAIR", "SRC_FILE", "TGT_FILE"),
                   help="a validation corpus of a --train pair; repeatable")
    p.add_argument("--mono", nargs=2, action="append", metavar=("LANG", "FILE"),
                   help="monolingual training text of LANG (a language of a --train pair); repeatable")
    p.add_argument("--encoding", action="append", metavar="FILE=ENC", help="a non-UTF-8 input file's encoding")
    p.add_argument("--subword", default="spm", choices=sorted(SUBWORD_KINDS))
    p.add_argument("--tokenizer", choices=TOKENIZER_KINDS, help="default: moses with --subword bpe, none with spm")
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
        args.tokenizer = "moses" if args.subword == "bpe" else "none"
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
