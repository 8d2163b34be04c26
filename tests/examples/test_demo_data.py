"""`make demo` without the shared data stops at once, naming what to download and where to put it."""
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_demo_without_data_names_the_download(tmp_path):
    env = dict(os.environ, XLING_DATA=str(tmp_path), WORK=str(tmp_path / "work"))
    result = subprocess.run(["bash", os.path.join(REPO, "examples/demo/run.sh")], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 1
    assert f"missing {tmp_path}/comtrans_de_en/comtrans.g" in result.stderr
    assert "download comtrans from https://" in result.stderr
    assert f"put it in {tmp_path}/comtrans_de_en" in result.stderr
    assert not (tmp_path / "work").exists()  # stopped before writing anything
