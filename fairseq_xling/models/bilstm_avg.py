"""Sentence encoder of Singla et al. (2018): shared word embeddings -> dropout -> BiLSTM -> mean pooling.

With ``--encoder-layers 0`` the LSTM is left out and the sentence embedding is the mean of the word
embeddings (Sent-Avg). One embedding table serves every language (each language's dictionary is a slice
of it, see :class:`~fairseq_xling.data.vocab.MultilingualVocab`).
Named archs: xling_sent_lstm_{128,512}, xling_sent_avg_{128,512} (sentence embedding size), *_tiny for tests.
"""
from dataclasses import dataclass, field

import torch.nn as nn
from fairseq.models import register_model, register_model_architecture

from fairseq_xling.models.xling_model import XlingEncoder, XlingModel, XlingModelConfig, encoder_output, model_defaults
from fairseq_xling.errors import UserError
from fairseq_xling.modules.bilstm import BiLSTM
from fairseq_xling.modules.pooling import masked_max, masked_mean

POOLS = {"mean": masked_mean, "max": masked_max}


@dataclass
class XlingBiLSTMAvgConfig(XlingModelConfig):
    embed_dim: int = field(default=128, metadata={"help": "word embedding size"})
    encoder_hidden_size: int = field(default=64, metadata={"help": "LSTM size per direction"})
    encoder_layers: int = field(default=1, metadata={"help": "BiLSTM layers; 0 = mean of word embeddings"})
    dropout: float = field(default=0.3, metadata={"help": "dropout on the word embeddings"})
    pool: str = field(default="mean", metadata={"help": "sentence vector: mean | max over time of the top layer"})


class BiLSTMAvgEncoder(XlingEncoder):
    """Layers: the word embeddings (after dropout), then each BiLSTM layer. Sentence: mean (Singla et al.) or max
    (LASER) over time of the top layer.

    Args:
        vocabs: needs ``word``; embed_dim, hidden_size, num_layers, dropout, pool: as the config.
    """

    vocab_tables = {"embed_tokens.weight": "word"}

    def __init__(self, vocabs, embed_dim, hidden_size, num_layers, dropout, pool: str = "mean"):
        super().__init__(vocabs)
        if pool not in POOLS:
            raise UserError(f"--pool {pool!r}: expected one of {', '.join(POOLS)}")
        self.pool = POOLS[pool]
        self.embed_tokens = nn.Embedding(vocabs["word"].size, embed_dim)
        # fairseq's N(0, 1/d) for the word vectors: word2vec's tiny uniform init (+-0.5/d) makes every sentence
        # look alike to the LSTM and stalls the similarity objective
        nn.init.normal_(self.embed_tokens.weight, mean=0.0, std=embed_dim ** -0.5)
        self.dropout = nn.Dropout(dropout)
        self.lstm = BiLSTM(embed_dim, hidden_size, num_layers) if num_layers > 0 else None
        self.word_dim = embed_dim
        self.output_dim = self.sentence_dim = self.lstm.output_size if self.lstm is not None else embed_dim
        self.layer_dims = (embed_dim,) + (self.output_dim,) * num_layers
        self.bidirectional = True

    @classmethod
    def build(cls, cfg, task):
        return cls(task.vocabs, cfg.embed_dim, cfg.encoder_hidden_size, cfg.encoder_layers, cfg.dropout, cfg.pool)

    can_stop_at_embeddings = True

    def forward(self, src_tokens, src_lengths, src_lang: str, head=None, embeddings_only: bool = False):
        """src_tokens: B x T ids of language ``src_lang`` (right-padded), src_lengths: B. ``embeddings_only``: skip
        the BiLSTM (``layers`` and the sentence vector come from the embeddings)."""
        vocab = self.vocabs["word"]
        pad_mask = src_tokens.eq(vocab.pad(src_lang))  # B x T
        x = self.dropout(self.embed_tokens(vocab.rows(src_lang, src_tokens)))  # B x T x E
        layers = [x] + (self.lstm.forward_layers(x, src_lengths) if self.lstm is not None and not embeddings_only
                        else [])
        return encoder_output(layers, pad_mask, self.pool)


@register_model("xling_bilstm_avg", dataclass=XlingBiLSTMAvgConfig)
class XlingBiLSTMAvgModel(XlingModel):
    encoder_class = BiLSTMAvgEncoder


def base_architecture(cfg):
    model_defaults(cfg)
    cfg.embed_dim = getattr(cfg, "embed_dim", 128)
    cfg.encoder_hidden_size = getattr(cfg, "encoder_hidden_size", cfg.embed_dim // 2)
    cfg.encoder_layers = getattr(cfg, "encoder_layers", 1)
    cfg.dropout = getattr(cfg, "dropout", 0.3)
    cfg.pool = getattr(cfg, "pool", "mean")


def _sized(dim, layers):
    def arch(cfg):
        cfg.embed_dim = getattr(cfg, "embed_dim", dim)
        cfg.encoder_layers = getattr(cfg, "encoder_layers", layers)
        base_architecture(cfg)

    return arch


# Sentence size d: the BiLSTM has d/2 units per direction, so Sent-LSTM and Sent-Avg both give d-dim vectors.
for _dim in (128, 512):
    register_model_architecture("xling_bilstm_avg", f"xling_sent_lstm_{_dim}")(_sized(_dim, 1))
    register_model_architecture("xling_bilstm_avg", f"xling_sent_avg_{_dim}")(_sized(_dim, 0))
register_model_architecture("xling_bilstm_avg", "xling_sent_lstm_tiny")(_sized(16, 1))
register_model_architecture("xling_bilstm_avg", "xling_sent_avg_tiny")(_sized(16, 0))
