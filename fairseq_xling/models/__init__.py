"""Registered models and their named architectures."""
from fairseq_xling.models import bilstm_avg, char_cnn_tagger, dual_encoder, laser_lstm, mmte  # noqa: F401
