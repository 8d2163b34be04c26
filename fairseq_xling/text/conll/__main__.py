"""``python -m fairseq_xling.text.conll``: see :mod:`fairseq_xling.text.conll.cli`."""
import sys

from fairseq_xling.text.conll.cli import main

sys.exit(main())
