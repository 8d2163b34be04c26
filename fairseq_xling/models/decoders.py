"""Decoders: the optional part of :class:`~fairseq_xling.models.xling_model.XlingModel` that writes text.

A decoder is a fairseq ``FairseqIncrementalDecoder``, so a model with one satisfies fairseq's encoder-decoder
contract and SequenceGenerator (beam search, fairseq-generate) runs on it unchanged. It reads the encoder's
output dict; the target language arrives in it as ``tgt_lang`` (the model, or the encoder's
``forward_torchscript`` that SequenceGenerator calls, puts it there), so the encoder itself never sees it.

``lstm`` (Schwenk & Douze 2017; Artetxe & Schwenk 2019, LASER): an LSTM whose input at every step is
[previous token embedding; sentence vector; target language embedding]: the sentence vector is the only thing
the decoder knows about the source, which is what makes the encoder's vector language-agnostic.

``transformer`` (Vaswani et al. 2017; Siddhant et al. 2020, MMTE): fairseq's Transformer decoder layers attending
over the encoder's states. An encoder that takes the target language itself (``reads_target_lang``: MMTE's
``<2xx>`` token, in the source or encoded separately) hands over the states to attend to as ``memory``; for any
other encoder the decoder appends a learned target-language vector to the encoder's states, so the encoder still
never sees the target language. With ``--share-all-embeddings`` the encoder's token table is also the decoder's
input table and output layer (one joined vocabulary, as fairseq's ``--share-all-embeddings``).
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from fairseq.models import FairseqIncrementalDecoder
from torch import Tensor

from fairseq_xling.errors import UserError
from fairseq_xling.modules.transformer import TransformerDecoderStack

DECODERS = ("none", "lstm", "transformer")


class SentenceLSTMDecoder(FairseqIncrementalDecoder):
    """Args:
        dictionary: the (joined) target dictionary; its size is the output layer's.
        langs: target languages (one learned embedding each).
        sentence_dim: size of the encoder's ``sentence_emb``.
        embed_dim, hidden_size, num_layers, lang_dim: token embedding, LSTM and language embedding sizes.
        init_from_sentence: the LSTM's initial hidden and cell states are a linear map of the sentence vector (as
            in LASER); else zeros.
    """

    def __init__(self, dictionary, langs: List[str], sentence_dim: int, embed_dim: int = 320,
                 hidden_size: int = 2048, num_layers: int = 1, lang_dim: int = 32, dropout: float = 0.0,
                 init_from_sentence: bool = False):
        super().__init__(dictionary)
        self.langs = {lang: i for i, lang in enumerate(langs)}
        self.embed_tokens = nn.Embedding(len(dictionary), embed_dim, padding_idx=dictionary.pad())
        self.embed_langs = nn.Embedding(len(langs), lang_dim)
        self.lstm = nn.LSTM(embed_dim + sentence_dim + lang_dim, hidden_size, num_layers, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size, len(dictionary))
        self.init_state = nn.Linear(sentence_dim, 2 * num_layers * hidden_size) if init_from_sentence else None

    def forward(self, prev_output_tokens, encoder_out: Optional[Dict] = None,
                incremental_state: Optional[Dict[str, Dict[str, Optional[Tensor]]]] = None,
                output_mask: Optional[Tensor] = None, **kwargs):
        """prev_output_tokens: B x T (the target shifted right, starting with </s>) -> (logits B x T x V, extra).
        With ``incremental_state`` only the last token is read and the LSTM state is carried between calls.
        With ``output_mask`` (B x T bool) the logits are those of the masked positions only (N x V)."""
        if incremental_state is not None:
            prev_output_tokens = prev_output_tokens[:, -1:]
        tgt_lang = encoder_out.get("tgt_lang")
        if tgt_lang not in self.langs:
            raise UserError(f"the decoder writes {', '.join(self.langs)}; asked for tgt_lang={tgt_lang!r}")
        bsz = prev_output_tokens.size(0)
        context = torch.cat([encoder_out["sentence_emb"],
                             self.embed_langs.weight[self.langs[tgt_lang]].expand(bsz, -1)], dim=-1)  # B x (D+L)
        state = self.get_incremental_state(incremental_state, "state") if incremental_state is not None else None
        if state is None and self.init_state is not None:  # first step: start from the sentence vector
            layers, size = self.lstm.num_layers, self.lstm.hidden_size
            init = self.init_state(encoder_out["sentence_emb"]).view(bsz, 2 * layers, size).transpose(0, 1)
            state = {"hidden": init[:layers].contiguous(), "cell": init[layers:].contiguous()}  # layers x B x H
        if state is None:
            zeros = context.new_zeros(self.lstm.num_layers, bsz, self.lstm.hidden_size)
            state = {"hidden": zeros, "cell": zeros}
        embedded = self.dropout(self.embed_tokens(prev_output_tokens))  # B x T x E
        steps, width = embedded.size(1), context.size(1)  # the one-hot way multiplies W_c once, then B columns per step
        run = self.lstm_one_hot if width + steps * bsz < steps * width else self.lstm_concat
        h, hidden, cell = run(embedded, context, state["hidden"], state["cell"])  # B x T x H
        if incremental_state is not None:
            self.set_incremental_state(incremental_state, "state", {"hidden": hidden, "cell": cell})
        if output_mask is not None:  # training: the output layer only where there is a target token
            h = h[output_mask]  # N x H
        return self.output(self.dropout(h)), {"attn": None}

    def lstm_concat(self, embedded: Tensor, context: Tensor, hidden: Tensor, cell: Tensor):
        """The LSTM over [embedded_t; context] at every step t (context: B x C, the same at every step):
        ``embedded`` B x T x E, ``hidden``/``cell`` layers x B x H -> (outputs B x T x H, hidden, cell)."""
        bsz, steps, _ = embedded.shape
        x = torch.cat([embedded, context.unsqueeze(1).expand(bsz, steps, -1)], dim=-1)
        h, (hidden, cell) = self.lstm(x, (hidden, cell))
        return h, hidden, cell

    def lstm_one_hot(self, embedded: Tensor, context: Tensor, hidden: Tensor, cell: Tensor):
        """Same result as :meth:`lstm_concat`, computed with fewer multiplications when B < C.

        The context's share of the first layer's gates, W_c context_b, is the same at every step of sentence b,
        yet fed as input it is multiplied again at every step (1,056 of the 1,376 inputs at the paper's size).
        Here it is computed once: the input is [embedded_t; one-hot(b)] and the first layer's input weights are
        [W_e, W_c context^T], so the fused LSTM kernel adds sentence b's constant through column b of a B-column
        block; the gradient of those columns flows back to W_c and the context by autograd."""
        bsz, steps, _ = embedded.shape
        lstm = self.lstm
        weights = [w for layer in lstm.all_weights for w in layer]  # w_ih, w_hh, b_ih, b_hh per layer
        w_embedded, w_context = weights[0].split([embedded.size(-1), context.size(-1)], dim=1)
        weights[0] = torch.cat([w_embedded, w_context @ context.t()], dim=1)  # 4H x (E + B)
        one_hot = torch.eye(bsz, dtype=embedded.dtype, device=embedded.device).unsqueeze(1).expand(-1, steps, -1)
        x = torch.cat([embedded, one_hot], dim=-1)  # B x T x (E + B)
        h, hidden, cell = torch.lstm(x, (hidden, cell), weights, lstm.bias, lstm.num_layers, float(lstm.dropout),
                                     self.training, False, True)
        return h, hidden, cell

    def reorder_incremental_state(self, incremental_state: Dict[str, Dict[str, Optional[Tensor]]],
                                  new_order: Tensor):
        state = self.get_incremental_state(incremental_state, "state")
        if state is not None:  # layers x B x H: beams are on dimension 1
            self.set_incremental_state(incremental_state, "state",
                                       {k: v.index_select(1, new_order) for k, v in state.items()})

    def max_positions(self):
        return int(1e6)


class TransformerAttentionDecoder(FairseqIncrementalDecoder):
    """Args:
        dictionary: the (joined) target dictionary.
        langs: target languages.
        memory_dim: size of the encoder states attended to.
        dim, layers, heads, ffn_dim, dropout, normalize_before: the Transformer's.
        embed_tokens: an embedding table to share (the encoder's, tied input and output); else one of its own.
        lang_slot: append a learned vector of the target language to the memory (for encoders that do not read the
            target language).
    """

    def __init__(self, dictionary, langs: List[str], memory_dim: int, dim: int = 512, layers: int = 6,
                 heads: int = 8, ffn_dim: int = 2048, dropout: float = 0.1, normalize_before: bool = False,
                 embed_tokens: Optional[nn.Embedding] = None, lang_slot: bool = True, max_positions: int = 1024):
        super().__init__(dictionary)
        if embed_tokens is None:
            embed_tokens = nn.Embedding(len(dictionary), dim, padding_idx=dictionary.pad())
            nn.init.normal_(embed_tokens.weight, 0.0, dim ** -0.5)  # fairseq's, for inputs scaled by sqrt(dim)
            nn.init.zeros_(embed_tokens.weight[dictionary.pad()])
        elif embed_tokens.embedding_dim != dim or embed_tokens.num_embeddings != len(dictionary):
            raise UserError(f"shared embeddings: the encoder's table is {tuple(embed_tokens.weight.shape)}, the "
                            f"decoder needs {len(dictionary)} x {dim} (set --decoder-embed-dim to the encoder's size)")
        self.embed_tokens = embed_tokens
        self.langs = {lang: i for i, lang in enumerate(langs)}
        self.embed_langs = nn.Embedding(len(langs), memory_dim) if lang_slot else None
        self.transformer = TransformerDecoderStack(dim, layers, heads, ffn_dim, dropout,
                                                   normalize_before=normalize_before, max_positions=max_positions,
                                                   memory_dim=memory_dim)

    def memory(self, encoder_out: Dict) -> Tuple[Tensor, Tensor]:
        """The states attended to, B x M x C, and their padding mask B x M."""
        if "memory" in encoder_out:  # the encoder has put the target language in
            return encoder_out["memory"], encoder_out["memory_pad_mask"]
        tgt_lang = encoder_out.get("tgt_lang")
        if tgt_lang not in self.langs:
            raise UserError(f"the decoder writes {', '.join(self.langs)}; asked for tgt_lang={tgt_lang!r}")
        states, pad_mask = encoder_out["token_features"], encoder_out["pad_mask"]
        if self.embed_langs is None:
            return states, pad_mask
        bsz = states.size(0)
        lang = self.embed_langs.weight[self.langs[tgt_lang]].view(1, 1, -1).expand(bsz, 1, -1)
        return torch.cat([states, lang], dim=1), torch.cat([pad_mask, pad_mask.new_zeros(bsz, 1)], dim=1)

    def forward(self, prev_output_tokens, encoder_out: Optional[Dict] = None,
                incremental_state: Optional[Dict[str, Dict[str, Optional[Tensor]]]] = None,
                output_mask: Optional[Tensor] = None, **kwargs):
        """prev_output_tokens: B x T (the target shifted right, starting with </s>) -> (logits B x T x V, extra).
        With ``incremental_state`` only the last token is read (its position: T - 1) and the layers keep the
        earlier keys and values. With ``output_mask`` (B x T bool) only the masked positions' logits (N x V)."""
        start = 0
        if incremental_state is not None:
            start = prev_output_tokens.size(1) - 1
            prev_output_tokens = prev_output_tokens[:, -1:]
        memory, memory_pad_mask = self.memory(encoder_out)
        h = self.transformer(self.embed_tokens(prev_output_tokens), memory, memory_pad_mask, start,
                             incremental_state)  # B x T x C
        if output_mask is not None:  # training: the output layer only where there is a target token
            h = h[output_mask]  # N x C
        return F.linear(h, self.embed_tokens.weight), {"attn": None}

    def max_positions(self):
        return self.transformer.max_positions


def build_decoder(cfg, task, encoder) -> Optional[FairseqIncrementalDecoder]:
    """The decoder ``cfg.decoder`` names (None for ``none``), writing the task's joined word vocabulary."""
    if cfg.decoder not in DECODERS:
        raise UserError(f"--decoder {cfg.decoder!r}: expected one of {', '.join(DECODERS)}")
    if cfg.decoder_init not in ("zero", "sentence"):
        raise UserError(f"--decoder-init {cfg.decoder_init!r}: expected zero or sentence")
    if cfg.decoder == "none":
        needing = [o.name for o in getattr(task, "objectives", ()) if o.cfg.needs_decoder]
        if needing:
            raise UserError(f"objective {needing[0]} trains a decoder: choose one with --decoder lstm (or an "
                            f"architecture that has one, such as xling_laser_lstm)")
        return None
    vocab = task.vocabs["word"]
    if not vocab.joined:
        raise UserError("--decoder needs one vocabulary shared by every language (a joined dictionary, e.g. "
                         "sub-words learned over all languages); this run has one dictionary per language")
    dictionary = next(iter(vocab.dicts.values()))
    if cfg.decoder == "transformer":
        shared = None
        if cfg.share_all_embeddings:
            shared = getattr(encoder, "embed_tokens", None)
            if not isinstance(shared, nn.Embedding):
                raise UserError(f"--share-all-embeddings: the encoder {type(encoder).__name__} has no token table "
                                f"to share")
        return TransformerAttentionDecoder(dictionary, vocab.langs, encoder.output_dim, cfg.decoder_embed_dim,
                                           cfg.decoder_layers, cfg.decoder_attention_heads, cfg.decoder_ffn_embed_dim,
                                           cfg.decoder_dropout, cfg.decoder_normalize_before, shared,
                                           lang_slot=not getattr(encoder, "reads_target_lang", False))
    return SentenceLSTMDecoder(dictionary, vocab.langs, encoder.sentence_dim,
                               cfg.decoder_embed_dim, cfg.decoder_hidden_size, cfg.decoder_layers,
                               cfg.decoder_lang_dim, cfg.decoder_dropout, cfg.decoder_init == "sentence")
