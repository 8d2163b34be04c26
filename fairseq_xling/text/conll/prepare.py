"""The ``prepare`` step of preprocess/conll.sh: read and check the splits, convert tags, select, write.

Writes into ``--out-dir``: ``text/{split}.tsv`` (``token<TAB>tag``), the fairseq input streams
``text/{split}.{word,char,tag}`` (:mod:`~fairseq_xling.text.conll.layout`), ``dict.{word,char,tag}.txt``
(:mod:`~fairseq_xling.text.conll.dictionaries`) and ``preprocess.json``. With ``--subword-from DATA_BIN`` the
words are split into that data-bin's sub-words instead (:mod:`~fairseq_xling.text.conll.subwords`):
``text/{split}.{subword,tag}``, ``{split}.pieces.{bin,idx}`` (already binarised), ``dict.{subword,tag}.txt``.
"""
import os
from collections import Counter
from typing import Dict, List, Tuple

from fairseq_xling.text import pipeline
from fairseq_xling.text.conll.dictionaries import add_words, dict_path, write_dictionaries
from fairseq_xling.text.conll.layout import WORD_SEPARATOR, char_line, fairseq_token, word_line
from fairseq_xling.text.conll.readers import Sentence, read_conll_with_lines, write_tsv
from fairseq_xling.text.conll.subwords import PIECES_STREAM, SUBWORD_DICT, UNK, SubwordSource, write_counts
from fairseq_xling.text.dictionary import read_dict
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

    def write_word_streams(self, data: Dict[str, List[Sentence]], files: Dict[str, str], scheme: str):
        """Words and their characters: ``text/{split}.{word,char}`` and ``dict.{word,char,tag}.txt``; returns the
        dictionary sizes and the metadata fields of this layout."""
        a = self.args
        vocab = write_dictionaries(self.out_dir, data, files, a.task, scheme, lowercase=a.lowercase,
                                   min_count=a.min_count, word_dict=a.word_dict, char_dict=a.char_dict,
                                   tag_dict=a.tag_dict)
        if a.add_words:
            vocab["word"], added = add_words(dict_path(self.out_dir, "word"), a.add_words, a.lowercase)
            self.log(f"--add-words: {added} words of {', '.join(a.add_words)} joined the word dictionary (count 0)")
        self.log(f"vocabulary: {vocab['word']} words (min count {a.min_count}), {vocab['char']} chars, "
                 f"{vocab['tag']} tags")
        for split, sentences in data.items():
            self.write_text(f"{split}.word", (word_line(s.tokens, a.lowercase) for s in sentences))
            self.write_text(f"{split}.char", (char_line(s.tokens) for s in sentences))
        return vocab, {
            "lowercase": a.lowercase,
            "char_layout": {
                "stream": "one line per sentence: the characters of each word, space-separated, words "
                          f"separated by {WORD_SEPARATOR}; fairseq appends </s>",
                "word_separator": WORD_SEPARATOR,
                "lowercase": False,
            },
            "dictionaries": {
                "word": a.word_dict or "train",
                "added_words": a.add_words or [],
                "char": a.char_dict or "train",
                "tag": a.tag_dict or "closed set of the scheme over the types in all splits",
            },
        }

    def write_subword_streams(self, data: Dict[str, List[Sentence]], files: Dict[str, str], scheme: str):
        """``--subword-from``: every word split into the pieces of that data-bin's model
        (:mod:`~fairseq_xling.text.conll.subwords`): ``text/{split}.subword``, ``{split}.pieces.{bin,idx}``,
        ``dict.subword.txt`` (the data-bin's) and ``dict.tag.txt``; returns the dictionary sizes and the metadata
        fields of this layout."""
        a = self.args
        source = SubwordSource(a.subword_from, a.lang)
        if not source.lang_seen:
            self.log(f"warning: --subword-from {a.subword_from} has no {a.lang} text (its languages: "
                     f"{', '.join(source.meta.get('langs') or [])}); its model splits {a.lang} words anyway")
        vocab = write_dictionaries(self.out_dir, data, files, a.task, scheme, tag_dict=a.tag_dict, kinds=("tag",))
        model_name = source.copy_into(self.out_dir)
        vocab["subword"] = len(read_dict(dict_path(self.out_dir, "subword")))
        pieces = source.split([t for sentences in data.values() for s in sentences for t in s.tokens])
        unsplit = [f"{files[split]}:{s.first_line}" for split, sentences in data.items() for s in sentences
                   if any(not pieces[t] for t in s.tokens)]
        if unsplit:  # e.g. a word of characters that the model's normalisation removes
            self.log(f"{len(unsplit)} sentences have a word that {source.model_path} splits into no piece; it "
                     f"becomes {UNK} (sentences starting at {', '.join(unsplit[:10])}"
                     f"{' ...' if len(unsplit) > 10 else ''})")
        piece_counts: Counter = Counter()
        for split, sentences in data.items():
            words = [[pieces[t] or [UNK] for t in s.tokens] for s in sentences]
            self.write_text(f"{split}.subword", (" ".join(p for word in w for p in word) for w in words))
            counts = [[len(word) for word in w] for w in words]
            write_counts(os.path.join(self.out_dir, f"{split}.{PIECES_STREAM}"), counts)
            if split == "train":
                piece_counts.update(n for row in counts for n in row)
        self.log(f"vocabulary: {vocab['subword']} sub-words ({source.dict_path}), {vocab['tag']} tags; "
                 f"{sum(n * c for n, c in piece_counts.items())} pieces for {sum(piece_counts.values())} training "
                 f"words (at most {max(piece_counts)} per word)")
        return vocab, {
            **source.metadata(model_name, piece_counts, len(unsplit)),
            "dictionaries": {"subword": SUBWORD_DICT, "tag": a.tag_dict or "closed set of the scheme over the "
                             "types in all splits"},
        }

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
        self.add_training_lines(a.lang, (" ".join(s.tokens) for s in data["train"]))
        for split, sentences in data.items():
            write_tsv(sentences, self.text_path(f"{split}.tsv"))
            self.write_text(f"{split}.tag", (" ".join(s.tags) for s in sentences))
        if a.subword_from:
            vocab, layout = self.write_subword_streams(data, files, scheme)
        else:
            vocab, layout = self.write_word_streams(data, files, scheme)
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
            "lowercase": layout.pop("lowercase"),
            "min_count": a.min_count,
            "vocab": vocab,
            **layout,
            "inputs": {
                **files,
                "encoding": a.encoding,
                "sentences_in_files": in_file,
                "max_sentences": a.max_sentences,
            },
        }
