"""Multi-lingual multi-task sequence labeller of Lin et al. (2018).

word embedding + CharCNN character features -> highway layers -> shared BiLSTM -> dropout -> per tagging task:
a linear layer shared across languages, plus (optionally) a language-specific linear layer mixed in by a gate,
y = g * y_lang + (1 - g) * y_shared with g = sigmoid(W h + b), then a CRF per task (or a softmax).
Every tagging objective of xling_multitask (``tagging:nl:task=ner``, ...) gets its task's head and its
language's layer, so the paper's settings come from the objective mix: one objective = the mono-lingual
single-task baseline; ner_nl + pos_nl = cross-task; ner_nl + ner_es = cross-lingual; all = the full model.
Word, character and tag ids of each language are slices of shared tables (MultilingualVocab).
"""
import logging
from dataclasses import dataclass, field
from typing import Optional

import torch
import torch.nn as nn
from fairseq.dataclass import FairseqDataclass
from fairseq.models import BaseFairseqModel, register_model, register_model_architecture

from fairseq_xling.data.objectives.tagging import tag_scheme
from fairseq_xling.modules.bilstm import BiLSTM
from fairseq_xling.modules.char_cnn import CharCNN
from fairseq_xling.modules.crf import LinearChainCRF
from fairseq_xling.modules.highway import Highway
from fairseq_xling.modules.tag_schemes import allowed_transitions

from fairseq_xling.text.word_vectors import read_word2vec_text

CONSTRAINED_SCHEMES = {"BIO", "IOB2", "BIOES"}
logger = logging.getLogger(__name__)


@dataclass
class XlingCharCNNTaggerConfig(FairseqDataclass):
    word_dim: int = field(default=100, metadata={"help": "word embedding size"})
    char_dim: int = field(default=50, metadata={"help": "character embedding size"})
    char_filters: int = field(default=20, metadata={"help": "CharCNN filters (0: no character features)"})
    char_kernel: int = field(default=3, metadata={"help": "CharCNN kernel width"})
    highway_layers: int = field(default=2, metadata={"help": "SeLU highway layers over [word; chars]"})
    lstm_hidden: int = field(default=171, metadata={"help": "shared BiLSTM size per direction"})
    dropout: float = field(default=0.6, metadata={"help": "dropout on the LSTM output"})
    no_lang_specific_layer: bool = field(default=False, metadata={"help": "leave out the gated language-specific "
                                                                          "linear layer (ablation)"})
    separate_lstm: bool = field(default=False, metadata={"help": "one BiLSTM per (task, language) objective instead "
                                                                 "of one shared by all (ablation: Table 6's Basic)"})
    tag_head: str = field(default="crf", metadata={"help": "crf | softmax"})
    pretrained_word_vectors: Optional[str] = field(default=None, metadata={
        "help": "initialise word embeddings from word2vec text files: 'nl:vectors.nl.vec,es:vectors.es.vec' "
                "(e.g. from XlingHubInterface.save_word_vectors of a JMT model)"})


@register_model("xling_char_cnn_tagger", dataclass=XlingCharCNNTaggerConfig)
class XlingCharCNNTagger(BaseFairseqModel):
    """Args:
        word_offsets, num_words, word_pads: the word table (language -> first row; rows; padding ids).
        char_offsets, num_chars, char_pad: the character table.
        tag_sets: tagging task -> (tag strings, scheme); heads: (task, lang) pairs that need a language layer.
        The rest as the config.
    """

    def __init__(self, word_offsets, num_words, word_pads, char_offsets, num_chars, char_pad, tag_sets, heads,
                 word_dim=100, char_dim=50, char_filters=20, char_kernel=3, highway_layers=2, lstm_hidden=171,
                 dropout=0.6, lang_specific_layer=True, tag_head="crf", separate_lstm=False):
        super().__init__()
        if tag_head not in ("crf", "softmax"):
            raise ValueError(f"--tag-head {tag_head!r}: expected crf or softmax")
        self.word_offsets, self.word_pads, self.char_offsets = dict(word_offsets), dict(word_pads), dict(char_offsets)
        self.char_pad = char_pad
        self.embed_words = nn.Embedding(num_words, word_dim)
        nn.init.normal_(self.embed_words.weight, mean=0.0, std=word_dim ** -0.5)
        self.char_cnn = None
        feature_dim = word_dim
        if char_filters > 0:
            self.char_cnn = CharCNN(num_chars, char_dim, char_filters, (char_kernel,), padding_idx=char_pad)
            feature_dim += self.char_cnn.output_size
        self.highway = Highway(feature_dim, highway_layers, "selu") if highway_layers > 0 else None
        # one shared BiLSTM, or (ablation) one per (task, language) head
        self.lstm = None if separate_lstm else BiLSTM(feature_dim, lstm_hidden)
        self.separate_lstms = nn.ModuleDict(
            {f"{task}_{lang}": BiLSTM(feature_dim, lstm_hidden) for task, lang in heads} if separate_lstm else {})
        self.dropout = nn.Dropout(dropout)
        out = 2 * lstm_hidden
        self.shared_heads = nn.ModuleDict({t: nn.Linear(out, len(tags)) for t, (tags, _) in tag_sets.items()})
        self.lang_heads = nn.ModuleDict()
        self.gates = nn.ModuleDict()
        if lang_specific_layer:
            for task, lang in heads:
                self.lang_heads[f"{task}_{lang}"] = nn.Linear(out, len(tag_sets[task][0]))
                self.gates[f"{task}_{lang}"] = nn.Linear(out, 1)
        self.crfs = nn.ModuleDict()
        if tag_head == "crf":
            for task, (tags, scheme) in tag_sets.items():
                constraints = allowed_transitions(tags, scheme) if scheme.upper() in CONSTRAINED_SCHEMES else ()
                self.crfs[task] = LinearChainCRF(len(tags), *constraints)
        self.tag_names = {t: list(tags) for t, (tags, _) in tag_sets.items()}
        self.tag_schemes = {t: scheme for t, (_, scheme) in tag_sets.items()}

    @classmethod
    def build_model(cls, cfg, task):
        words, chars = task.vocabs["word"], task.vocabs["char"]
        tag_sets, heads = {}, []
        for o in task.objectives:
            if o.type != "tagging":
                continue
            vocab = task.vocabs[f"tag_{o.cfg.task}"]
            if not vocab.joined:
                raise ValueError(f"tagging task {o.cfg.task!r}: the languages' tag dictionaries differ; binarise "
                                 f"them with one (preprocess/conll.sh --tag-dict)")
            d = next(iter(vocab.dicts.values()))
            tag_sets[o.cfg.task] = (d.symbols[d.nspecial:], tag_scheme(task.objective_data_dir(o)))
            heads.append((o.cfg.task, o.langs[0]))
        if not tag_sets:
            raise ValueError("xling_char_cnn_tagger needs at least one tagging objective")
        model = cls(words.offsets, words.size, {lang: words.pad(lang) for lang in words.langs}, chars.offsets,
                    chars.size, next(iter(chars.dicts.values())).pad(), tag_sets, heads,
                    cfg.word_dim, cfg.char_dim, cfg.char_filters, cfg.char_kernel, cfg.highway_layers,
                    cfg.lstm_hidden, cfg.dropout, not cfg.no_lang_specific_layer, cfg.tag_head,
                    getattr(cfg, "separate_lstm", False))
        for entry in (cfg.pretrained_word_vectors or "").split(","):
            if entry.strip():
                lang, _, path = entry.strip().partition(":")
                if lang not in words.dicts or not path:
                    raise ValueError(f"--pretrained-word-vectors {entry!r}: expected LANG:PATH with LANG one of "
                                     f"{', '.join(words.langs)}")
                model.load_word_vectors(lang, path, words.dicts[lang])
        return model

    @torch.no_grad()
    def load_word_vectors(self, lang, path, dictionary):
        """Copy the vectors of ``path`` (word2vec text) into the rows of the words they name."""
        names, vectors = read_word2vec_text(path)
        if vectors.shape[1] != self.embed_words.embedding_dim:
            raise ValueError(f"{path}: {vectors.shape[1]}-dim vectors for {self.embed_words.embedding_dim}-dim word "
                             f"embeddings (set --word-dim {vectors.shape[1]})")
        found = 0
        for name, vector in zip(names, vectors):
            index = dictionary.index(name)
            if index != dictionary.unk() or name == dictionary.unk_word:
                self.embed_words.weight[self.word_offsets[lang] + index] = torch.from_numpy(vector)
                found += 1
        logger.info(f"[{lang}] {found} of {len(dictionary)} word embeddings initialised from {path}")

    def forward(self, src_tokens, src_lengths, src_lang: str, src_chars, tag_task: str):
        """src_tokens B x T word ids of ``src_lang``, src_chars B x T x C, tag_task the head to use.

        Returns ``emissions`` B x T x K (tag scores before the CRF), ``token_features`` B x T x 2H and
        ``pad_mask`` B x T (True = padding).
        """
        key = f"{tag_task}_{src_lang}"
        if self.lstm is not None:
            lstm = self.lstm
        elif key in self.separate_lstms:
            lstm = self.separate_lstms[key]
        else:
            raise KeyError(f"--separate-lstm: no BiLSTM was trained for task {tag_task!r} in language {src_lang!r}; "
                           f"trained: {', '.join(self.separate_lstms)}")
        pad_mask = src_tokens.eq(self.word_pads[src_lang])  # B x T
        x = self.embed_words(src_tokens + self.word_offsets[src_lang])  # B x T x W
        if self.char_cnn is not None:
            char_pad_mask = src_chars.eq(self.char_pad)  # B x T x C
            chars = (src_chars + self.char_offsets[src_lang]).masked_fill(char_pad_mask, self.char_pad)
            x = torch.cat([x, self.char_cnn(chars, char_pad_mask)], dim=-1)  # B x T x (W + F)
        if self.highway is not None:
            x = self.highway(x)
        h = self.dropout(lstm(x, src_lengths))  # B x T x 2H
        emissions = self.shared_heads[tag_task](h)  # B x T x K
        if key in self.lang_heads:
            gate = torch.sigmoid(self.gates[key](h))  # B x T x 1
            emissions = gate * self.lang_heads[key](h) + (1 - gate) * emissions
        return {"emissions": emissions, "token_features": h, "pad_mask": pad_mask}

    def decode(self, emissions, mask, tag_task: str):
        """Best tag ids B x T (-1 at padding): Viterbi with a CRF, the argmax without."""
        if tag_task in self.crfs:
            return self.crfs[tag_task].viterbi_decode(emissions, mask)[0]
        return emissions.argmax(-1).masked_fill(~mask, -1)

    def word_vectors(self, lang: str, size: int):
        """The rows of language ``lang``'s dictionary (``size`` entries) in the word table: size x W."""
        return self.embed_words.weight[self.word_offsets[lang]: self.word_offsets[lang] + size]

    def max_positions(self):
        return None


def base_architecture(cfg):
    cfg.word_dim = getattr(cfg, "word_dim", 100)
    cfg.char_dim = getattr(cfg, "char_dim", 50)
    cfg.char_filters = getattr(cfg, "char_filters", 20)
    cfg.char_kernel = getattr(cfg, "char_kernel", 3)
    cfg.highway_layers = getattr(cfg, "highway_layers", 2)
    cfg.lstm_hidden = getattr(cfg, "lstm_hidden", 171)
    cfg.dropout = getattr(cfg, "dropout", 0.6)


@register_model_architecture("xling_char_cnn_tagger", "xling_char_cnn_tagger_tiny")
def tiny_architecture(cfg):
    cfg.word_dim = getattr(cfg, "word_dim", 16)
    cfg.char_dim = getattr(cfg, "char_dim", 8)
    cfg.char_filters = getattr(cfg, "char_filters", 8)
    cfg.lstm_hidden = getattr(cfg, "lstm_hidden", 16)
    cfg.dropout = getattr(cfg, "dropout", 0.0)
    base_architecture(cfg)
