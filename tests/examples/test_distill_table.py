"""examples/distill/table.py: seeds averaged, the spread of each model's mean, train times per run."""
import json

from tests.utils import load_example_table


def load_table():
    return load_example_table("distill")


def retrieval(model, seed, lang, p_x_en, p_en_x):
    base = {"model": model, "seed": seed, "set": "libreoffice_help valid", "task": "retrieval"}
    return [dict(base, direction=f"{lang}->en", **{"p@1": p_x_en}),
            dict(base, direction=f"en->{lang}", **{"p@1": p_en_x})]


def test_seeds_are_averaged_with_their_spread(tmp_path, capsys):
    rows = (retrieval("teacher", None, "de", 0.9, 0.8)
            + retrieval("distill", 1, "de", 0.8, 0.6) + retrieval("distill", 2, "de", 0.6, 0.6)
            + [{"model": "distill", "seed": 1, "task": "sts", "lang": "en", "spearman": 70.0},
               {"model": "distill", "seed": 2, "task": "sts", "lang": "en", "spearman": 60.0},
               {"model": "baseline", "task": "sts", "lang": "en", "spearman": 40.0}])  # an old row: seed 1
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    times = tmp_path / "train_times.txt"
    times.write_text("distill-s1: 1800 s\ndistill-s2: 1900 s\nbaseline: 1000 s\n")
    load_table().main(str(results), str(times))
    out = capsys.readouterr().out
    assert "| teacher (use-m3) | 90.0 / 80.0 | 85.0 (1) |" in out
    # per language the mean of the seeds; the model's mean per seed is 70 and 60 -> 65 ± 7.1 over 2 seeds
    assert "| BiLSTM-avg student, distilled (pairs + English text) | 70.0 / 60.0 | 65.0 ± 7.1 (2) |" in out
    assert "| BiLSTM-avg student, distilled (pairs + English text) | 65.0 | 65.0 ± 7.1 (2) | 1850 s |" in out
    assert "| BiLSTM-avg student, similarity objective | 40.0 | 40.0 (1) | 1000 s |" in out
