"""examples/contextual/table.py: seeds averaged into the zero-shot and joint tables, the plot written."""
import json

import pytest

from tests.utils import load_example_table


def load_table():
    return load_example_table("contextual")


def test_tables_average_seeds_and_plot(tmp_path, capsys):
    def row(model, lang, score, key="f1"):
        return {"model": model, "task": "tagging", "lang": lang, key: score}

    rows = [row("ner-mono_en-top-seed1", "en", 0.80), row("ner-mono_en-top-seed2", "en", 0.70),
            row("ner-mono_en-top-seed1", "nl", 0.50), row("ner-mono_nl-top-seed1", "nl", 0.75),
            row("ner-jointA-top-seed1", "nl", 0.60), row("ner-jointB-top-seed1", "nl", 0.64),
            row("ner-jointA-top-seed2", "nl", 0.62), row("ner-jointB-top-seed2", "nl", 0.68),
            row("ner-jointB-top-seed3", "nl", 0.99),  # no A of seed 3: not paired, not counted
            row("ner-jointA-bow-seed1", "nl", 0.50),
            row("pos-mono_en-bow-seed1", "fr", 0.40, "accuracy")]
    results, times = tmp_path / "results.jsonl", tmp_path / "times.txt"
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    times.write_text("ner-mono_en-top-seed1: 1200 s\n")
    image, out_md = tmp_path / "zeroshot.png", tmp_path / "results.md"
    load_table().main([str(results), "--times", str(times), "--out", str(out_md), "--plot", str(image)])
    out = capsys.readouterr().out
    # monolingual columns: the languages trained on their own data (here NER nl only)
    assert "| features | en | nl | es | de | monolingual nl |\n" in out
    assert "| LASER-top | 75.0 (70.0..80.0, n=2) | 50.0 (n=1) | - | - | 75.0 (n=1) |\n" in out
    assert "| features | en | nl | es | de | fr |\n" in out  # POS: no monolingual run, no column
    assert "| BPE-BOW | - | - | - | - | 40.0 (n=1) |\n" in out  # POS: accuracy, fr column
    assert "| LASER-top | 61.0 / 66.0 / +5.0 (+4.0..+6.0, n=2) |" in out  # joint: A / B / B - A, paired by seed
    assert "| BPE-BOW | - |" in out  # A without B
    assert "**POS, joint training** (A: a quarter of each language; B: all of English + the same quarters): A / B / " \
        "B - A per language: no runs yet" in out  # not an empty table
    assert "| ner-mono_en-top-seed1 | 1200 s |" in out and out_md.read_text() in out
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_model_name_not_of_run_sh_stops_the_table(tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps({"model": "my-model", "lang": "en", "f1": 0.5}) + "\n")
    with pytest.raises(SystemExit, match=r"model 'my-model': expected a run.sh name, TASK-SCENARIO-KIND-seedN"):
        load_table().main([str(results)])
    assert not (tmp_path / "results.md").exists()
