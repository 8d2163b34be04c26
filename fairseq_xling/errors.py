"""User errors: a bad option, input file or checkpoint, as opposed to a bug.

Components raise :class:`UserError` (a ValueError, so callers that catch ValueError keep working). Commands that
load the plugin (fairseq-train, fairseq-validate, fairseq-generate with ``--user-dir fairseq_xling``) print an
uncaught UserError as one ``error:`` line instead of a traceback; ``XLING_TRACEBACK=1`` shows the traceback.
"""
import logging
import os
import sys


class UserError(ValueError):
    """A problem the user can fix; the message names the option, file or line and what was expected."""


def install_excepthook():
    """Report uncaught UserErrors as one line on stderr (exit status 1); any other exception as before.

    After the line a command ends at once (logs and standard streams flushed): the interpreter's own shutdown, with
    torch's threads still alive after an error raised mid-training, sometimes aborted (``terminate called without an
    active exception``, exit -6) instead of exiting 1."""
    previous = sys.excepthook

    def excepthook(exc_type, exc, tb):
        if issubclass(exc_type, UserError) and not os.environ.get("XLING_TRACEBACK"):
            sys.stderr.write(f"error: {exc}\n")
            if hasattr(sys, "ps1") or sys.flags.interactive:
                return  # an interactive session goes on
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
