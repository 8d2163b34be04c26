"""The multi-task dual encoder of Chidambaram et al. (2019): word + hashed character n-gram embeddings ->
Transformer -> mean over positions = the sentence encoding g.

The input layer is :class:`~fairseq_xling.modules.hashed_embedding.HashedWordEmbedding` (word vectors for the
vocabulary, hashed OOV buckets for the other words, summed tanh-projected character 3- and 4-grams), projected to
the model size when the two differ; the Transformer is fairseq's own layers
(:class:`~fairseq_xling.modules.transformer.TransformerStack`). Every layer is returned, so the encoder fine-tunes
with any head and serves per-layer features; the hub passes the text of words its dictionary lacks
(``src_words``), which get their OOV bucket and n-grams instead of ``<unk>``.

The vocabulary is the first ``--word-vocab`` entries of each language's dictionary (fairseq sorts dictionaries by
frequency); the other entries of the dictionary are out-of-vocabulary words that train the OOV buckets, so build
the data's dictionary over all training words (preprocess/multilingual.sh --subword none) and choose the
vocabulary here.

Named sizes:

==========================  =====  =====  ======  =====  =====  ===========  =============
arch                        embed  model  layers  heads  ffn    OOV buckets  n-gram buckets
==========================  =====  =====  ======  =====  =====  ===========  =============
xling_dual_encoder          320    512    3       8      2048   10,000       200,000
xling_dual_encoder_cpu      256    256    3       4      1024   5,000        50,000
xling_dual_encoder_tiny     16     16     1       2      32     8            64
==========================  =====  =====  ======  =====  =====  ===========  =============

The first is the paper's (the model's defaults; its vocabulary: 200,000 words); ``_cpu`` trains on two CPU cores.
"""
from dataclasses import dataclass, field

import torch
import torch.nn as nn
from fairseq.models import register_model, register_model_architecture

from fairseq_xling.errors import UserError
from fairseq_xling.models.xling_model import XlingEncoder, XlingModel, XlingModelConfig, encoder_output, model_defaults
from fairseq_xling.modules.hashed_embedding import HashedWordEmbedding
from fairseq_xling.modules.transformer import TransformerStack


@dataclass
class XlingDualEncoderConfig(XlingModelConfig):
    embed_dim: int = field(default=320, metadata={"help": "word, OOV and character n-gram embedding size"})
    encoder_embed_dim: int = field(default=512, metadata={"help": "Transformer model size"})
    encoder_layers: int = field(default=3, metadata={"help": "Transformer layers"})
    encoder_attention_heads: int = field(default=8, metadata={"help": "attention heads"})
    encoder_ffn_embed_dim: int = field(default=2048, metadata={"help": "feed-forward size"})
    encoder_normalize_before: bool = field(default=False, metadata={"help": "pre-norm Transformer layers"})
    dropout: float = field(default=0.1, metadata={"help": "dropout in the Transformer and on its input"})
    attention_dropout: float = field(default=0.0, metadata={"help": "dropout on attention weights"})
    word_vocab: int = field(default=0, metadata={
        "help": "words with their own vector: the first N entries of each language's dictionary (0 = all); the "
                "others share --oov-buckets hashed vectors"})
    oov_buckets: int = field(default=10000, metadata={"help": "hashed vectors for out-of-vocabulary words"})
    ngram_buckets: int = field(default=200000, metadata={"help": "hashed character n-gram vectors (0 = none)"})
    ngram_orders: str = field(default="3,4", metadata={"help": "character n-gram orders, comma-separated"})
    max_positions: int = field(default=512, metadata={"help": "longest input in tokens"})
    no_input_norm: bool = field(default=False, metadata={
        "help": "sqrt(d) * input + positions (fairseq's embeddings) instead of LayerNorm(input + positions) (BERT)"})
    sparse_embeddings: bool = field(default=False, metadata={
        "help": "sparse gradients for the word, OOV and n-gram tables (only the rows a batch touched; needs "
                "--optimizer lazy_adam or sgd, one process)"})


def row_texts(vocab, word_vocab: int):
    """The text of every row of the shared word table (None for special symbols) and whether the row is in the
    vocabulary (its own vector): the first ``word_vocab`` non-special entries of each dictionary (0 = all)."""
    words, in_vocab = [None] * vocab.size, [True] * vocab.size
    for lang, d in vocab.dicts.items():
        for i, symbol in enumerate(d.symbols):
            if i >= d.nspecial:
                words[vocab.offsets[lang] + i] = symbol
                in_vocab[vocab.offsets[lang] + i] = not word_vocab or i < d.nspecial + word_vocab
    return words, in_vocab


class DualEncoder(XlingEncoder):
    """Layers: the input vectors (projected, with positions), then each Transformer layer. Sentence: the mean of
    the top layer over the non-padding positions.

    Args:
        vocabs: needs ``word``; the other arguments as :class:`XlingDualEncoderConfig`.
    """

    vocab_tables = {"embed.embed_tokens.weight": "word"}
    extra_inputs = ("src_words",)

    def __init__(self, vocabs, embed_dim, model_dim, layers, heads, ffn_dim, dropout=0.1, attention_dropout=0.0,
                 normalize_before=False, word_vocab=0, oov_buckets=10000, ngram_buckets=200000, orders=(3, 4),
                 max_positions=512, input_norm=True, sparse=False):
        super().__init__(vocabs)
        words, in_vocab = row_texts(vocabs["word"], word_vocab)
        self.embed = HashedWordEmbedding(words, in_vocab, embed_dim, oov_buckets, ngram_buckets, orders, sparse=sparse)
        self.project = nn.Linear(embed_dim, model_dim, bias=False) if embed_dim != model_dim else None
        # the input is a sum of a word vector and ~10 tanh n-gram vectors, not an N(0, 1/d) embedding: by default
        # normalised with the positions (BERT) rather than scaled by sqrt(d)
        self.transformer = TransformerStack(model_dim, layers, heads, ffn_dim, dropout, attention_dropout,
                                            normalize_before=normalize_before, max_positions=max_positions,
                                            input_norm=input_norm)
        self.max_input_tokens = max_positions
        self.word_dim = embed_dim
        self.output_dim = self.sentence_dim = model_dim
        self.layer_dims = (model_dim,) * (layers + 1)

    @classmethod
    def build(cls, cfg, task):
        try:
            orders = tuple(int(n) for n in str(cfg.ngram_orders).split(","))
        except ValueError:
            orders = ()
        if not orders or min(orders) < 1:
            raise UserError(f"--ngram-orders {cfg.ngram_orders!r}: expected positive integers such as 3,4")
        return cls(task.vocabs, cfg.embed_dim, cfg.encoder_embed_dim, cfg.encoder_layers, cfg.encoder_attention_heads,
                   cfg.encoder_ffn_embed_dim, cfg.dropout, cfg.attention_dropout, cfg.encoder_normalize_before,
                   cfg.word_vocab, cfg.oov_buckets, cfg.ngram_buckets, orders, cfg.max_positions,
                   not cfg.no_input_norm, cfg.sparse_embeddings)

    def embed_words(self, rows):
        return self.embed(rows)

    def embedding_tables(self):
        return tuple(f"embed.{name}" for name in self.embed.tables)

    def forward(self, src_tokens, src_lengths, src_lang: str, head=None, src_words=None):
        """src_tokens: B x T ids of language ``src_lang`` (right-padded); src_words: optional, the tokens' text
        (B lists): tokens that are ``<unk>`` in the dictionary are embedded from their text."""
        vocab = self.vocabs["word"]
        pad_mask = src_tokens.eq(vocab.pad(src_lang))  # B x T
        x = self.embed(vocab.rows(src_lang, src_tokens))  # B x T x E
        if src_words is not None:
            unknown = src_tokens.eq(vocab.dicts[src_lang].unk()).nonzero().tolist()
            if unknown:
                x = x.index_put(tuple(torch.tensor(unknown, device=x.device).t()),
                                self.embed.embed_strings([src_words[b][t] for b, t in unknown]))
        if self.project is not None:
            x = self.project(x)
        return encoder_output(self.transformer(x, pad_mask), pad_mask)


@register_model("xling_dual_encoder", dataclass=XlingDualEncoderConfig)
class XlingDualEncoderModel(XlingModel):
    encoder_class = DualEncoder


def _sized(embed, dim, layers, heads, ffn, oov, ngrams):
    def arch(cfg):
        model_defaults(cfg)
        cfg.embed_dim = getattr(cfg, "embed_dim", embed)
        cfg.encoder_embed_dim = getattr(cfg, "encoder_embed_dim", dim)
        cfg.encoder_layers = getattr(cfg, "encoder_layers", layers)
        cfg.encoder_attention_heads = getattr(cfg, "encoder_attention_heads", heads)
        cfg.encoder_ffn_embed_dim = getattr(cfg, "encoder_ffn_embed_dim", ffn)
        cfg.encoder_normalize_before = getattr(cfg, "encoder_normalize_before", False)
        cfg.dropout = getattr(cfg, "dropout", 0.1)
        cfg.attention_dropout = getattr(cfg, "attention_dropout", 0.0)
        cfg.word_vocab = getattr(cfg, "word_vocab", 0)
        cfg.oov_buckets = getattr(cfg, "oov_buckets", oov)
        cfg.ngram_buckets = getattr(cfg, "ngram_buckets", ngrams)
        cfg.ngram_orders = getattr(cfg, "ngram_orders", "3,4")
        cfg.max_positions = getattr(cfg, "max_positions", 512)
        cfg.no_input_norm = getattr(cfg, "no_input_norm", False)
        cfg.sparse_embeddings = getattr(cfg, "sparse_embeddings", False)

    return arch


register_model_architecture("xling_dual_encoder", "xling_dual_encoder_cpu")(_sized(256, 256, 3, 4, 1024, 5000, 50000))
register_model_architecture("xling_dual_encoder", "xling_dual_encoder_tiny")(_sized(16, 16, 1, 2, 32, 8, 64))
