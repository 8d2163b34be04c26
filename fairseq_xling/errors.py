"""User errors: a bad option, input file or checkpoint, as opposed to a bug.

Components raise :class:`UserError` (a ValueError, so callers that catch ValueError keep working). Commands that
load the plugin (fairseq-train, fairseq-validate, fairseq-generate with ``--user-dir fairseq_xling``) print an
uncaught UserError as one ``error:`` line instead of a traceback; ``XLING_TRACEBACK=1`` shows the traceback.
"""
import os
import sys


class UserError(ValueError):
    """A problem the user can fix; the message names the option, file or line and what was expected."""


def install_excepthook():
    """Report uncaught UserErrors as one line on stderr (exit status 1); any other exception as before."""
    previous = sys.excepthook

    def excepthook(exc_type, exc, tb):
        if issubclass(exc_type, UserError) and not os.environ.get("XLING_TRACEBACK"):
            sys.stderr.write(f"error: {exc}\n")
        else:
            previous(exc_type, exc, tb)

    sys.excepthook = excepthook
