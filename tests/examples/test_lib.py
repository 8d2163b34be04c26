"""examples/lib.sh: jobs run side by side, at most N at once, and a failed job fails the step (a bare `wait`
returns 0); tables are replaced only by a command that succeeded."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f". examples/lib.sh\n{script}"], cwd=ROOT, capture_output=True, text=True)


def test_wait_jobs_fails_when_any_job_failed_after_all_ended(tmp_path):
    done = tmp_path / "slow_done"
    out = run(f"start bash -c 'sleep 0.3; touch {done}'\nstart false\nwait_jobs; echo status=$?")
    assert "status=1" in out.stdout
    assert done.exists()  # the other job was waited for, not abandoned


def test_wait_jobs_succeeds_and_forgets_its_jobs():
    out = run("start true\nstart true\nwait_jobs; echo first=$?\nstart false\nwait_jobs; echo second=$?\n"
              "wait_jobs; echo third=$?")
    assert "first=0" in out.stdout and "second=1" in out.stdout and "third=0" in out.stdout


def test_parallel_corpora_lists_each_pair_and_each_side_once_as_monolingual_text():
    out = run('parallel_corpora D\nprintf "%s\\n" "${PARALLEL_CORPORA[@]}"\necho ==\nprintf "%s\\n" "${MONO_SIDES[@]}"')
    corpora, mono = out.stdout.split("==\n")
    corpora, mono = corpora.split(), mono.split()
    trains = [tuple(corpora[i + 1:i + 4]) for i, word in enumerate(corpora) if word == "--train"]
    assert len(trains) == 9 and {pair for pair, _, _ in trains} == {"de-en", "es-en", "fr-en", "nl-en"}
    assert corpora[corpora.index("--encoding") + 1] == "D/comtrans_de_en/comtrans.e=latin-1"
    sides = [tuple(mono[i + 1:i + 3]) for i in range(0, len(mono), 3)]
    assert all(mono[i] == "--mono" for i in range(0, len(mono), 3))
    expected = {(p.split("-")[k], f) for p, src, tgt in trains for k, f in ((0, src), (1, tgt))}
    assert sorted(sides) == sorted(expected)  # every file once (LibreOffice's train.en serves four pairs)
    assert ("en", "D/libreoffice_help/train.en") in sides and ("nl", "D/libreoffice_help/train.nl") in sides


def test_write_table_replaces_its_output_only_when_the_command_succeeds(tmp_path):
    table = tmp_path / "results.md"
    table.write_text("last good table\n")
    out = run(f"write_table {table} false; echo status=$?")
    assert "status=1" in out.stdout and table.read_text() == "last good table\n"  # not emptied by a failure
    assert not (tmp_path / "results.md.tmp").exists()
    out = run(f"write_table {table} echo new table; echo status=$?")
    assert "status=0" in out.stdout and table.read_text() == "new table\n"


def test_start_at_most_keeps_that_many_jobs_running(tmp_path):
    log = tmp_path / "log"
    job = f"bash -c 'echo start >> {log}; sleep 0.2; echo end >> {log}'"
    out = run(f"for i in 1 2 3; do start_at_most 1 {job}; done\nwait_jobs; echo status=$?")
    assert "status=0" in out.stdout
    assert log.read_text().split() == ["start", "end"] * 3  # one at a time: never two starts in a row
    log.unlink()
    out = run(f"for i in 1 2; do start_at_most 2 {job}; done\nwait_jobs")
    assert log.read_text().split()[:2] == ["start", "start"]  # two side by side


def test_start_at_most_fails_on_a_failed_job_and_on_a_bad_limit():
    out = run("start_at_most 1 false\nstart_at_most 1 true; echo status=$?")
    assert "status=1" in out.stdout  # the failed job is reported before another starts
    out = run("start_at_most x true; echo status=$?")
    assert "status=2" in out.stdout and "expected a positive number" in out.stderr


def test_a_jobs_setting_survives_sourcing_the_library():
    """The contextual run.sh reads JOBS from the environment after sourcing lib.sh; lib.sh once reset it."""
    out = subprocess.run(["bash", "-c", ". examples/lib.sh; echo \"jobs=$JOBS\""], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "JOBS": "1"})
    assert "jobs=1" in out.stdout


def test_contextual_run_refuses_a_bad_jobs_setting():
    out = subprocess.run(["bash", "examples/contextual/run.sh", "table"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "JOBS": "two"})
    assert out.returncode == 2 and "JOBS=two: expected a positive number" in out.stderr
