"""Registered models and their named architectures."""
from fairseq_xling.models import bilstm_avg, char_cnn_tagger, laser_lstm  # noqa: F401
