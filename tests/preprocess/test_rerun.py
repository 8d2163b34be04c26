"""What every preprocess/ pipeline does with its destination (preprocess/lib.sh, shared by all three): a re-run
is a no-op only for the same request, a different one stops and says what differs, --force rebuilds, folders of
killed runs are cleaned up, and a signal stops the pipeline and its children at once. conll.sh stands for the
three (they share dest_begin / dest_finish); the cross-pipeline case runs the other two."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.preprocess.test_conll import CONLL_SH, NL_SENTENCES, make_conll2002, run_conll
from tests.utils_text import _script_env, run_europarl, run_multilingual


def leftovers(parent, name):
    return sorted(n for n in os.listdir(parent) if n.startswith(f".{name}."))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(args, dest): a conll.sh data-bin made once from tiny files; tests that change it work on a copy."""
    tmp_path = tmp_path_factory.mktemp("built")
    train = make_conll2002(tmp_path / "ned.train", NL_SENTENCES * 3)
    dest = tmp_path / "bin"
    args = ["--format", "conll2002", "--lang", "nl", "--train", train, "--dest", dest]
    result = run_conll(*args)
    assert result.returncode == 0, result.stderr
    assert (dest / "request.txt").is_file()
    return args, dest


def copy_of(built, tmp_path):
    """(args, dest) with DEST a copy of the built one in tmp_path (the same request, the same input file)."""
    args, dest = built
    copy = tmp_path / "bin"
    shutil.copytree(dest, copy)
    return [copy if a == dest else a for a in args], copy


def snapshot(dest):
    return {name: os.path.getmtime(dest / name) for name in os.listdir(dest)}


def test_the_same_request_from_another_folder_is_a_no_op(built, tmp_path):
    args, dest = built
    before = snapshot(dest)
    # the same files by relative paths, from another working directory
    relative = [os.path.relpath(a, tmp_path) if os.path.isabs(str(a)) else a for a in map(str, args)]
    again = subprocess.run(["bash", CONLL_SH, *relative], capture_output=True, text=True, env=_script_env(),
                           cwd=tmp_path)
    assert again.returncode == 0 and "nothing to do" in again.stderr, again.stderr
    assert snapshot(dest) == before


def test_a_changed_option_stops_and_says_what_differs(built):
    args, dest = built
    before = snapshot(dest)
    again = run_conll(*args, "--scheme", "BIO")
    assert again.returncode == 1
    assert "made by another request" in again.stderr and "now: argument BIO" in again.stderr
    assert "--force" in again.stderr and "Traceback" not in again.stderr
    assert snapshot(dest) == before


def test_a_changed_input_file_stops(built):
    args, _ = built
    train = args[args.index("--train") + 1]
    original = open(train, "rb").read()
    stat = os.stat(train)
    try:
        with open(train, "wb") as f:  # one word edited, the same size and modification time
            f.write(original.replace(b"Jan", b"Jon", 1))
        os.utime(train, (stat.st_atime, stat.st_mtime))
        again = run_conll(*args)
    finally:
        with open(train, "wb") as f:
            f.write(original)
        os.utime(train, (stat.st_atime, stat.st_mtime))
    assert again.returncode == 1
    assert f"was: file {os.path.realpath(train)} size" in again.stderr \
        and f"now: file {os.path.realpath(train)}" in again.stderr


def test_an_input_copied_again_with_a_new_time_is_the_same_request(built):
    """A data folder synced again (new modification times, the same bytes) does not force a rebuild."""
    args, dest = built
    train = args[args.index("--train") + 1]
    before = snapshot(dest)
    stat = os.stat(train)
    os.utime(train, (stat.st_atime, stat.st_mtime + 3600))
    try:
        again = run_conll(*args)
    finally:
        os.utime(train, (stat.st_atime, stat.st_mtime))
    assert again.returncode == 0 and "nothing to do" in again.stderr, again.stderr
    assert snapshot(dest) == before


def test_another_pipeline_pointed_at_the_destination_stops(built, tmp_path):
    args, dest = built
    train = args[args.index("--train") + 1]
    for run, extra in ((run_europarl, ["--src", "de", "--tgt", "en", "--data-dir", tmp_path]),
                       (run_multilingual, ["--train", "de-en", train, train])):
        result = run(*extra, "--dest", dest)
        assert result.returncode == 1, result.stderr
        assert "was: pipeline conll.sh" in result.stderr and "now: pipeline" in result.stderr


def test_a_data_bin_without_a_request_record_is_not_taken_for_the_same(built, tmp_path):
    args, dest = copy_of(built, tmp_path)
    (dest / "request.txt").unlink()
    again = run_conll(*args)
    assert again.returncode == 1 and "without a record of its request" in again.stderr


def test_force_rebuilds_replaces_and_cleans_up_killed_runs(built, tmp_path):
    args, dest = copy_of(built, tmp_path)
    dead_pid = 4_000_000  # above the kernel's pid_max: no such process
    (tmp_path / f".bin.tmp.{dead_pid}.abcdef").mkdir()
    (tmp_path / ".bin.tmp.Xy12Zq").mkdir()  # the earlier naming, without a process id
    alive = tmp_path / f".bin.tmp.{os.getpid()}.qwerty"
    alive.mkdir()
    busy = run_conll(*args, "--scheme", "BIO", "--force")
    assert busy.returncode == 1 and f"another run (process {os.getpid()})" in busy.stderr
    alive.rmdir()

    result = run_conll(*args, "--scheme", "BIO", "--force")
    assert result.returncode == 0, result.stderr
    assert "left by an interrupted run" in result.stderr
    request = (dest / "request.txt").read_text()
    assert "argument BIO" in request and "--force" not in request
    tags = (dest / "dict.tag.txt").read_text().split()
    assert "E-PER" not in tags and "I-PER" in tags  # BIO now, BIOES before
    assert leftovers(tmp_path, "bin") == []
    assert run_conll(*args, "--scheme", "BIO").returncode == 0  # the new request is the recorded one


def test_sigterm_stops_the_pipeline_and_its_children_at_once(tmp_path):
    train = make_conll2002(tmp_path / "ned.train", NL_SENTENCES * 3)
    pid_file = tmp_path / "child.pid"
    slow = tmp_path / "slow-python"  # the interpreter, but its binarising step hangs
    slow.write_text(f"#!/usr/bin/env bash\nif [[ \"$*\" == *fairseq_xling.text.binarize* ]]; then\n"
                    f"    echo $$ > {pid_file}\n    exec sleep 120\nfi\nexec {sys.executable} \"$@\"\n")
    slow.chmod(0o755)
    env = dict(_script_env(), PYTHON=str(slow))
    process = subprocess.Popen(["bash", CONLL_SH, "--format", "conll2002", "--lang", "nl", "--train", str(train),
                                "--dest", str(tmp_path / "bin")], stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert process.poll() is None and time.monotonic() < deadline, "the pipeline never reached its slow step"
        time.sleep(0.2)
    child = int(pid_file.read_text())
    start = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and time.monotonic() - start < 10
    assert "stopped by a signal" in stderr
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert not (tmp_path / "bin").exists() and leftovers(tmp_path, "bin") == []
