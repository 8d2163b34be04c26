"""fairseq_xling: cross-lingual representation learning as a fairseq plugin.

Load it with ``fairseq-train --user-dir fairseq_xling`` or ``import fairseq_xling``. This file is the
component index: each line below imports one folder whose files register tasks, models and criterions.
fairseq imports a user-dir's ``tasks/`` and ``models/`` by itself, but not ``criterions/``, so every
folder is imported explicitly.
"""
import argparse
import logging

import torch

# fairseq's text_to_speech task logs an "install tensorboardX" notice at import, in every pipeline step
logging.getLogger("fairseq.tasks.text_to_speech").setLevel(logging.WARNING)

# fairseq checkpoints pickle an argparse.Namespace; torch >= 2.6 loads with weights_only=True and refuses
# it unless it is registered as a safe global (fairseq-generate, fairseq-validate, from_pretrained).
if hasattr(torch.serialization, "add_safe_globals"):
    torch.serialization.add_safe_globals([argparse.Namespace])

from fairseq_xling import criterions, models, optim, tasks  # noqa: E402,F401  (registers components)
from fairseq_xling.errors import install_excepthook  # noqa: E402

# fairseq-train / -validate / -generate with --user-dir fairseq_xling: a bad option or file is one error line
install_excepthook()

__version__ = "0.1.0"
