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
