"""The massively multilingual translation encoder (MMTE) of Siddhant et al. (2020): a Transformer
encoder-decoder trained on many translation directions at once, whose encoder is then fine-tuned or read for
cross-lingual transfer.

The model is the shared model layer: a Transformer encoder over one joined sub-word vocabulary
(:class:`~fairseq_xling.modules.transformer.TransformerStack`, every layer returned), the ``transformer`` decoder
(``models/decoders.py``) with the encoder's token table tied to the decoder's input table and output layer, and
heads from the objectives. The target language is the token ``<2xx>`` of the dictionary
(``preprocess/multilingual.sh`` adds one per language), given to the encoder in one of two ways (``--target-token``):

- ``source``: prepended to the source sentence (Johnson et al. 2017, the paper's main model): every source state
  has seen it;
- ``separate``: encoded on its own by the same encoder, and the decoder attends over [source states; its encoding]
  (the paper's Table 11 setting): the source states never see the target language.

Only translation gives the encoder a target language. Everything else (fine-tuning heads, the hub, features) reads
the source states of the sentence alone, as the paper fine-tunes without the token.

Layers are pre-norm (each sub-layer normalises its input, a final LayerNorm follows the top layer), as in the
Lingvo Transformer the paper trains, which needs no careful warm-up; ``--post-norm`` gives the original
Transformer's layers.

Named sizes:

==================  =====  ==============  ======  ======
arch                model  layers enc/dec  heads   ffn
==================  =====  ==============  ======  ======
xling_mmte          1024   6 / 6           16      8192
xling_mmte_cpu      256    3 / 3           4       1024
xling_mmte_tiny     16     1 / 1           2       32
==================  =====  ==============  ======  ======

The first is the paper's (the model's defaults; 375M parameters with its 64k vocabulary); ``_cpu`` trains on two
CPU cores.
"""
from dataclasses import dataclass, field

import torch
import torch.nn as nn
from fairseq.models import register_model, register_model_architecture

from fairseq_xling.errors import UserError
from fairseq_xling.models.xling_model import XlingEncoder, XlingModel, XlingModelConfig, encoder_output, model_defaults
from fairseq_xling.modules.transformer import TransformerStack
from fairseq_xling.text.languages import target_token

TARGET_TOKEN_MODES = ("source", "separate")


@dataclass
class XlingMmteConfig(XlingModelConfig):
    encoder_embed_dim: int = field(default=1024, metadata={"help": "model size (tokens, encoder and decoder)"})
    encoder_layers: int = field(default=6, metadata={"help": "encoder layers"})
    encoder_attention_heads: int = field(default=16, metadata={"help": "encoder attention heads"})
    encoder_ffn_embed_dim: int = field(default=8192, metadata={"help": "encoder feed-forward size"})
    post_norm: bool = field(default=False, metadata={
        "help": "post-norm layers (the original Transformer's) instead of pre-norm"})
    dropout: float = field(default=0.1, metadata={"help": "dropout in the encoder and on its input"})
    attention_dropout: float = field(default=0.0, metadata={"help": "dropout on the encoder's attention weights"})
    target_token: str = field(default="source", metadata={
        "help": "how the encoder is told the target language in translation: source (<2xx> prepended to the "
                "source) | separate (<2xx> encoded alone; the decoder attends over both; the source states never "
                "see it)"})
    max_positions: int = field(default=512, metadata={"help": "longest input in tokens"})
    # the decoder's options (models/xling_model.py), with the paper's values as defaults
    decoder: str = field(default="transformer", metadata={"help": "transformer (none: an encoder to fine-tune)"})
    decoder_embed_dim: int = field(default=1024, metadata={"help": "decoder model size"})
    decoder_layers: int = field(default=6, metadata={"help": "decoder layers"})
    decoder_attention_heads: int = field(default=16, metadata={"help": "decoder attention heads"})
    decoder_ffn_embed_dim: int = field(default=8192, metadata={"help": "decoder feed-forward size"})
    decoder_normalize_before: bool = field(default=True, metadata={"help": "pre-norm decoder layers"})
    share_all_embeddings: bool = field(default=True, metadata={
        "help": "the encoder's token table is also the decoder's input table and output layer"})


class MmteEncoder(XlingEncoder):
    """Layers: the token embeddings (scaled, with positions), then each Transformer layer, over the source
    sentence's tokens. Sentence: the mean of the top layer over the non-padding positions.

    Args:
        vocabs: needs ``word`` (one sub-word dictionary shared by every language, holding ``<2xx>`` tokens for
            translation); the other arguments as :class:`XlingMmteConfig`.
    """

    vocab_tables = {"embed_tokens.weight": "word"}
    reads_target_lang = True

    def __init__(self, vocabs, dim, layers, heads, ffn_dim, dropout=0.1, attention_dropout=0.0,
                 normalize_before=True, target_token_mode="source", max_positions=512):
        super().__init__(vocabs)
        if target_token_mode not in TARGET_TOKEN_MODES:
            raise UserError(f"--target-token {target_token_mode!r}: expected one of {', '.join(TARGET_TOKEN_MODES)}")
        vocab = vocabs["word"]
        self.embed_tokens = nn.Embedding(vocab.size, dim)
        nn.init.normal_(self.embed_tokens.weight, 0.0, dim ** -0.5)  # fairseq's, for inputs scaled by sqrt(dim)
        with torch.no_grad():
            for lang in vocab.langs:
                self.embed_tokens.weight[vocab.rows(lang, vocab.pad(lang))] = 0.0
        self.transformer = TransformerStack(dim, layers, heads, ffn_dim, dropout, attention_dropout,
                                            normalize_before=normalize_before, max_positions=max_positions + 1)
        self.max_input_tokens = max_positions  # the stack has one more position, for a prepended <2xx>
        self.target_token_mode = target_token_mode
        self.output_dim = self.sentence_dim = dim
        self.layer_dims = (dim,) * (layers + 1)

    @classmethod
    def build(cls, cfg, task):
        encoder = cls(task.vocabs, cfg.encoder_embed_dim, cfg.encoder_layers, cfg.encoder_attention_heads,
                      cfg.encoder_ffn_embed_dim, cfg.dropout, cfg.attention_dropout, not cfg.post_norm,
                      cfg.target_token, cfg.max_positions)
        pairs = [o.langs for o in getattr(task, "objectives", ()) if o.cfg.needs_decoder]
        for src, tgt in pairs:  # translation data must name its target languages: fail before training starts
            encoder.target_row(src, tgt)
        return encoder

    def target_row(self, src_lang: str, tgt_lang: str) -> int:
        """The table row of the token ``<2tgt_lang>`` (in the source language's dictionary)."""
        vocab = self.vocabs["word"]
        d = vocab.dicts[src_lang]
        index = d.index(target_token(tgt_lang))
        if index == d.unk():
            raise UserError(f"the dictionary has no {target_token(tgt_lang)} token to tell the encoder the target "
                            f"language: binarise the data with preprocess/multilingual.sh, which adds one per "
                            f"language")
        return int(vocab.rows(src_lang, index))

    def forward(self, src_tokens, src_lengths, src_lang: str, head=None, tgt_lang=None):
        """src_tokens: B x T ids of language ``src_lang`` (right-padded). With ``tgt_lang`` (translation) the
        output also holds the decoder's ``memory`` (B x M x C) and ``memory_pad_mask`` (B x M): the states to
        attend to, target-language token included; the contract's states are the source tokens' only."""
        vocab = self.vocabs["word"]
        pad_mask = src_tokens.eq(vocab.pad(src_lang))  # B x T
        x = self.embed_tokens(vocab.rows(src_lang, src_tokens))  # B x T x C
        if tgt_lang is None:
            return encoder_output(self.transformer(x, pad_mask), pad_mask)
        bsz = x.size(0)
        token = self.embed_tokens.weight[self.target_row(src_lang, tgt_lang)].view(1, 1, -1)
        no_pad = pad_mask.new_zeros(bsz, 1)
        if self.target_token_mode == "source":  # <2xx> first: the source states see it
            memory_pad_mask = torch.cat([no_pad, pad_mask], dim=1)
            layers = self.transformer(torch.cat([token.expand(bsz, 1, -1), x], dim=1), memory_pad_mask)
            out = encoder_output([layer[:, 1:] for layer in layers], pad_mask)
            out.update(memory=layers[-1], memory_pad_mask=memory_pad_mask)
            return out
        out = encoder_output(self.transformer(x, pad_mask), pad_mask)  # separate: the source states never see it
        encoded = self.transformer(token, no_pad[:1])[-1].expand(bsz, 1, -1)  # the same for every sentence
        out.update(memory=torch.cat([out["token_features"], encoded], dim=1),
                   memory_pad_mask=torch.cat([pad_mask, no_pad], dim=1))
        return out

    def reorder_encoder_out(self, encoder_out: dict, new_order: torch.Tensor) -> dict:
        """The output for batch rows ``new_order``. With the decoder's ``memory`` in it (translation), only what the
        decoder reads: beam search reorders the encoder output at every step, and copying every layer's states too
        made beam-5 generation 10-25% slower (benchmarks/mmte_throughput.py)."""
        if "memory" in encoder_out:
            encoder_out = {k: encoder_out[k] for k in ("memory", "memory_pad_mask", "tgt_lang") if k in encoder_out}
        return super().reorder_encoder_out(encoder_out, new_order)


@register_model("xling_mmte", dataclass=XlingMmteConfig)
class XlingMmteModel(XlingModel):
    encoder_class = MmteEncoder


def _sized(dim, encoder_layers, decoder_layers, heads, ffn, dropout=0.1):
    def arch(cfg):
        cfg.encoder_embed_dim = getattr(cfg, "encoder_embed_dim", dim)
        cfg.encoder_layers = getattr(cfg, "encoder_layers", encoder_layers)
        cfg.encoder_attention_heads = getattr(cfg, "encoder_attention_heads", heads)
        cfg.encoder_ffn_embed_dim = getattr(cfg, "encoder_ffn_embed_dim", ffn)
        cfg.post_norm = getattr(cfg, "post_norm", False)
        cfg.dropout = getattr(cfg, "dropout", dropout)
        cfg.attention_dropout = getattr(cfg, "attention_dropout", 0.0)
        cfg.target_token = getattr(cfg, "target_token", "source")
        cfg.max_positions = getattr(cfg, "max_positions", 512)
        cfg.decoder = getattr(cfg, "decoder", "transformer")
        cfg.decoder_embed_dim = getattr(cfg, "decoder_embed_dim", cfg.encoder_embed_dim)
        cfg.decoder_layers = getattr(cfg, "decoder_layers", decoder_layers)
        cfg.decoder_attention_heads = getattr(cfg, "decoder_attention_heads", heads)
        cfg.decoder_ffn_embed_dim = getattr(cfg, "decoder_ffn_embed_dim", ffn)
        cfg.decoder_normalize_before = getattr(cfg, "decoder_normalize_before", not cfg.post_norm)
        cfg.decoder_dropout = getattr(cfg, "decoder_dropout", cfg.dropout)
        cfg.share_all_embeddings = getattr(cfg, "share_all_embeddings", True)
        model_defaults(cfg)

    return arch


register_model_architecture("xling_mmte", "xling_mmte_cpu")(_sized(256, 3, 3, 4, 1024))
register_model_architecture("xling_mmte", "xling_mmte_tiny")(_sized(16, 1, 1, 2, 32, dropout=0.0))
