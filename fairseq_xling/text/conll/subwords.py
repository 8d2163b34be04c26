"""Sub-word tagging data (``conll.sh --subword-from DATA_BIN``): the words of a tagging corpus split into the pieces
of a sub-word data-bin's model (preprocess/multilingual.sh ``--subword spm|bpe``), for encoders that read sub-words.

Each word is split on its own (SentencePiece or subword-nmt on the word alone, as fairseq's ``sentencepiece`` and
``subword_nmt`` encoders split it), so word boundaries are exact. A split holds three aligned streams, item i of
each being sentence i:

    subword  ``p_1 ... p_S``, the pieces of every word in order (dictionary: DATA_BIN's joined one, copied as
             ``dict.subword.txt``, so that a restored encoder's embedding rows match)
    pieces   ``n_1 ... n_W``, the number of pieces of each word (integers, no dictionary; sum = S)
    tag      ``t_1 ... t_W``, one tag per word

The model file is copied into the data-bin and named by ``bpe`` / ``bpe_model`` in its ``preprocess.json``, with
DATA_BIN's ``tokenizer`` and ``lowercase``, so checkpoints split new words as the data was split.
"""
import os
import shutil
from collections import Counter
from typing import Dict, List, Sequence

from fairseq_xling.text.lines import CorpusError
from fairseq_xling.text.metadata import metadata_path, read_metadata
from fairseq_xling.text.subword import SUBWORD_KINDS, SubwordEncoder

SUBWORD_DICT = "dict.subword.txt"
PIECES_STREAM = "pieces"  # {split}.pieces.{bin,idx}: pieces per word
UNK = "<unk>"  # fairseq's unknown symbol: a word its model splits into nothing
KIND_OF_BPE = {bpe: kind for kind, bpe in SUBWORD_KINDS.items()}  # "sentencepiece" -> "spm", ...


class SubwordSource:
    """The sub-word model and joined dictionary of a data-bin of preprocess/multilingual.sh.

    Args:
        data_bin: the data-bin (``--subword-from``); lang: the tagging corpus's language (its ``dict.LANG.txt``
            is used when there is one; the dictionaries of a sub-word data-bin are identical files).
    """

    def __init__(self, data_bin: str, lang: str):
        where = f"--subword-from {data_bin}"
        if not os.path.isfile(metadata_path(data_bin)):
            raise CorpusError(f"{where}: no {metadata_path(data_bin)}; expected a data-bin made by "
                              f"preprocess/multilingual.sh --subword spm|bpe")
        meta = read_metadata(data_bin)
        if meta.get("bpe") not in KIND_OF_BPE:
            raise CorpusError(f"{metadata_path(data_bin)}: bpe={meta.get('bpe')!r}, no sub-word model; expected a "
                              f"data-bin made by preprocess/multilingual.sh --subword spm|bpe")
        self.data_bin, self.meta = data_bin, meta
        self.kind = KIND_OF_BPE[meta["bpe"]]
        self.model_path = os.path.join(data_bin, meta.get("bpe_model") or "")
        if not os.path.isfile(self.model_path):
            raise CorpusError(f"{metadata_path(data_bin)}: its sub-word model {self.model_path} does not exist")
        langs = list(meta.get("langs") or [])
        self.dict_lang = lang if lang in langs else (langs[0] if langs else lang)
        self.dict_path = os.path.join(data_bin, f"dict.{self.dict_lang}.txt")
        if not os.path.isfile(self.dict_path):
            raise CorpusError(f"{where}: no {self.dict_path}; expected the data-bin's joined dictionary")
        self.lang_seen = lang in langs
        self.lowercase = bool(meta.get("lowercase", False))
        self._encoder = SubwordEncoder(self.kind, self.model_path)

    def split(self, words: Sequence[str]) -> Dict[str, List[str]]:
        """Each distinct word -> its pieces (lowercased first when DATA_BIN's text was)."""
        distinct = list(dict.fromkeys(words))
        forms = [w.lower() for w in distinct] if self.lowercase else distinct
        return {w: pieces.split() for w, pieces in zip(distinct, self._encoder.encode_all(forms))}

    def copy_into(self, out_dir: str) -> str:
        """Copy the model and the dictionary into the new data-bin; returns the model's file name there."""
        name = os.path.basename(self.model_path)
        shutil.copyfile(self.model_path, os.path.join(out_dir, name))
        shutil.copyfile(self.dict_path, os.path.join(out_dir, SUBWORD_DICT))
        return name

    def metadata(self, model_name: str, piece_counts: Counter, unsplit: int) -> dict:
        """The fields of the tagging data-bin's ``preprocess.json`` that say how its words were split."""
        words = sum(piece_counts.values())
        return {
            "tokenizer": self.meta.get("tokenizer", "none"),
            "lowercase": self.lowercase,
            "bpe": self.meta["bpe"],
            "bpe_model": model_name,
            "subword_tagging": {
                "from": os.path.abspath(self.data_bin),
                "dictionary": os.path.basename(self.dict_path),  # of "from", copied as dict.subword.txt
                "streams": "{split}.subword: the pieces of every word; {split}.pieces: pieces per word; "
                           "{split}.tag: one tag per word",
                "pieces_per_word": {"mean": round(sum(n * c for n, c in piece_counts.items()) / max(words, 1), 4),
                                    "max": max(piece_counts, default=0),
                                    "histogram": {str(n): c for n, c in sorted(piece_counts.items())}},
                "unsplit_words": unsplit,
            },
        }


def write_counts(prefix: str, rows: Sequence[Sequence[int]]):
    """Binarise rows of integers as ``prefix.{bin,idx}`` (fairseq mmap, no dictionary; read back with
    ``data_utils.load_indexed_dataset(prefix, None)``)."""
    import torch
    from fairseq.data import indexed_dataset

    largest = max((n for row in rows for n in row), default=0)
    builder = indexed_dataset.make_builder(f"{prefix}.bin", impl="mmap", vocab_size=largest + 1)
    for row in rows:
        builder.add_item(torch.tensor(row, dtype=torch.int64))
    builder.finalize(f"{prefix}.idx")
