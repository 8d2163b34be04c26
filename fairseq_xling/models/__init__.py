"""Registered models and their named architectures."""
from fairseq_xling.models import bilstm_avg  # noqa: F401
