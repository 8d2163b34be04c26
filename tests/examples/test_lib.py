"""examples/lib.sh: jobs run side by side, and a failed one fails the step (a bare `wait` returned 0)."""
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
