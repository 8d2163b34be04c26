"""examples/dual_encoder/table.py: references and seeds in every table, the spread of each model's mean."""
import json

import pytest

from tests.utils import load_example_table


def rows_of(run, model, seed, **scores):
    base = {"run": run, "model": model, "train_seed": seed}
    rows = []
    for lang, (x_en, en_x) in scores.get("retrieval", {}).items():
        rows += [dict(base, set="libreoffice_help valid", task="retrieval", direction=f"{lang}->en", **{"p@1": x_en}),
                 dict(base, set="libreoffice_help valid", task="retrieval", direction=f"en->{lang}", **{"p@1": en_x})]
    rows += [dict(base, set="libreoffice_help valid", task="eigen", pair=f"{lang}-en", psi=psi, seed=0)  # sampling
             for lang, psi in scores.get("eigen", {}).items()]
    rows += [dict(base, set="stsb_multi_mt dev", task="sts", lang=lang, pearson=r)
             for lang, r in scores.get("sts", {}).items()]
    rows += [dict(base, set="SICK -> XNLI dev half", task="nli", test_lang=lang, accuracy=a)
             for lang, a in scores.get("nli", {}).items()]
    return rows


def test_references_and_seeds(tmp_path, capsys):
    rows = (rows_of("use-m3", "use-m3", None, retrieval={"de": (0.9, 0.8)}, sts={"en": 80.0, "de": 70.0},
                    nli={"en": 0.5})
            + rows_of("ranking-s1", "ranking", 1, retrieval={"de": (0.6, 0.4)}, eigen={"de": 2.0},
                      sts={"en": 30.0, "de": 40.0}, nli={"en": 0.35})
            + rows_of("ranking-s2", "ranking", 2, retrieval={"de": (0.8, 0.6)}, eigen={"de": 1.0},
                      sts={"en": 40.0, "de": 50.0}, nli={"en": 0.33}))
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    times = tmp_path / "train_times.txt"
    times.write_text("ranking-s1: 1200 s\nranking-s2: 1300 s\n")
    load_example_table("dual_encoder").main(str(results), str(times))
    out = capsys.readouterr().out
    assert "| multilingual USE v3 (`use-m3`, reference) | 90.0 / 80.0 | 85.0 (1) |" in out
    # seed means 50 and 70 -> 60 ± 14.1; per direction the mean over seeds
    assert "| translation ranking only | 70.0 / 50.0 | 60.0 ± 14.1 (2) |" in out
    assert "| translation ranking only | 1.500 | 1.500 ± 0.707 (2) |" in out  # eigen: three digits
    assert "| translation ranking only | 35.0 | 45.0 | 40.0 ± 7.1 (2) | 1250 s |" in out  # STS with train time
    assert "| multilingual USE v3 (`use-m3`, reference) | 80.0 | 70.0 | 75.0 (1) | - |" in out
    assert "| translation ranking only | 34.0 | 34.0 ± 1.4 (2) |" in out  # NLI accuracy x 100
    assert "multi-task" not in out  # no rows, no line


def test_a_corrupt_results_line_names_its_file_and_line(tmp_path):
    from fairseq_xling.evaluation.report import read_rows
    results = tmp_path / "results.jsonl"
    results.write_text('{"run": "a"}\n{bad json\n')
    with pytest.raises(SystemExit, match=r"results.jsonl:2: expected one JSON row per line"):
        read_rows(str(results))


def test_a_missing_results_file_is_named(tmp_path):
    from fairseq_xling.evaluation.report import read_rows, read_times
    with pytest.raises(SystemExit, match=r"absent.jsonl: cannot read it"):
        read_rows(str(tmp_path / "absent.jsonl"))
    with pytest.raises(SystemExit, match=r"times.txt: cannot read it"):
        read_times(str(tmp_path / "times.txt"))
    assert read_times(None) == {}
