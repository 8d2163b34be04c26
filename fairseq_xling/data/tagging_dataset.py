"""Tagged sentences (words, their characters, tags) collated for sequence labelling objectives.

Reads the three aligned streams that preprocess/conll.sh binarises: item i of ``words``, ``chars`` and
``tags`` is sentence i; a char item holds each word's characters followed by the separator ``<w>``, the
last word's by ``</s>``. Data binarised with ``conll.sh --subword-from`` holds the words' sub-words, the number of
sub-words of each word and the tags instead (:class:`SubwordTaggingDataset`): the encoder reads the sub-words,
the tag head pools them back to words (``word_index``) and tags the words.
"""
import numpy as np
import torch
from fairseq.data import data_utils

from fairseq_xling.data.parallel_dataset import collate_side, strip_eos
from fairseq_xling.data.sized_dataset import SizedDataset
from fairseq_xling.modules.word_pooling import word_index_from_counts
from fairseq_xling.text.conll import WORD_SEPARATOR, split_words


def collate_tagged(samples, word_pad: int, char_pad: int, lang: str, head: str, with_tags: bool = True) -> dict:
    """Items with ``words`` (T ids), ``chars`` (T tensors of char ids) and ``tags`` (T ids) -> a batch for the
    model's tag head ``head``; ``target`` holds the tags with -100 at padding (the ignore index of stock
    criteria), and so does ``net_input["tags"]`` (the head's NLL) unless ``with_tags`` is False (prediction)."""
    net_input = collate_side([s["words"] for s in samples], word_pad, lang)
    batch, length = net_input["src_tokens"].shape
    width = max(len(c) for s in samples for c in s["chars"])
    chars = torch.full((batch, length, width), char_pad, dtype=torch.long)  # B x T x C
    for b, s in enumerate(samples):
        for t, word in enumerate(s["chars"]):
            chars[b, t, : len(word)] = word
    tags = data_utils.collate_tokens([s["tags"] for s in samples], -100, left_pad=False)  # B x T
    net_input.update(src_chars=chars, head=head)
    if with_tags:
        net_input["tags"] = tags
    return {
        "id": torch.tensor([s["id"] for s in samples]),
        "nsentences": len(samples),
        "ntokens": int(net_input["src_lengths"].sum()),
        "net_input": net_input,
        "target": tags,
        "tag_mask": ~net_input["src_tokens"].eq(word_pad),  # B x T, True = word
    }


class TaggingDataset(SizedDataset):
    """Args:
        words, chars, tags: indexed datasets of one split.
        lang: language code; head: the model's tag head (one per tagging task: ner, pos, ...).
        word_dict, char_dict, tag_dict: their dictionaries. Tag ids are returned as 0..K-1 (the dictionary's
            index minus its special symbols), the layout of the CRF.
    """

    def __init__(self, words, chars, tags, lang, head, word_dict, char_dict, tag_dict):
        if not len(words) == len(chars) == len(tags):
            raise ValueError(f"{head} [{lang}]: {len(words)} word, {len(chars)} char and {len(tags)} tag lines")
        self.words, self.chars, self.tags = words, chars, tags
        self.lang, self.head = lang, head
        self.word_dict, self.char_dict, self.tag_dict = word_dict, char_dict, tag_dict
        self.separator = char_dict.index(WORD_SEPARATOR)
        self.sizes = np.maximum(np.asarray(words.sizes) - 1, 0)

    def __len__(self):
        return len(self.words)

    def __getitem__(self, index):
        words = strip_eos(self.words[index], self.word_dict.eos())
        tags = strip_eos(self.tags[index], self.tag_dict.eos()) - self.tag_dict.nspecial
        chars = self.chars[index].tolist()  # the layout conll.sh writes: split back as it defines
        word_chars = [torch.tensor(w, dtype=torch.long)
                      for w in split_words(chars, self.separator, self.char_dict.eos())]
        if not len(words) == len(tags) == len(word_chars):
            raise ValueError(f"{self.head} [{self.lang}] sentence {index}: {len(words)} words, {len(tags)} tags "
                             f"and {len(word_chars)} char groups (binarise with preprocess/conll.sh)")
        return {"id": index, "words": words, "chars": word_chars, "tags": tags}

    def collater(self, samples):
        if not samples:
            return {}
        return collate_tagged(samples, self.word_dict.pad(), self.char_dict.pad(), self.lang, self.head)


def collate_subword_tagged(samples, pad: int, lang: str, head: str, with_tags: bool = True) -> dict:
    """Items with ``subwords`` (S ids), ``word_index`` (S: the word of each sub-word) and ``tags`` (W ids) -> a
    batch for tag head ``head``: ``src_tokens`` are the sub-words (B x S), ``word_index`` B x S (-1 at padding)
    tells the head which word each sub-word belongs to; ``target``, ``net_input["tags"]`` (unless ``with_tags``
    is False) and ``tag_mask`` are per word (B x W), as in :func:`collate_tagged`."""
    net_input = collate_side([s["subwords"] for s in samples], pad, lang)
    word_index = data_utils.collate_tokens([s["word_index"] for s in samples], -1, left_pad=False)  # B x S
    tags = data_utils.collate_tokens([s["tags"] for s in samples], -100, left_pad=False)  # B x W
    num_words = torch.tensor([len(s["tags"]) for s in samples])  # B
    net_input.update(word_index=word_index, head=head)
    if with_tags:
        net_input["tags"] = tags
    return {
        "id": torch.tensor([s["id"] for s in samples]),
        "nsentences": len(samples),
        "ntokens": int(net_input["src_lengths"].sum()),
        "net_input": net_input,
        "target": tags,
        "tag_mask": torch.arange(tags.size(1)) < num_words.unsqueeze(1),  # B x W, True = word
    }


class SubwordTaggingDataset(SizedDataset):
    """Args:
        subwords, pieces, tags: indexed datasets of one split (``conll.sh --subword-from``): the sub-words of each
            sentence, the number of sub-words of each word (no dictionary), one tag per word.
        lang, head: as :class:`TaggingDataset`; subword_dict, tag_dict: the dictionaries of ``subwords`` (the
            sub-word data-bin's) and ``tags``. ``where``: the data's path prefix, for error messages.
    """

    def __init__(self, subwords, pieces, tags, lang, head, subword_dict, tag_dict, where: str = ""):
        if not len(subwords) == len(pieces) == len(tags):
            raise ValueError(f"{where}: {len(subwords)} sub-word, {len(pieces)} pieces and {len(tags)} tag lines "
                             f"(binarise with preprocess/conll.sh --subword-from)")
        self.subwords, self.pieces, self.tags = subwords, pieces, tags
        self.lang, self.head, self.where = lang, head, where
        self.subword_dict, self.tag_dict = subword_dict, tag_dict
        self.sizes = np.maximum(np.asarray(subwords.sizes) - 1, 0)  # sub-words: what the encoder reads

    def __len__(self):
        return len(self.subwords)

    def __getitem__(self, index):
        subwords = strip_eos(self.subwords[index], self.subword_dict.eos())
        counts = self.pieces[index].long()  # W
        tags = strip_eos(self.tags[index], self.tag_dict.eos()) - self.tag_dict.nspecial
        if len(counts) != len(tags) or int(counts.sum()) != len(subwords) or (len(counts) and counts.min() < 1):
            raise ValueError(f"{self.where} sentence {index}: {len(subwords)} sub-words, {len(tags)} tags and piece "
                             f"counts {counts.tolist()}; expected one count >= 1 per tag, summing to the sub-words "
                             f"(binarise with preprocess/conll.sh --subword-from)")
        return {"id": index, "subwords": subwords, "word_index": word_index_from_counts(counts), "tags": tags}

    def collater(self, samples):
        if not samples:
            return {}
        return collate_subword_tagged(samples, self.subword_dict.pad(), self.lang, self.head)
