"""Load a fairseq_xling checkpoint and extract sentence and word features from raw text.

In the style of fairseq's RobertaHubInterface: ``XlingHubInterface.from_pretrained(dir, checkpoint_file=...)``
then ``hub.encode(sentences, lang="de")``. The checkpoint carries everything needed (dictionaries, tokenizer,
sub-word model): the training data-bins are not read. Sentences are tokenised the way the training data was,
mapped with the training dictionaries, sorted by length and batched; vectors come back in input order and
equal the model's own forward pass in eval mode.
"""
import logging
import os
from itertools import chain, repeat
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from tqdm import tqdm

from fairseq_xling.data.objectives.tagging import TAG_HEAD_PREFIX, tagging_head
from fairseq_xling.errors import UserError
from fairseq_xling.models.heads import TaggingHead

logger = logging.getLogger(__name__)


def sentence_list(sentences, method: str) -> List[str]:
    """``sentences`` as a list of strings. One string is refused: iterated, it would be one sentence per
    character, and the result would look right in shape and be wrong."""
    if isinstance(sentences, (str, bytes)):
        raise UserError(f"{method}: expected a list of sentences, got one string ({sentences[:40]!r}); "
                        f"pass [{sentences[:40]!r}]")
    sentences = list(sentences)
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, str):
            raise UserError(f"{method}: sentence {i} is a {type(sentence).__name__}, expected a string")
    return sentences


def token_lists(sentences, method: str) -> List[List[str]]:
    """``sentences`` as lists of non-empty tokens (pre-tokenised input); strings are refused for the same reason
    as in :func:`sentence_list`."""
    if not isinstance(sentences, (str, bytes)):
        sentences = list(sentences)  # a generator is read once
    if isinstance(sentences, (str, bytes)) or any(isinstance(s, (str, bytes)) for s in sentences):
        raise UserError(f"{method}: expected a list of tokenised sentences (lists of tokens, e.g. "
                        f"[['Jan', 'komt']]), got strings")
    out = []
    for i, tokens in enumerate(sentences):
        tokens = list(tokens)
        if not tokens:
            raise UserError(f"{method}: sentence {i} has no tokens")
        for j, token in enumerate(tokens):
            if not isinstance(token, str) or not token.strip():
                raise UserError(f"{method}: sentence {i}, token {j} ({token!r}): expected a non-empty string")
        out.append(tokens)
    return out


class XlingHubInterface(nn.Module):
    """Args:
        cfg: the checkpoint's config; task: the set-up task (dictionaries); model: the loaded model.
    """

    def __init__(self, cfg, task, model, max_sentences: int = 128, max_tokens: int = 8000):
        super().__init__()
        self.cfg, self.task, self.model = cfg, task, model
        self.model.eval()
        self.max_sentences, self.max_tokens = max_sentences, max_tokens

    @classmethod
    def from_pretrained(cls, model_name_or_path: str, checkpoint_file: str = "checkpoint_best.pt", **kwargs):
        """Load ``model_name_or_path/checkpoint_file``. ValueError when it is not a fairseq_xling checkpoint."""
        import fairseq_xling  # noqa: F401  (registers our components and the torch safe global)
        from fairseq import tasks

        from fairseq_xling.models.xling_model import XlingModel, load_checkpoint

        path = os.path.join(model_name_or_path, checkpoint_file)
        state = load_checkpoint(path)
        cfg = state["cfg"]
        task = tasks.setup_task(cfg.task, from_checkpoint=True)
        task.load_state_dict(state["task_state"])
        model = task.build_model(cfg.model, from_checkpoint=True)
        if not isinstance(model, XlingModel):
            raise ValueError(f"{path}: a {type(model).__name__} checkpoint; the hub reads fairseq_xling models")
        model.load_state_dict(state["model"], strict=True)
        model.encoder_cache = None  # a training option (--frozen-encoder-cache-gb): the hub's text is any text
        return cls(cfg, task, model, **kwargs)

    @property
    def device(self):
        return next(self.model.parameters()).device

    def reading_lang(self, lang: str) -> str:
        """The language whose dictionary and text pipeline read text of ``lang``: ``lang`` itself, or, when the
        model never saw ``lang`` but its languages share one vocabulary (joined sub-words), its first language, so
        that a model fine-tuned on English reads German (zero-shot transfer)."""
        vocab = self.task.vocab
        if lang in vocab.dicts:
            return lang
        if vocab.joined:
            return vocab.langs[0]
        raise ValueError(f"the model knows no language {lang!r}; it has {', '.join(vocab.langs)}")

    def tokenize(self, sentence: str, lang: str) -> str:
        """Raw text -> the space-separated tokens (words or sub-words) the model reads."""
        return self.task.text_encoder(self.reading_lang(lang))(sentence)

    def _token_ids(self, sentences: List[str], lang: str, tokenized: bool, numbers: Optional[List[int]] = None):
        """Token ids of the sentences, concatenated, and each sentence's length (one dictionary look-up per
        token and no per-sentence tensor). ``numbers``: the sentences' numbers in error messages."""
        lang = self.reading_lang(lang)
        dictionary = self.task.vocab.dicts[lang]
        split = str.split if tokenized else self.task.text_encoder(lang).tokens
        tokens = [split(sentence) for sentence in sentences]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        if not lengths.all():
            i = int(np.argmin(lengths))
            raise ValueError(f"sentence {i if numbers is None else numbers[i]} ({sentences[i]!r}) is empty after "
                             f"tokenisation")
        flat = list(chain.from_iterable(tokens))
        ids = np.fromiter(map(dictionary.indices.get, flat, repeat(dictionary.unk(), len(flat))), dtype=np.int64,
                          count=len(flat))
        return ids, lengths, tokens

    def binarize(self, sentences: List[str], lang: str, tokenized: bool = False) -> List[np.ndarray]:
        """Token ids of each sentence: what ``Dictionary.encode_line(append_eos=False)`` gives."""
        ids, lengths, _ = self._token_ids(sentences, lang, tokenized)
        return np.split(ids, np.cumsum(lengths)[:-1])

    def collate(self, sentences: List[str], lang: str, tokenized: bool = False,
                numbers: Optional[List[int]] = None) -> dict:
        """A right-padded batch of the sentences: the model's ``net_input``, on the model's device. Encoders that
        embed words their dictionary lacks from the words' text (hashed n-grams) also get ``src_words``."""
        lang = self.reading_lang(lang)
        ids, lengths, words = self._token_ids(sentences, lang, tokenized, numbers)
        tokens = np.full((len(lengths), lengths.max()), self.task.vocab.pad(lang), dtype=np.int64)  # B x T
        tokens[np.arange(tokens.shape[1]) < lengths[:, None]] = ids  # row by row, as ids are laid out
        net_input = {"src_tokens": torch.from_numpy(tokens).to(self.device),
                     "src_lengths": torch.from_numpy(lengths), "src_lang": lang}
        if "src_words" in self.model.encoder.extra_inputs:
            net_input["src_words"] = words
        return net_input

    def batches(self, lengths: List[int]):
        """Index lists of length-sorted batches within max_sentences / max_tokens."""
        order = np.argsort(lengths, kind="stable")
        batch, longest = [], 0
        for i in order:
            longest_if = max(longest, lengths[i])
            if batch and (len(batch) == self.max_sentences or longest_if * (len(batch) + 1) > self.max_tokens):
                yield batch
                batch, longest_if = [], lengths[i]
            batch.append(int(i))
            longest = longest_if
        if batch:
            yield batch

    def plan(self, sentences: List[str]) -> List[List[int]]:
        """The batches :meth:`encode` runs: sentences sorted by their number of spaces + 1, an estimate of their
        length that costs no tokenisation (padding does not change the outputs, so any grouping gives the same
        vectors; similar lengths keep padding small)."""
        return list(self.batches([sentence.count(" ") + 1 for sentence in sentences]))

    @torch.no_grad()
    def _run(self, sentences, lang, tokenized, progress, chunk: int = 32):
        """(batch, model output) for every batch of the plan. Batches are collated ``chunk`` at a time and then
        run back to back: interleaving Python work with each forward pass lets torch's worker threads go idle
        between batches, which cost more than the collation itself (2 threads, 128-d Sent-LSTM)."""
        batches = self.plan(sentences)
        with tqdm(total=len(batches), desc=f"encode {lang}", disable=not progress, unit="batch") as bar:
            for start in range(0, len(batches), chunk):
                group = batches[start: start + chunk]
                inputs = [self.collate([sentences[i] for i in b], lang, tokenized, numbers=b) for b in group]
                for batch, net_input in zip(group, inputs):
                    yield batch, self.model(**net_input)
                    bar.update()

    @property
    def tag_heads(self) -> Dict[str, List[str]]:
        """Tagging task (ner, pos, ...) -> its tag strings, for a model with tagging heads."""
        return {name[len(TAG_HEAD_PREFIX):]: head.tags for name, head in self.model.heads.items()
                if isinstance(head, TaggingHead)}

    def tag_scheme(self, task: str) -> str:
        return self.model.heads[tagging_head(task)].scheme

    def encode(self, sentences: List[str], lang: str, tokenized: bool = False, progress: bool = False) -> np.ndarray:
        """Sentence embeddings, float32 N x D, in input order."""
        sentences = sentence_list(sentences, "encode")
        out = None
        for batch, result in self._run(sentences, lang, tokenized, progress):
            emb = result["sentence_emb"].float().cpu().numpy()  # b x D
            if out is None:
                out = np.zeros((len(sentences), emb.shape[1]), dtype=np.float32)
            out[batch] = emb
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)

    @torch.no_grad()
    def save_word_vectors(self, path: str, lang: str) -> int:
        """Write language ``lang``'s word embeddings in word2vec text format (special symbols left out);
        returns how many. For example JMT's skip-gram-trained vectors, to initialise a tagger."""
        from fairseq_xling.text.word_vectors import write_word2vec_text

        dictionary = self.task.vocab.dicts[lang]
        vectors = self.model.word_vectors(lang).float().cpu().numpy()
        write_word2vec_text(path, dictionary.symbols[dictionary.nspecial:], vectors[dictionary.nspecial:])
        return len(dictionary) - dictionary.nspecial

    @torch.no_grad()
    def tag(self, sentences: List[List[str]], lang: str, task: Optional[str] = None,
            progress: bool = False) -> List[List[str]]:
        """Tags of pre-tokenised sentences from a model with tagging heads, as the model's tag strings (its
        training scheme, e.g. BIOES). ``task`` picks the head (ner, pos); default: the only one. A head trained on
        sub-words (``conll.sh --subword-from``) gets each word split into the checkpoint's sub-words and gives one
        tag per word all the same."""
        from fairseq_xling.data.tagging_dataset import collate_subword_tagged, collate_tagged

        sentences = token_lists(sentences, "tag")
        heads = self.tag_heads
        if not heads:
            raise ValueError("this checkpoint has no tagging head (train it with a tagging objective)")
        task = task or (next(iter(heads)) if len(heads) == 1 else None)
        if task not in heads:
            raise ValueError(f"task={task!r}: the model tags {', '.join(heads)}")
        requested, lang = lang, self.reading_lang(lang)  # the bar shows the language asked for
        head = tagging_head(task)
        words = self.task.vocabs["word"].dicts[lang]
        owners = range(len(sentences))  # the sentence of each item
        if self.model.heads[head].subwords:
            items, owners = self._subword_tag_items(sentences, lang, self.model.encoder.max_input_tokens)
            lengths = [len(item["subwords"]) for item in items]

            def collate(batch):
                return collate_subword_tagged(batch, words.pad(), lang, head, with_tags=False)
        else:
            items = self._word_tag_items(sentences, lang)
            lengths = [len(item["words"]) for item in items]
            chars = self.task.vocabs["char"].dicts[lang]

            def collate(batch):
                return collate_tagged(batch, words.pad(), chars.pad(), lang, head, with_tags=False)
        tags = [None] * len(items)
        for batch in tqdm(list(self.batches(lengths)), desc=f"tag {requested}", disable=not progress, unit="batch"):
            sample = collate([items[i] for i in batch])
            net_input = {k: v.to(self.device) if torch.is_tensor(v) else v for k, v in sample["net_input"].items()}
            mask = sample["tag_mask"].to(self.device)
            paths = self.model(**net_input)["predictions"]  # B x T (words)
            for row, i in enumerate(batch):
                tags[i] = [heads[task][t] for t in paths[row][mask[row]].tolist()]
        out = [[] for _ in sentences]
        for owner, item_tags in zip(owners, tags):  # a sentence's windows are consecutive items, in order
            out[owner].extend(item_tags)
        return out

    def _word_tag_items(self, sentences: List[List[str]], lang: str) -> List[dict]:
        """The items of :func:`~fairseq_xling.data.tagging_dataset.collate_tagged`: word and character ids."""
        from fairseq_xling.text.conll import fairseq_token

        if "char" not in self.task.vocabs or lang not in self.task.vocabs["char"].dicts:
            raise ValueError(f"the model has no character vocabulary for {lang!r}")
        words, chars = self.task.vocabs["word"].dicts[lang], self.task.vocabs["char"].dicts[lang]
        lowercase = self.task.text_encoder(lang).lowercase
        items = []
        for i, tokens in enumerate(sentences):
            tokens = [fairseq_token(t) for t in tokens]
            items.append({"id": i, "words": torch.tensor([words.index(t.lower() if lowercase else t) for t in tokens]),
                          "chars": [torch.tensor([chars.index(c) for c in t]) for t in tokens],
                          "tags": torch.zeros(len(tokens), dtype=torch.long)})
        return items

    def _subword_tag_items(self, sentences: List[List[str]], lang: str,
                           limit: Optional[int] = None) -> Tuple[List[dict], List[int]]:
        """The items of :func:`~fairseq_xling.data.tagging_dataset.collate_subword_tagged`: each word split on its
        own by the checkpoint's sub-word model (lowercased first if the data was), as conll.sh split it; and the
        sentence of each item. A sentence of more than ``limit`` sub-words (what the encoder takes) is tagged in
        consecutive windows of whole words of at most ``limit`` sub-words (a single longer word keeps its first
        ``limit``), each read on its own, and a warning says how many sentences were."""
        from fairseq_xling.modules.word_pooling import word_index_from_counts, word_windows
        from fairseq_xling.text.conll import fairseq_token

        encoder = self.task.text_encoder(lang)
        if encoder.bpe is None:
            raise ValueError(f"the checkpoint carries no sub-word model for {lang!r}, but its tag head reads "
                             f"sub-words")
        dictionary = self.task.vocabs["word"].dicts[lang]
        pieces: Dict[str, List[int]] = {}  # word -> its piece ids
        items, owners, windowed = [], [], 0
        for i, tokens in enumerate(sentences):
            ids = []
            for token in map(fairseq_token, tokens):
                if token not in pieces:
                    split = encoder.bpe.encode(token.lower() if encoder.lowercase else token).split()
                    pieces[token] = [dictionary.index(p) for p in split] or [dictionary.unk()]
                ids.append(pieces[token])
            windows = word_windows([len(word) for word in ids], limit)
            windowed += len(windows) > 1 or any(len(word) > (limit or len(word)) for word in ids)
            for begin, end in windows:
                words = [word[:limit] if limit else word for word in ids[begin:end]]
                items.append({"id": len(items), "subwords": torch.tensor([p for word in words for p in word]),
                              "word_index": word_index_from_counts(torch.tensor([len(word) for word in words])),
                              "tags": torch.zeros(len(words), dtype=torch.long)})
                owners.append(i)
        if windowed:
            logger.warning(f"{windowed} of {len(sentences)} sentences have more sub-words than the encoder takes "
                           f"({limit}): tagged in windows of whole words")
        return items, owners

    @property
    def nli_classes(self) -> List[str]:
        """The class names of the model's NLI head (trained with an ``nli`` objective), in its output order."""
        from fairseq_xling.data.objectives.nli import NliDataset

        names = [meta["classes"] for meta in self.task.data_meta.values() if "classes" in meta]
        if NliDataset.head not in self.model.heads or not names:
            raise UserError("the model has no NLI head (train or fine-tune it with an nli objective)")
        return list(names[0])

    @torch.no_grad()
    def classify(self, premises: List[str], hypotheses: List[str], lang: str, tokenized: bool = False,
                 progress: bool = False) -> List[str]:
        """The NLI head's class of each (premise, hypothesis) pair: ``joint=true`` heads read the pair as one input,
        premise </s> hypothesis, as trained; the others read the two sentences' encodings."""
        from fairseq_xling.data.objectives.nli import NliDataset
        from fairseq_xling.models.heads import JointClassificationHead

        premises, hypotheses = sentence_list(premises, "classify"), sentence_list(hypotheses, "classify")
        if len(premises) != len(hypotheses):
            raise UserError(f"classify: {len(premises)} premises but {len(hypotheses)} hypotheses")
        classes, head = self.nli_classes, NliDataset.head
        joint = isinstance(self.model.heads[head], JointClassificationHead)
        if not tokenized:
            premises = [self.tokenize(s, lang) for s in premises]
            hypotheses = [self.tokenize(s, lang) for s in hypotheses]
        lengths = [p.count(" ") + h.count(" ") + 2 for p, h in zip(premises, hypotheses)]
        out = [None] * len(premises)
        for batch in tqdm(list(self.batches(lengths)), desc=f"classify {lang}", disable=not progress, unit="batch"):
            if joint:  # the sentence end separates the two, as JointNliDataset joins them
                eos = self.task.vocab.dicts[self.reading_lang(lang)].eos_word
                pairs = [f"{premises[i]} {eos} {hypotheses[i]}" for i in batch]
                logits = self.model(**self.collate(pairs, lang, tokenized=True, numbers=batch), head=head)["logits"]
            else:
                first = self.collate([premises[i] for i in batch], lang, tokenized=True, numbers=batch)
                second = self.collate([hypotheses[i] for i in batch], lang, tokenized=True, numbers=batch)
                logits = self.model(head=head, first=first, second=second)["logits"]
            for i, k in zip(batch, logits.argmax(-1).tolist()):
                out[i] = classes[k]
        return out

    @torch.no_grad()
    def translate(self, sentences: List[str], src: str, tgt: str, beam: int = 5, tokenized: bool = False,
                  max_len_a: float = 0.0, max_len_b: int = 200, progress: bool = False) -> List[str]:
        """Translations of ``sentences`` (language ``src``) into ``tgt`` by a model with a decoder, through fairseq's
        own beam search (SequenceGenerator, the one fairseq-generate runs; its defaults for the length limit
        max_len_a * source length + max_len_b). The output is post-processed as the training data was made: the
        sub-words joined, then Moses-detokenised when the data was Moses-tokenised (``tokenized=True``: the input
        is the model's tokens and the output too)."""
        from fairseq.sequence_generator import SequenceGenerator

        sentences = sentence_list(sentences, "translate")
        if self.model.decoder is None:
            raise ValueError("this checkpoint has no decoder: translating needs a model trained with a translation "
                             "objective (e.g. --arch xling_laser_lstm)")
        if tgt not in self.model.decoder.langs:
            raise ValueError(f"the decoder writes {', '.join(self.model.decoder.langs)}; asked for tgt={tgt!r}")
        dictionary = self.model.decoder.dictionary
        generator = SequenceGenerator([self.model], dictionary, beam_size=beam, max_len_a=max_len_a,
                                      max_len_b=max_len_b)
        out = [None] * len(sentences)
        for batch in tqdm(self.plan(sentences), desc=f"translate {src}-{tgt}", disable=not progress, unit="batch"):
            net_input = dict(self.collate([sentences[i] for i in batch], src, tokenized, numbers=batch), tgt_lang=tgt)
            for i, hypos in zip(batch, generator.forward({"net_input": net_input})):
                text = dictionary.string(hypos[0]["tokens"])  # the best hypothesis, without </s>
                out[i] = text if tokenized else self.task.text_encoder(tgt).decode(text)
        return out

    @torch.no_grad()
    def extract_word_features(self, sentences: List[List[str]], lang: str, pool: str = "max",
                              progress: bool = False) -> List[List[np.ndarray]]:
        """Every encoder layer's states per word of pre-tokenised sentences: for each sentence a list of W_i x D_l
        arrays, embeddings first. An encoder that reads sub-words gets each word split into the checkpoint's
        sub-words (as ``tag`` does) and a word's vector is ``pool`` (first, mean or max) over its sub-words' states
        (van der Heijden et al. 2020 max-pool; ``modules/word_features.py`` builds tagger features from these)."""
        from fairseq_xling.data.tagging_dataset import collate_subword_tagged
        from fairseq_xling.modules.word_pooling import POOLINGS, pool_words

        if pool not in POOLINGS:
            raise ValueError(f"pool={pool!r}: expected one of {', '.join(POOLINGS)}")
        sentences = token_lists(sentences, "extract_word_features")
        lang = self.reading_lang(lang)
        if self.task.text_encoder(lang).bpe is None:  # the encoder's tokens are the words
            return self.extract_features([" ".join(s) for s in sentences], lang, tokenized=True, progress=progress,
                                         all_layers=True)
        items, owners = self._subword_tag_items(sentences, lang, self.model.encoder.max_input_tokens)
        pad = self.task.vocabs["word"].dicts[lang].pad()
        parts: List[List[List[np.ndarray]]] = [[] for _ in sentences]  # a sentence's windows, in order
        batches = list(self.batches([len(item["subwords"]) for item in items]))
        for batch in tqdm(batches, desc=f"word features {lang}", disable=not progress, unit="batch"):
            net_input = collate_subword_tagged([items[i] for i in batch], pad, lang, head="", with_tags=False)
            net_input = {k: v.to(self.device) if torch.is_tensor(v) else v for k, v in net_input["net_input"].items()}
            word_index = net_input.pop("word_index")
            result = self.model.encoder(net_input["src_tokens"], net_input["src_lengths"], lang)
            pooled = [pool_words(layer, word_index, pool) for layer in result["layers"]]  # (B x W x C, B x W)
            for row, i in enumerate(batch):
                keep = ~pooled[0][1][row]
                parts[owners[i]].append([words[row][keep].float().cpu().numpy() for words, _ in pooled])
        return [[np.concatenate([window[layer] for window in windows]) for layer in range(len(windows[0]))]
                if windows else [] for windows in parts]

    def extract_features(self, sentences: List[str], lang: str, tokenized: bool = False, progress: bool = False,
                         all_layers: bool = False) -> List[np.ndarray]:
        """Contextual token features per sentence: a T_i x D array of the top layer, or with ``all_layers`` a list
        of one T_i x D_l array per encoder layer, embeddings first (T_i = its tokens or sub-words)."""
        sentences = sentence_list(sentences, "extract_features")
        out = [None] * len(sentences)
        for batch, result in self._run(sentences, lang, tokenized, progress):
            keep = ~result["pad_mask"]  # b x T
            for row, i in enumerate(batch):
                if all_layers:
                    out[i] = [layer[row][keep[row]].float().cpu().numpy() for layer in result["layers"]]
                else:
                    out[i] = result["token_features"][row][keep[row]].float().cpu().numpy()
        return out
