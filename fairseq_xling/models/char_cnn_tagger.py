"""Encoder of the multi-lingual multi-task sequence labeller of Lin et al. (2018).

word embedding + CharCNN character features -> highway layers -> shared BiLSTM -> dropout. The tag heads
(a linear layer shared across languages, a gated language-specific layer, a CRF per task) come from the
``tagging`` objectives (``models/heads.py``), so the paper's settings come from the objective mix: one objective
= the mono-lingual single-task baseline; ner_nl + pos_nl = cross-task; ner_nl + ner_es = cross-lingual; all =
the full model. Word and character ids of each language are slices of shared tables (MultilingualVocab).
"""
from dataclasses import dataclass, field

import torch
import torch.nn as nn
from fairseq.models import register_model, register_model_architecture

from fairseq_xling.errors import UserError
from fairseq_xling.models.xling_model import XlingEncoder, XlingModel, XlingModelConfig, encoder_output, model_defaults
from fairseq_xling.modules.bilstm import BiLSTM
from fairseq_xling.modules.char_cnn import CharCNN
from fairseq_xling.modules.highway import Highway


@dataclass
class XlingCharCNNTaggerConfig(XlingModelConfig):
    word_dim: int = field(default=100, metadata={"help": "word embedding size"})
    char_dim: int = field(default=50, metadata={"help": "character embedding size"})
    char_filters: int = field(default=20, metadata={"help": "CharCNN filters (0: no character features)"})
    char_kernel: int = field(default=3, metadata={"help": "CharCNN kernel width"})
    highway_layers: int = field(default=2, metadata={"help": "SeLU highway layers over [word; chars]"})
    lstm_hidden: int = field(default=171, metadata={"help": "shared BiLSTM size per direction"})
    dropout: float = field(default=0.6, metadata={"help": "dropout on the LSTM output"})
    input_dropout: float = field(default=0.0, metadata={
        "help": "dropout on the LSTM input ([word; chars] after the highway layers; Lample et al. 2016 use 0.5)"})
    separate_lstm: bool = field(default=False, metadata={"help": "one BiLSTM per (head, language) instead of one "
                                                                 "shared by all (ablation: Table 6's Basic)"})


class CharCNNBiLSTMEncoder(XlingEncoder):
    """Layers: [word; CharCNN] features after the highway layers, then the BiLSTM (dropout applied).

    Args:
        vocabs: needs ``word`` and ``char``. separate_keys: with separate LSTMs, the (head, language) pairs
            that get one. The rest as the config.
    """

    vocab_tables = {"embed_tokens.weight": "word", "char_cnn.embed_chars.weight": "char"}
    extra_inputs = ("src_chars",)

    def __init__(self, vocabs, word_dim=100, char_dim=50, char_filters=20, char_kernel=3, highway_layers=2,
                 lstm_hidden=171, dropout=0.6, separate_keys=None, input_dropout=0.0):
        super().__init__(vocabs)
        self.char_pad = next(iter(vocabs["char"].dicts.values())).pad()
        self.embed_tokens = nn.Embedding(vocabs["word"].size, word_dim)
        nn.init.normal_(self.embed_tokens.weight, mean=0.0, std=word_dim ** -0.5)
        self.char_cnn = None
        feature_dim = word_dim
        if char_filters > 0:
            self.char_cnn = CharCNN(vocabs["char"].size, char_dim, char_filters, (char_kernel,),
                                    padding_idx=self.char_pad)
            feature_dim += self.char_cnn.output_size
        self.highway = Highway(feature_dim, highway_layers, "selu") if highway_layers > 0 else None
        self.lstm = BiLSTM(feature_dim, lstm_hidden) if separate_keys is None else None
        self.separate_lstms = nn.ModuleDict(
            {key: BiLSTM(feature_dim, lstm_hidden) for key in separate_keys} if separate_keys is not None else {})
        self.dropout = nn.Dropout(dropout)
        self.input_dropout = nn.Dropout(input_dropout)
        self.word_dim = word_dim
        self.output_dim = self.sentence_dim = 2 * lstm_hidden
        self.layer_dims, self.bidirectional = (feature_dim, self.output_dim), True

    @classmethod
    def build(cls, cfg, task):
        if "char" not in task.vocabs:
            raise UserError("xling_char_cnn_tagger reads words and their characters: train it on tagging "
                             "objectives (data-bins of preprocess/conll.sh)")
        keys = None
        if cfg.separate_lstm:
            keys = sorted({f"{o.cfg.head_name(o)}_{lang}" for o in task.objectives for lang in o.langs})
        return cls(task.vocabs, cfg.word_dim, cfg.char_dim, cfg.char_filters, cfg.char_kernel, cfg.highway_layers,
                   cfg.lstm_hidden, cfg.dropout, keys, cfg.input_dropout)

    def forward(self, src_tokens, src_lengths, src_lang: str, src_chars=None, head=None):
        """src_tokens B x T word ids of ``src_lang``, src_chars B x T x C their characters' ids; ``head`` picks the
        LSTM in the separate-LSTM ablation."""
        if self.lstm is not None:
            lstm = self.lstm
        elif f"{head}_{src_lang}" in self.separate_lstms:
            lstm = self.separate_lstms[f"{head}_{src_lang}"]
        else:
            raise KeyError(f"--separate-lstm: no BiLSTM was trained for head {head!r} in language {src_lang!r}; "
                           f"trained: {', '.join(self.separate_lstms)}")
        words, chars = self.vocabs["word"], self.vocabs["char"]
        pad_mask = src_tokens.eq(words.pad(src_lang))  # B x T
        x = self.embed_tokens(words.rows(src_lang, src_tokens))  # B x T x W
        if self.char_cnn is not None:
            if src_chars is None:
                raise UserError("this encoder reads characters (src_chars): give it data from preprocess/conll.sh")
            char_pad_mask = src_chars.eq(self.char_pad)  # B x T x C
            char_rows = chars.rows(src_lang, src_chars).masked_fill(char_pad_mask, self.char_pad)
            x = torch.cat([x, self.char_cnn(char_rows, char_pad_mask)], dim=-1)  # B x T x (W + F)
        if self.highway is not None:
            x = self.highway(x)
        h = self.dropout(lstm(self.input_dropout(x), src_lengths))  # B x T x 2H
        return encoder_output([x, h], pad_mask)


@register_model("xling_char_cnn_tagger", dataclass=XlingCharCNNTaggerConfig)
class XlingCharCNNTagger(XlingModel):
    encoder_class = CharCNNBiLSTMEncoder


def base_architecture(cfg):
    model_defaults(cfg)
    cfg.word_dim = getattr(cfg, "word_dim", 100)
    cfg.char_dim = getattr(cfg, "char_dim", 50)
    cfg.char_filters = getattr(cfg, "char_filters", 20)
    cfg.char_kernel = getattr(cfg, "char_kernel", 3)
    cfg.highway_layers = getattr(cfg, "highway_layers", 2)
    cfg.lstm_hidden = getattr(cfg, "lstm_hidden", 171)
    cfg.dropout = getattr(cfg, "dropout", 0.6)
    cfg.input_dropout = getattr(cfg, "input_dropout", 0.0)


@register_model_architecture("xling_char_cnn_tagger", "xling_char_cnn_tagger_tiny")
def tiny_architecture(cfg):
    cfg.word_dim = getattr(cfg, "word_dim", 16)
    cfg.char_dim = getattr(cfg, "char_dim", 8)
    cfg.char_filters = getattr(cfg, "char_filters", 8)
    cfg.lstm_hidden = getattr(cfg, "lstm_hidden", 16)
    cfg.dropout = getattr(cfg, "dropout", 0.0)
    base_architecture(cfg)
