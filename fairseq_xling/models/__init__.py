"""Registered models and their named architectures."""
from fairseq_xling.models import bilstm_avg, char_cnn_tagger  # noqa: F401
