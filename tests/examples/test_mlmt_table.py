"""examples/mlmt/table.py: seeds averaged into the README's tables, Figure 3 written as an image."""
import json

from tests.utils import load_example_table


def load_table():
    return load_example_table("mlmt")


def test_tables_average_seeds_and_plot(tmp_path, capsys):
    rows = [dict(sweep="lowres", setting="baseline", size=10, seed=1, f1=0.10, train_seconds=100),
            dict(sweep="lowres", setting="baseline", size=10, seed=2, f1=0.20, train_seconds=100),
            dict(sweep="lowres", setting="full", size=10, seed=1, f1=0.30, train_seconds=100),
            dict(sweep="lowres", setting="full", size=100, seed=1, f1=0.50, train_seconds=100),
            dict(sweep="lowres", setting="baseline+w2v", size=10, seed=1, f1=0.25, train_seconds=100),
            dict(sweep="ablation", setting="basic", size=10, seed=1, f1=0.05, train_seconds=100),
            dict(sweep="full", setting="baseline_nl", size="all", seed=1, f1=0.70, train_seconds=600),
            dict(sweep="full", setting="full_nl+w2v+conv", size="all", seed=1, f1=0.75, train_seconds=900,
                 dev_f1_by_epoch=[0.6, 0.75, 0.7], epochs=3, best_epoch=2, target_updates_by_epoch=[2500, 2500, 2500])]
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    image = tmp_path / "lowres.png"
    curve = tmp_path / "curve.png"
    load_table().main([str(results), "--plot", str(image), "--curve", str(curve)])
    out = capsys.readouterr().out
    assert "| baseline | 15.0 ± 7.1 (2) | - |" in out
    assert "| full | 30.0 (1) | 50.0 (1) |" in out
    assert out.index("| baseline+w2v | 25.0 (1) | - |") < out.index("| full |")  # a variant after its setting
    assert "| basic | 5.0 (1) |" in out and "| +CLSHD (full) | 30.0 (1) |" in out  # full model = last row of Table 6
    assert "| baseline_nl | 70.0 (1) | - | 600 |" in out
    assert "| full_nl+w2v+conv | 75.0 (1) | 3 (2) | 900 |" in out  # to convergence: epochs run (best epoch)
    assert curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
