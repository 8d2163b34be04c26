"""LASER (Schwenk & Douze 2017; Artetxe & Schwenk 2019): a BiLSTM encoder-decoder trained to translate, whose
encoder's max-pooled states are a language-agnostic sentence vector.

The model ``xling_laser`` (archs ``xling_laser_lstm*``) is the BiLSTM encoder of ``xling_bilstm_avg``
(:class:`BiLSTMAvgEncoder`: one sub-word table for every language, stacked BiLSTM, every layer returned) pooled
by max over time, with the ``lstm`` decoder
(``models/decoders.py``): its input at every step is [previous token embedding; sentence vector; target-language
embedding], its initial state a linear map of the sentence vector, and there is no attention, so everything the
decoder knows about the source passes through the sentence vector. Encoder and decoder are the shared ones:
the encoder fine-tunes with any head, the decoder serves any encoder (``--decoder lstm``).

Named sizes:

=========================  =========  ================  =========  ============  =========
arch                       sub-words  encoder BiLSTM    sentence   decoder LSTM  language
=========================  =========  ================  =========  ============  =========
xling_laser_lstm           320        5 x 512 per dir.  1024       1 x 2048      32
xling_laser_lstm_cpu       256        3 x 256 per dir.  512        1 x 512       32
xling_laser_lstm_tiny      16         1 x 16 per dir.   32         1 x 32        4
=========================  =========  ================  =========  ============  =========

The first is the paper's; ``_cpu`` trains on two CPU cores within an hour on some 10^5 sentence pairs.
"""
from fairseq.models import register_model, register_model_architecture

from fairseq_xling.models import bilstm_avg
from fairseq_xling.models.bilstm_avg import BiLSTMAvgEncoder, XlingBiLSTMAvgConfig
from fairseq_xling.models.xling_model import XlingModel


@register_model("xling_laser", dataclass=XlingBiLSTMAvgConfig)
class XlingLaserModel(XlingModel):
    encoder_class = BiLSTMAvgEncoder


def _laser(embed, hidden, layers, decoder_hidden, lang_dim=32, dropout=0.1):
    def arch(cfg):
        cfg.embed_dim = getattr(cfg, "embed_dim", embed)
        cfg.encoder_hidden_size = getattr(cfg, "encoder_hidden_size", hidden)
        cfg.encoder_layers = getattr(cfg, "encoder_layers", layers)
        cfg.dropout = getattr(cfg, "dropout", dropout)
        cfg.pool = getattr(cfg, "pool", "max")
        cfg.decoder = getattr(cfg, "decoder", "lstm")
        cfg.decoder_init = getattr(cfg, "decoder_init", "sentence")
        cfg.decoder_embed_dim = getattr(cfg, "decoder_embed_dim", embed)
        cfg.decoder_hidden_size = getattr(cfg, "decoder_hidden_size", decoder_hidden)
        cfg.decoder_lang_dim = getattr(cfg, "decoder_lang_dim", lang_dim)
        cfg.decoder_dropout = getattr(cfg, "decoder_dropout", dropout)
        bilstm_avg.base_architecture(cfg)

    return arch


register_model_architecture("xling_laser", "xling_laser_lstm")(_laser(320, 512, 5, 2048))
register_model_architecture("xling_laser", "xling_laser_lstm_cpu")(_laser(256, 256, 3, 512))
register_model_architecture("xling_laser", "xling_laser_lstm_tiny")(_laser(16, 16, 1, 32, lang_dim=4, dropout=0.0))
