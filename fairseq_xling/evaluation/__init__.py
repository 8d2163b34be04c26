"""Evaluation of cross-lingual sentence encoders: metrics as pure functions on numpy arrays, plus the
``xling-eval`` CLI (``cli.py``) that reads files, encodes them through the hub and reports JSON lines.

Nothing here imports fairseq or the trainer; only ``cli.py`` reaches the hub, and only for ``--checkpoint``.
"""
from fairseq_xling.evaluation.doc_classification import (  # noqa: F401
    AveragedPerceptron,
    cross_lingual_doc_classification,
    document_embeddings,
    read_mldoc,
    read_rcv,
    split_sentences,
)
from fairseq_xling.evaluation.eigen import eigen_similarity  # noqa: F401
from fairseq_xling.evaluation.nli import pair_features, read_sick, read_xnli, zero_shot_classification  # noqa: F401
from fairseq_xling.evaluation.retrieval import error_rate, knn_mean, margin_score, precision_at_k  # noqa: F401
from fairseq_xling.evaluation.sts import angular, sts_correlations  # noqa: F401
