"""fairseq_xling.errors: an uncaught UserError is one ``error:`` line and exit status 1 (a command), or one line and
the session goes on (interactive)."""
import subprocess
import sys

RAISE = ("import fairseq_xling\nfrom fairseq_xling.errors import UserError\nprint('before', end='')\n"
         "raise UserError('bad')\n")


def test_a_command_prints_one_line_and_exits_1():
    result = subprocess.run([sys.executable, "-c", RAISE], capture_output=True, text=True)
    assert (result.returncode, result.stderr, result.stdout) == (1, "error: bad\n", "before")  # stdout flushed


def test_an_interactive_session_goes_on():
    result = subprocess.run([sys.executable, "-i", "-q"], input=RAISE + "print('still here')\n", capture_output=True,
                            text=True)
    assert "error: bad" in result.stderr and "Traceback" not in result.stderr
    assert "still here" in result.stdout and result.returncode == 0
