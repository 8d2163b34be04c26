"""Sentence encoder of Singla et al. (2018): shared word embeddings -> dropout -> BiLSTM -> mean pooling.

With ``--encoder-layers 0`` the LSTM is left out and the sentence embedding is the mean of the word
embeddings (Sent-Avg). One embedding table serves every language (each language's dictionary is a slice
of it, see :class:`~fairseq_xling.data.vocab.MultilingualVocab`); the skip-gram objective adds a second
table of context ("output") embeddings, as word2vec has.
Named archs: xling_sent_lstm_{128,512}, xling_sent_avg_{128,512} (sentence embedding size), *_tiny for tests.
"""
from dataclasses import dataclass, field

import torch.nn as nn
from fairseq.dataclass import FairseqDataclass
from fairseq.models import BaseFairseqModel, register_model, register_model_architecture

from fairseq_xling.modules.bilstm import BiLSTM
from fairseq_xling.modules.pooling import masked_mean


@dataclass
class XlingBiLSTMAvgConfig(FairseqDataclass):
    embed_dim: int = field(default=128, metadata={"help": "word embedding size"})
    encoder_hidden_size: int = field(default=64, metadata={"help": "LSTM size per direction"})
    encoder_layers: int = field(default=1, metadata={"help": "BiLSTM layers; 0 = mean of word embeddings"})
    dropout: float = field(default=0.3, metadata={"help": "dropout on the word embeddings"})


@register_model("xling_bilstm_avg", dataclass=XlingBiLSTMAvgConfig)
class XlingBiLSTMAvgModel(BaseFairseqModel):
    """Args:
        offsets: language -> first row of its dictionary in the shared table.
        num_embeddings: rows of the shared table.
        pads: language -> padding index in its dictionary.
        embed_dim, hidden_size, num_layers, dropout: as the config.
        context_embeddings: build the skip-gram output table.
    """

    def __init__(self, offsets, num_embeddings, pads, embed_dim, hidden_size, num_layers, dropout,
                 context_embeddings=False):
        super().__init__()
        self.offsets, self.pads = dict(offsets), dict(pads)
        self.embed_tokens = nn.Embedding(num_embeddings, embed_dim)
        # fairseq's N(0, 1/d) for the word vectors: word2vec's tiny uniform init (+-0.5/d) makes every sentence
        # look alike to the LSTM and stalls the similarity objective; output vectors start at zero as in word2vec
        nn.init.normal_(self.embed_tokens.weight, mean=0.0, std=embed_dim ** -0.5)
        self.embed_contexts = None
        if context_embeddings:
            self.embed_contexts = nn.Embedding(num_embeddings, embed_dim)
            nn.init.zeros_(self.embed_contexts.weight)
        self.dropout = nn.Dropout(dropout)
        self.lstm = BiLSTM(embed_dim, hidden_size, num_layers) if num_layers > 0 else None
        self.sentence_dim = self.lstm.output_size if self.lstm is not None else embed_dim

    @classmethod
    def build_model(cls, cfg, task):
        vocab = task.vocab
        return cls(vocab.offsets, vocab.size, {lang: vocab.pad(lang) for lang in vocab.langs}, cfg.embed_dim,
                   cfg.encoder_hidden_size, cfg.encoder_layers, cfg.dropout,
                   context_embeddings="context_embeddings" in task.required_heads())

    def forward(self, src_tokens, src_lengths, src_lang: str):
        """src_tokens: B x T ids of language ``src_lang`` (right-padded), src_lengths: B.

        Returns a dict: ``sentence_emb`` B x D, ``token_features`` B x T x D, ``pad_mask`` B x T (True = pad).
        """
        pad_mask = src_tokens.eq(self.pads[src_lang])  # B x T
        x = self.dropout(self.embed_tokens(src_tokens + self.offsets[src_lang]))  # B x T x E
        if self.lstm is not None:
            x = self.lstm(x, src_lengths)  # B x T x 2H
        x = x.masked_fill(pad_mask.unsqueeze(-1), 0.0)
        return {"sentence_emb": masked_mean(x, pad_mask), "token_features": x, "pad_mask": pad_mask}

    def word_vectors(self, lang: str, size: int):
        """The rows of language ``lang``'s dictionary (``size`` entries) in the word table: size x E."""
        return self.embed_tokens.weight[self.offsets[lang]: self.offsets[lang] + size]

    def max_positions(self):
        return None

    @classmethod
    def from_pretrained(cls, model_name_or_path, checkpoint_file="checkpoint_best.pt", data_name_or_path=".",
                        **kwargs):
        from fairseq_xling.hub_interface import XlingHubInterface

        return XlingHubInterface.from_pretrained(model_name_or_path, checkpoint_file, data_name_or_path, **kwargs)



def base_architecture(cfg):
    cfg.embed_dim = getattr(cfg, "embed_dim", 128)
    cfg.encoder_hidden_size = getattr(cfg, "encoder_hidden_size", cfg.embed_dim // 2)
    cfg.encoder_layers = getattr(cfg, "encoder_layers", 1)
    cfg.dropout = getattr(cfg, "dropout", 0.3)


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
