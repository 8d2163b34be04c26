"""The one model family of fairseq_xling: a registered encoder, one head per objective, optionally a decoder.

Every registered model (``xling_bilstm_avg``, ``xling_char_cnn_tagger``, ...) is :class:`XlingModel` with its
own :class:`XlingEncoder`; the heads come from the run's objectives (``--objectives``), so any encoder trains
with any objective and a pretrained encoder is fine-tuned with new heads (``--restore-encoder``).

The contract:
- ``encoder(src_tokens, src_lengths, src_lang, **extra)`` returns a dict with ``layers`` (one B x T x C tensor
  per layer, the embedding layer first), ``token_features`` (the top layer, zeros at padding), ``pad_mask``
  (B x T, True = padding) and ``sentence_emb`` (B x D);
- ``model(src_tokens, src_lengths, src_lang, head=NAME, **inputs)`` runs the encoder and then head NAME on its
  output, and returns both outputs in one dict; heads that do not read encoder states (skip-gram) get the
  encoder itself. Criteria read these outputs only (see ``criterions/``);
- with a decoder (``--decoder``, ``models/decoders.py``) ``model(..., prev_output_tokens=, tgt_lang=)`` adds the
  decoder's ``logits``, and the model keeps fairseq's encoder-decoder contract (``model.encoder``'s
  ``forward_torchscript`` / ``reorder_encoder_out``, ``model.decoder`` incremental), so fairseq's
  SequenceGenerator decodes with it. An encoder with ``reads_target_lang`` (MMTE's ``<2xx>`` token) is given
  ``tgt_lang`` then, and only then, and adds the states the decoder attends to (``memory``, ``memory_pad_mask``).
"""
import logging
import os
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
from fairseq.dataclass import FairseqDataclass
from fairseq.models import BaseFairseqModel

from fairseq_xling.data.vocab import MultilingualVocab, row_mapping
from fairseq_xling.errors import UserError
from fairseq_xling.models.encoder_cache import FrozenEncoderCache
from fairseq_xling.modules.pooling import masked_mean

logger = logging.getLogger(__name__)
ENCODER_INPUTS = ("src_chars", "src_words")  # inputs meant for encoders (one that does not read them ignores them)


def load_checkpoint(path: str) -> dict:
    """The state of a fairseq_xling checkpoint; ValueError when ``path`` is not one (missing, corrupt, other kind)."""
    from fairseq import checkpoint_utils

    if not os.path.isfile(path):
        raise UserError(f"{path}: no such checkpoint file")
    try:
        state = checkpoint_utils.load_checkpoint_to_cpu(path)
    except Exception as e:  # torch raises many types for a truncated or foreign file
        reason = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
        raise UserError(f"{path}: not a readable fairseq checkpoint ({type(e).__name__}: {reason})") from None
    if not isinstance(state.get("task_state"), dict) or "vocabs" not in state["task_state"]:
        raise UserError(f"{path}: not a fairseq_xling checkpoint (its task state has no vocabularies; checkpoints "
                         f"of fairseq_xling before its model layer must be retrained)")
    return state


@dataclass
class XlingModelConfig(FairseqDataclass):
    """Options every encoder has (heads are built from the objectives; see ``models/heads.py``)."""

    embedding_grad_scale: float = field(default=1.0, metadata={
        "help": "multiply the gradient of the encoder's embedding tables (Chidambaram et al. 2019 use 100)"})
    freeze_encoder: bool = field(default=False, metadata={
        "help": "feature-based training: the encoder's parameters stay as they are (restored with "
                "--restore-encoder) and it runs without dropout; only heads (and a decoder) train"})
    frozen_encoder_cache_gb: float = field(default=0.0, metadata={
        "help": "with --freeze-encoder: keep each sentence's encoder states (float32, up to this many GB) and run "
                "the encoder once per distinct sentence instead of once per epoch (0 = off)"})
    tag_head: str = field(default="crf", metadata={"help": "tagging heads: crf | softmax"})
    no_lang_specific_layer: bool = field(default=False, metadata={
        "help": "tagging heads without the gated language-specific linear layer (Lin et al. 2018 ablation)"})
    decoder: str = field(default="none", metadata={
        "help": "none | lstm (LASER's: [previous token; sentence vector; target language] -> LSTM) | transformer "
                "(attention over the encoder's states); with a decoder the model runs in fairseq's "
                "SequenceGenerator (fairseq-generate)"})
    decoder_embed_dim: int = field(default=320, metadata={
        "help": "decoder token embedding size (the transformer decoder's model size)"})
    decoder_hidden_size: int = field(default=2048, metadata={"help": "decoder LSTM size"})
    decoder_layers: int = field(default=1, metadata={"help": "decoder layers"})
    decoder_attention_heads: int = field(default=8, metadata={"help": "transformer decoder attention heads"})
    decoder_ffn_embed_dim: int = field(default=2048, metadata={"help": "transformer decoder feed-forward size"})
    decoder_normalize_before: bool = field(default=False, metadata={"help": "pre-norm transformer decoder layers"})
    share_all_embeddings: bool = field(default=False, metadata={
        "help": "the encoder's token table is also the transformer decoder's input table and output layer"})
    decoder_lang_dim: int = field(default=32, metadata={"help": "target language embedding size"})
    decoder_dropout: float = field(default=0.1, metadata={"help": "dropout on the decoder's input and output"})
    decoder_init: str = field(default="zero", metadata={
        "help": "the decoder LSTM's initial state: zero | sentence (a linear map of the sentence vector, LASER)"})
    pretrained_word_vectors: Optional[str] = field(default=None, metadata={
        "help": "initialise the word table from word2vec text files: 'nl:vectors.nl.vec,es:vectors.es.vec' "
                "(e.g. from XlingHubInterface.save_word_vectors of a JMT model)"})


def model_defaults(cfg):
    """Fill the options every encoder has with their defaults where ``cfg`` lacks them. fairseq builds a model
    from its arch name by calling the arch function on the saved config, not by merging the dataclass, so a
    checkpoint written before an option existed would otherwise not load. Each encoder's base arch calls this."""
    import dataclasses

    for f in dataclasses.fields(XlingModelConfig):
        if f.name != "_name" and not hasattr(cfg, f.name):
            setattr(cfg, f.name, f.default)


def encoder_output(layers, pad_mask: torch.Tensor, pool=masked_mean) -> dict:
    """The encoder contract's dict: ``token_features`` is the top layer with zeros at padding, ``sentence_emb``
    its pooling over time (``pool``: the mean unless the encoder pools otherwise)."""
    top = layers[-1].masked_fill(pad_mask.unsqueeze(-1), 0.0)  # B x T x C
    return {"layers": list(layers), "token_features": top, "pad_mask": pad_mask,
            "sentence_emb": pool(top, pad_mask)}  # B x C


class XlingEncoder(nn.Module):
    """Base of registered encoders. Subclasses set ``output_dim`` (size of ``token_features``),
    ``sentence_dim`` and ``vocab_tables`` (embedding parameter -> the vocabulary whose layout its rows follow),
    and implement :meth:`build` and :meth:`forward`; the word table is ``embed_tokens``.

    Args:
        vocabs: vocabulary name (word, char, ...) -> MultilingualVocab: the row layout of the tables.
    """

    vocab_tables: Dict[str, str] = {}
    extra_inputs: Tuple[str, ...] = ()  # batch inputs it reads besides the tokens (e.g. src_chars)
    # whether forward takes ``tgt_lang`` (translation only) and then puts the decoder's ``memory`` in its output
    reads_target_lang = False
    max_input_tokens: Optional[int] = None  # the longest input it takes (positions); None: any length
    layer_dims: Tuple[int, ...] = ()  # size of each of its ``layers``, the embedding layer first
    # whether forward takes ``embeddings_only=True`` (then ``layers`` is the embedding layer alone), which a head that
    # reads only embeddings (``reads_embeddings_only``) asks for
    can_stop_at_embeddings = False
    bidirectional = False  # whether its contextual layers are [forward; backward] states (BiLSTMs)

    def __init__(self, vocabs: Dict[str, MultilingualVocab]):
        super().__init__()
        self.vocabs = vocabs

    @classmethod
    def build(cls, cfg, task) -> "XlingEncoder":
        raise NotImplementedError

    def forward_torchscript(self, net_input: dict) -> dict:
        """fairseq's SequenceGenerator entry point: the encoder's inputs from ``net_input``; the target language
        (for the decoder, never for the encoder) is carried in the output as ``tgt_lang``."""
        inputs = {k: v for k, v in net_input.items() if k not in ("prev_output_tokens", "tgt_lang")}
        if self.reads_target_lang:
            inputs["tgt_lang"] = net_input.get("tgt_lang")
        return dict(self.forward(**inputs), tgt_lang=net_input.get("tgt_lang"))

    def reorder_encoder_out(self, encoder_out: dict, new_order: torch.Tensor) -> dict:
        """The output for batch rows ``new_order`` (beam search repeats each sentence beam-size times)."""
        def select(value):
            if torch.is_tensor(value):
                return value.index_select(0, new_order)
            return [select(v) for v in value] if isinstance(value, list) else value

        return {k: select(v) for k, v in encoder_out.items()}

    def embed_words(self, rows: torch.Tensor) -> torch.Tensor:
        """Input vectors of rows of the word table ``embed_tokens`` (rows in the shared layout): ... x E."""
        return self.embed_tokens(rows)

    def embedding_tables(self) -> Tuple[str, ...]:
        """Names of the embedding parameters, whose gradients ``--embedding-grad-scale`` multiplies: the
        vocabulary tables unless the encoder has others (hashed buckets)."""
        return tuple(self.vocab_tables)


class XlingModel(BaseFairseqModel):
    """Args:
        encoder: an :class:`XlingEncoder`.
        heads: head name -> module (see ``models/heads.py``).
        embedding_grad_scale: multiplies the gradient of the encoder's embedding tables (``embedding_tables``).
        decoder: optional, a fairseq incremental decoder (``models/decoders.py``).
    """

    encoder_class = XlingEncoder  # each registered model names its encoder

    def __init__(self, encoder: XlingEncoder, heads: Dict[str, nn.Module], embedding_grad_scale: float = 1.0,
                 decoder: Optional[nn.Module] = None):
        super().__init__()
        self.encoder = encoder
        self.heads = nn.ModuleDict(heads)
        self.decoder = decoder
        if embedding_grad_scale != 1.0:
            for name in encoder.embedding_tables():
                self.encoder.get_parameter(name).register_hook(lambda grad: grad * embedding_grad_scale)

    @classmethod
    def build_model(cls, cfg, task):
        from fairseq_xling.models.decoders import build_decoder
        from fairseq_xling.models.heads import build_heads

        encoder = cls.encoder_class.build(cfg, task)
        model = cls(encoder, build_heads(task, encoder, cfg), cfg.embedding_grad_scale,
                    build_decoder(cfg, task, encoder))
        if cfg.freeze_encoder:
            model.freeze_encoder()
            if cfg.frozen_encoder_cache_gb > 0:
                model.encoder_cache = FrozenEncoderCache(cfg.frozen_encoder_cache_gb * 1e9)
        elif cfg.frozen_encoder_cache_gb > 0:
            raise UserError("--frozen-encoder-cache-gb needs --freeze-encoder (a trained encoder's states change)")
        return model

    def freeze_encoder(self):
        """No gradient reaches the encoder's parameters (fairseq's optimizer takes only parameters that require
        one) and the encoder stays in eval mode (no dropout) while the rest trains."""
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        self.encoder_frozen = True
        self.encoder.eval()

    def train(self, mode: bool = True):
        super().train(mode)
        if getattr(self, "encoder_frozen", False):
            self.encoder.eval()
        return self

    def initialise(self, cfg, restore_encoder: Optional[str] = None):
        """What a new training run starts from (not applied when a checkpoint is loaded): an encoder restored from
        another run's checkpoint, then word2vec vectors (``cfg.pretrained_word_vectors``)."""
        if restore_encoder:
            self.restore_encoder(restore_encoder)
            logger.info(f"encoder restored from {restore_encoder}")
        langs = self.encoder.vocabs["word"].langs
        for entry in (cfg.pretrained_word_vectors or "").split(","):
            if entry.strip():
                lang, _, path = entry.strip().partition(":")
                if lang not in langs or not path:
                    raise UserError(f"--pretrained-word-vectors {entry!r}: expected LANG:PATH with LANG one of "
                                     f"{', '.join(langs)}")
                self.load_word_vectors(lang, path)

    @property
    def sentence_dim(self) -> int:
        return self.encoder.sentence_dim

    def forward(self, src_tokens=None, src_lengths=None, src_lang: Optional[str] = None, head: Optional[str] = None,
                prev_output_tokens=None, tgt_lang: Optional[str] = None, output_mask=None, **inputs):
        """Encoder outputs (see the module docstring), plus head ``head``'s outputs when one is named, or with
        ``prev_output_tokens`` (teacher forcing) the decoder's ``logits`` (B x T x V) for target language
        ``tgt_lang``; with ``output_mask`` (B x T bool, e.g. the target's non-pad positions) only the masked
        positions' logits (N x V).

        Of ``inputs``, encoder inputs (``src_chars``) go to encoders that read them (``encoder.extra_inputs``), the
        rest to the head (e.g. ``tags``).
        """
        if head is not None and head not in self.heads:
            raise KeyError(f"the model has no head {head!r}; it has {', '.join(self.heads) or 'none'}")
        if head is not None and not getattr(self.heads[head], "reads_encoder_states", True):
            return self.heads[head](self.encoder, **inputs)
        extra = {k: inputs.pop(k) for k in ENCODER_INPUTS if k in inputs}  # data gives them to any encoder
        extra = {k: v for k, v in extra.items() if k in self.encoder.extra_inputs}
        if tgt_lang is not None and self.encoder.reads_target_lang:
            extra["tgt_lang"] = tgt_lang
        if head is not None and getattr(self.heads[head], "reads_embeddings_only", False) \
                and self.encoder.can_stop_at_embeddings:
            extra["embeddings_only"] = True  # e.g. BPE-BOW features: the contextual layers would go unused
        cache = getattr(self, "encoder_cache", None)
        if cache is not None and src_lengths is not None and tgt_lang is None and set(extra) <= {"embeddings_only"}:
            read = getattr(self.heads[head], "layers_read", None) if head is not None else None
            layers = read(len(self.encoder.layer_dims)) if read is not None and self.encoder.layer_dims else None
            out = cache.encode(self.encoder, src_tokens, src_lengths, src_lang,
                               self.encoder.vocabs["word"].pad(src_lang), layers=layers, head=head, **extra)
        else:
            out = self.encoder(src_tokens, src_lengths, src_lang, head=head, **extra)
        if head is not None:
            out.update(self.heads[head](out, src_lang, **inputs))
        if prev_output_tokens is not None:
            if self.decoder is None:
                raise UserError("the model has no decoder (--decoder)")
            out["tgt_lang"] = tgt_lang
            out["logits"] = self.decoder(prev_output_tokens, encoder_out=out, output_mask=output_mask)[0]
        return out

    def max_decoder_positions(self):
        return self.decoder.max_positions() if self.decoder is not None else 0

    def get_normalized_probs(self, net_output, log_probs, sample=None):
        if self.decoder is not None:
            return self.decoder.get_normalized_probs(net_output, log_probs, sample)
        logits = net_output[0].float()
        return logits.log_softmax(-1) if log_probs else logits.softmax(-1)

    def word_vectors(self, lang: str) -> torch.Tensor:
        """The input vectors of language ``lang``'s dictionary, one row per entry: V x E."""
        vocab = self.encoder.vocabs["word"]
        ids = torch.arange(len(vocab.dicts[lang]), device=next(self.parameters()).device)
        return self.encoder.embed_words(vocab.rows(lang, ids))

    @torch.no_grad()
    def load_word_vectors(self, lang: str, path: str):
        """Copy the vectors of ``path`` (word2vec text) into the word-table rows of the words they name."""
        from fairseq_xling.text.word_vectors import read_word2vec_text

        table_name = next(n for n, v in self.encoder.vocab_tables.items() if v == "word")
        table = self.encoder.get_parameter(table_name)
        names, vectors = read_word2vec_text(path)
        if vectors.shape[1] != table.size(1):
            raise UserError(f"{path}: {vectors.shape[1]}-dim vectors for {table.size(1)}-dim word embeddings "
                             f"(set the word embedding size to {vectors.shape[1]})")
        vocab = self.encoder.vocabs["word"]
        dictionary, found = vocab.dicts[lang], 0
        for name, vector in zip(names, vectors):
            index = dictionary.index(name)
            if index != dictionary.unk() or name == dictionary.unk_word:
                table[vocab.rows(lang, index)] = torch.from_numpy(vector)
                found += 1
        logger.info(f"[{lang}] {found} of {len(dictionary)} word embeddings initialised from {path}")

    @torch.no_grad()
    def restore_encoder(self, path: str):
        """Load the encoder of checkpoint ``path`` into this model, whose languages and heads may differ.

        Embedding tables are matched by (language, symbol) through the checkpoint's vocabularies; every other
        parameter must have the same name and shape. Raises ValueError naming what does not match.
        """
        from fairseq.models import ARCH_MODEL_REGISTRY

        state = load_checkpoint(path)
        old_arch = state["cfg"]["model"]._name
        old_encoder = getattr(ARCH_MODEL_REGISTRY.get(old_arch), "encoder_class", None)
        if old_encoder is not self.encoder_class:
            raise UserError(f"--restore-encoder {path}: its model ({old_arch}) has another encoder than this one "
                             f"({self.encoder_class.__name__}); pretrain and fine-tune the same encoder")
        old_vocabs = {n: MultilingualVocab.from_state(s) for n, s in state["task_state"]["vocabs"].items()}
        prefix = "encoder."
        old = {k[len(prefix):]: v for k, v in state["model"].items() if k.startswith(prefix)}
        own = self.encoder.state_dict()
        missing = sorted(set(own) - set(old))
        if missing:
            raise UserError(f"--restore-encoder {path}: the checkpoint's encoder lacks {', '.join(missing)} "
                             f"(different encoder options?)")
        for name, value in own.items():
            if name in self.encoder.vocab_tables:
                vocab_name = self.encoder.vocab_tables[name]
                if vocab_name not in old_vocabs:
                    raise UserError(f"--restore-encoder {path}: the checkpoint has no {vocab_name} vocabulary")
                new_rows, old_rows, found = row_mapping(old_vocabs[vocab_name], self.encoder.vocabs[vocab_name])
                if not found:
                    raise UserError(f"--restore-encoder {path}: its {vocab_name} vocabulary has none of this run's "
                                     f"languages ({', '.join(self.encoder.vocabs[vocab_name].langs)}); it has "
                                     f"{', '.join(old_vocabs[vocab_name].langs)}")
                if old[name].shape[1:] != value.shape[1:]:
                    raise UserError(f"--restore-encoder {path}: {name} is {tuple(old[name].shape)} there, "
                                     f"{tuple(value.shape)} here")
                value[new_rows] = old[name][old_rows].to(value.dtype)
                for lang, (hits, total) in found.items():
                    logger.info(f"restored {vocab_name} vectors [{lang}]: {hits} of {total} entries from {path}")
            elif old[name].shape != value.shape:
                raise UserError(f"--restore-encoder {path}: {name} is {tuple(old[name].shape)} there, "
                                 f"{tuple(value.shape)} here (different encoder sizes?)")
            else:
                value.copy_(old[name])  # state_dict() tensors share the parameters' storage: this is the load

    def max_positions(self):
        """The longest example (tokens) the encoder, and the decoder if any, take; None: any length. fairseq-train
        skips longer training examples (counted in a warning), and longer validation / generation examples stop the
        run unless --skip-invalid-size-inputs-valid-test (see the task's get_batch_iterator)."""
        limits = [self.encoder.max_input_tokens, self.decoder.max_positions() if self.decoder is not None else None]
        limits = [int(n) for n in limits if n is not None]
        return min(limits) if limits else None

    @classmethod
    def from_pretrained(cls, model_name_or_path, checkpoint_file="checkpoint_best.pt", **kwargs):
        """The hub interface of a checkpoint (see :class:`~fairseq_xling.hub_interface.XlingHubInterface`)."""
        from fairseq_xling.hub_interface import XlingHubInterface

        return XlingHubInterface.from_pretrained(model_name_or_path, checkpoint_file, **kwargs)
