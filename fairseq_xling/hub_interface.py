"""Load a fairseq_xling checkpoint and extract sentence and word features from raw text.

In the style of fairseq's RobertaHubInterface: ``XlingHubInterface.from_pretrained(dir, checkpoint_file=...,
data_name_or_path=data_bin)`` then ``hub.encode(sentences, lang="de")``. Sentences are tokenised the way
the training data was (``preprocess.json`` in the data-bin), mapped with the training dictionaries, sorted by
length and batched; vectors come back in input order and equal the model's own forward pass in eval mode.
"""
import os
from typing import List, Optional

import numpy as np
import torch
import torch.nn as nn
from tqdm import tqdm

from fairseq_xling.data.parallel_dataset import collate_side


class XlingHubInterface(nn.Module):
    """Args:
        cfg: the checkpoint's config; task: the set-up task (dictionaries); model: the loaded model.
    """

    def __init__(self, cfg, task, model, max_sentences: int = 128, max_tokens: int = 8000):
        super().__init__()
        self.cfg, self.task, self.model = cfg, task, model
        self.model.eval()
        self.max_sentences, self.max_tokens = max_sentences, max_tokens
        self._tokenizers = {}

    @classmethod
    def from_pretrained(cls, model_name_or_path: str, checkpoint_file: str = "checkpoint_best.pt",
                        data_name_or_path: Optional[str] = None, **kwargs):
        import fairseq_xling  # noqa: F401  (registers our components and the torch safe global)
        from fairseq import checkpoint_utils

        overrides = {}
        if data_name_or_path is not None:
            overrides["data"] = os.path.abspath(data_name_or_path)
        path = os.path.join(model_name_or_path, checkpoint_file)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no checkpoint {path}")
        models, cfg, task = checkpoint_utils.load_model_ensemble_and_task([path], arg_overrides=overrides)
        return cls(cfg, task, models[0], **kwargs)

    @property
    def data_dir(self) -> str:
        return self.task.cfg.data

    @property
    def device(self):
        return next(self.model.parameters()).device

    def tokenize(self, sentence: str, lang: str) -> str:
        if lang not in self._tokenizers:
            from fairseq_xling.text.tokenize import load_tokenizer

            self._tokenizers[lang] = load_tokenizer(self.data_dir, lang)
        return self._tokenizers[lang](sentence)

    def binarize(self, sentences: List[str], lang: str, tokenized: bool = False) -> List[torch.Tensor]:
        if lang not in self.task.vocab.dicts:
            raise ValueError(f"the model knows no language {lang!r}; it has {', '.join(self.task.vocab.langs)}")
        dictionary = self.task.vocab.dicts[lang]
        index, unk = dictionary.indices, dictionary.unk()
        out = []
        for i, sentence in enumerate(sentences):
            line = sentence if tokenized else self.tokenize(sentence, lang)
            # what Dictionary.encode_line(append_eos=False) gives, without its per-token tensor writes
            ids = torch.tensor([index.get(word, unk) for word in line.split()], dtype=torch.long)
            if len(ids) == 0:
                raise ValueError(f"sentence {i} ({sentence!r}) is empty after tokenisation")
            out.append(ids)
        return out

    def batches(self, tokens: List[torch.Tensor]):
        """Index lists of length-sorted batches within max_sentences / max_tokens."""
        lengths = [len(t) for t in tokens]
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

    @torch.no_grad()
    def _run(self, sentences, lang, tokenized, progress):
        tokens = self.binarize(sentences, lang, tokenized)
        pad = self.task.vocab.pad(lang)
        batches = list(self.batches(tokens))
        for batch in tqdm(batches, desc=f"encode {lang}", disable=not progress, unit="batch"):
            net_input = collate_side([tokens[i] for i in batch], pad, lang)
            net_input = {k: v.to(self.device) if torch.is_tensor(v) else v for k, v in net_input.items()}
            yield batch, self.model(**net_input)

    def encode(self, sentences: List[str], lang: str, tokenized: bool = False, progress: bool = False) -> np.ndarray:
        """Sentence embeddings, float32 N x D, in input order."""
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
        vectors = self.model.word_vectors(lang, len(dictionary)).float().cpu().numpy()
        write_word2vec_text(path, dictionary.symbols[dictionary.nspecial:], vectors[dictionary.nspecial:])
        return len(dictionary) - dictionary.nspecial

    @torch.no_grad()
    def tag(self, sentences: List[List[str]], lang: str, task: Optional[str] = None,
            progress: bool = False) -> List[List[str]]:
        """Tags of pre-tokenised sentences from a tagging model (``xling_char_cnn_tagger``), as the model's tag
        strings (its training scheme, e.g. BIOES). ``task`` picks the head (ner, pos); default: the only one."""
        from fairseq_xling.data.objectives.tagging import conll_meta
        from fairseq_xling.data.tagging_dataset import collate_tagged
        from fairseq_xling.text.conll import fairseq_token

        heads = getattr(self.model, "tag_names", None)
        if not heads:
            raise ValueError("this checkpoint is not a tagging model (xling_char_cnn_tagger)")
        task = task or (next(iter(heads)) if len(heads) == 1 else None)
        if task not in heads:
            raise ValueError(f"task={task!r}: the model tags {', '.join(heads)}")
        if lang not in self.task.vocabs["word"].dicts:
            raise ValueError(f"the model knows no language {lang!r}; it has {', '.join(self.task.vocabs['word'].langs)}")
        words, chars = self.task.vocabs["word"].dicts[lang], self.task.vocabs["char"].dicts[lang]
        source = next(o for o in self.task.objectives if o.type == "tagging" and o.langs == [lang])
        lowercase = conll_meta(self.task.objective_data_dir(source)).get("lowercase", False)
        items = []
        for i, tokens in enumerate(sentences):
            if not tokens:
                raise ValueError(f"sentence {i} has no tokens")
            tokens = [fairseq_token(t) for t in tokens]
            items.append({"id": i, "words": torch.tensor([words.index(t.lower() if lowercase else t) for t in tokens]),
                          "chars": [torch.tensor([chars.index(c) for c in t]) for t in tokens],
                          "tags": torch.zeros(len(tokens), dtype=torch.long)})
        out = [None] * len(sentences)
        batches = list(self.batches([item["words"] for item in items]))
        for batch in tqdm(batches, desc=f"tag {lang}", disable=not progress, unit="batch"):
            sample = collate_tagged([items[i] for i in batch], words.pad(), chars.pad(), lang, task)
            net_input = {k: v.to(self.device) if torch.is_tensor(v) else v for k, v in sample["net_input"].items()}
            mask = sample["tag_mask"].to(self.device)
            paths = self.model.decode(self.model(**net_input)["emissions"].float(), mask, task)  # B x T
            for row, i in enumerate(batch):
                out[i] = [heads[task][t] for t in paths[row][mask[row]].tolist()]
        return out

    def extract_features(self, sentences: List[str], lang: str, tokenized: bool = False,
                         progress: bool = False) -> List[np.ndarray]:
        """Contextual word features: one T_i x D array per sentence (T_i = its tokens after tokenisation)."""
        out = [None] * len(sentences)
        for batch, result in self._run(sentences, lang, tokenized, progress):
            keep = ~result["pad_mask"]  # b x T
            for row, i in enumerate(batch):
                out[i] = result["token_features"][row][keep[row]].float().cpu().numpy()
        return out
