"""The ``prepare`` step of preprocess/conll.sh: read and check the splits, convert tags, select, write.

Writes into ``--out-dir``: ``text/{split}.tsv`` (``token<TAB>tag``), the fairseq input streams
``text/{split}.{word,char,tag}`` (:mod:`~fairseq_xling.text.conll.layout`), ``dict.{word,char,tag}.txt``
(:mod:`~fairseq_xling.text.conll.dictionaries`) and ``preprocess.json``.
"""
from typing import Dict, List, Tuple

from fairseq_xling.text import pipeline
from fairseq_xling.text.conll.dictionaries import write_dictionaries
from fairseq_xling.text.conll.layout import WORD_SEPARATOR, char_line, fairseq_token, word_line
from fairseq_xling.text.conll.readers import Sentence, read_conll_with_lines, write_tsv
from fairseq_xling.text.lines import CorpusError, detect_encoding
from fairseq_xling.text.tag_conversion import TagSequenceError, convert_tags

SPLITS = ("train", "valid", "test")


class Preparer(pipeline.Preparer):
    """``args``: the options of ``prepare`` as checked by :func:`fairseq_xling.text.conll.cli.check_args`."""

    name = "conll"

    def resolve_encoding(self, path: str) -> str:
        """The encoding to read ``path`` with; logs what ``--encoding auto`` found, and warns when a UTF-8
        file with non-ASCII bytes is read as Latin-1."""
        a = self.args
        if a.encoding == "auto":
            encoding, bad_line = detect_encoding(path)
            if bad_line:
                self.log(f"{path}: line {bad_line} is not valid UTF-8; reading the file as Latin-1 (--encoding auto)")
            else:
                self.log(f"{path}: valid UTF-8 (--encoding auto)")
            return encoding
        self.warn_if_misread(path, a.encoding, "--encoding")
        return a.encoding

    def read_split(self, path: str) -> Tuple[List[Sentence], List[int]]:
        """All sentences of one file with tags in the output scheme, and the repairs made in each."""
        a = self.args
        encoding = self.resolve_encoding(path)
        sentences = []
        repairs = []
        for sentence, lines in read_conll_with_lines(path, a.format, encoding, a.lang):
            tags, n = sentence.tags, 0
            if a.task == "ner":
                try:
                    tags, n = convert_tags(tags, a.input_scheme, a.scheme, repair=a.repair)
                except TagSequenceError as err:
                    hint = "" if a.repair else " (or pass --repair)"
                    raise CorpusError(f"{path}:{lines[err.index]}: {err}{hint}") from None
            sentences.append(Sentence([fairseq_token(t) for t in sentence.tokens], tags, sentence.first_line))
            repairs.append(n)
        if not sentences:
            raise CorpusError(f"{path}:1: no sentences; expected token lines ({a.format})")
        return sentences, repairs

    def check_overlap(self, data: Dict[str, List[Sentence]], files: Dict[str, str], counts: Dict[str, int]):
        """Count (``{split}_in_train``) the valid/test sentences whose words are a training sentence's; with
        --drop-overlap, drop them."""
        seen = {tuple(s.tokens) for s in data["train"]}
        for split in ("valid", "test"):
            if split not in data:
                continue
            in_train = [tuple(s.tokens) in seen for s in data[split]]
            keep = self.report_overlap(files[split], f"{split} sentences in {files[split]}", in_train,
                                       [s.first_line for s in data[split]])
            data[split] = [s for s, k in zip(data[split], keep) if k]
            counts[f"{split}_in_train"] = sum(in_train)
            counts[split] = len(data[split])
            counts[f"{split}_tokens"] = sum(len(s.tokens) for s in data[split])

    def prepare(self) -> dict:
        a = self.args
        files = {split: getattr(a, split) for split in SPLITS if getattr(a, split)}
        data: Dict[str, List[Sentence]] = {}
        counts: Dict[str, int] = {}
        repaired: Dict[str, int] = {}
        in_file: Dict[str, int] = {}
        repaired_at: List[str] = []  # FILE:LINE of the sentences with repaired tags
        for split, path in files.items():
            # the whole file is read and checked, also when only its first sentences are kept
            sentences, repairs = self.read_split(path)
            in_file[split] = len(sentences)
            if split == "train" and a.max_sentences:
                if len(sentences) < a.max_sentences:
                    self.log(f"warning: {path} has {len(sentences)} sentences, fewer than --max-sentences "
                             f"{a.max_sentences}; keeping all")
                sentences, repairs = sentences[: a.max_sentences], repairs[: a.max_sentences]
            repaired[split] = sum(repairs)
            repaired_at.extend(f"{path}:{s.first_line}" for s, n in zip(sentences, repairs) if n)
            data[split] = sentences
            counts[split] = len(sentences)
            counts[f"{split}_tokens"] = sum(len(s.tokens) for s in sentences)
        self.check_overlap(data, files, counts)
        n_repaired = sum(repaired.values())
        if n_repaired:
            shown = ", ".join(repaired_at[:10]) + (" ..." if len(repaired_at) > 10 else "")
            self.log(f"repaired {n_repaired} tags that could not follow the previous one, in the sentences "
                     f"starting at {shown}")

        scheme = a.scheme if a.task == "ner" else "UPOS"
        vocab = write_dictionaries(self.out_dir, data, files, a.task, scheme, lowercase=a.lowercase,
                                   min_count=a.min_count, word_dict=a.word_dict, char_dict=a.char_dict,
                                   tag_dict=a.tag_dict)
        self.log(f"vocabulary: {vocab['word']} words (min count {a.min_count}), {vocab['char']} chars, "
                 f"{vocab['tag']} tags")

        self.add_training_lines(a.lang, (" ".join(s.tokens) for s in data["train"]))
        for split, sentences in data.items():
            write_tsv(sentences, self.text_path(f"{split}.tsv"))
            self.write_text(f"{split}.word", (word_line(s.tokens, a.lowercase) for s in sentences))
            self.write_text(f"{split}.char", (char_line(s.tokens) for s in sentences))
            self.write_text(f"{split}.tag", (" ".join(s.tags) for s in sentences))
        self.log_counts(counts)

        return {
            "format": a.format,
            "lang": a.lang,
            "task": a.task,
            "scheme": scheme,
            "input_scheme": a.input_scheme if a.task == "ner" else "UPOS",
            "counts": counts,
            "repaired": n_repaired,
            "repaired_by_split": repaired,
            "drop_overlap": a.drop_overlap,
            "lowercase": a.lowercase,
            "min_count": a.min_count,
            "vocab": vocab,
            "char_layout": {
                "stream": "one line per sentence: the characters of each word, space-separated, words "
                          f"separated by {WORD_SEPARATOR}; fairseq appends </s>",
                "word_separator": WORD_SEPARATOR,
                "lowercase": False,
            },
            "dictionaries": {
                "word": a.word_dict or "train",
                "char": a.char_dict or "train",
                "tag": a.tag_dict or "closed set of the scheme over the types in all splits",
            },
            "inputs": {
                **files,
                "encoding": a.encoding,
                "sentences_in_files": in_file,
                "max_sentences": a.max_sentences,
            },
        }
