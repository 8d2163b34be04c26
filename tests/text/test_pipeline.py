import json

from fairseq_xling.text.lines import CorpusError
from fairseq_xling.text.pipeline import Preparer, command_parser, map_lines, run_command


class Toy(Preparer):
    name = "toy"

    def prepare(self):
        self.write_text("train.x", ["a b", "c"])
        if self.args.fail:
            raise CorpusError("in.txt:3: bad; expected good")
        return {"counts": {"train": 2}}


def toy_parser():
    parser = command_parser("toy", "A toy pipeline.")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--fail", action="store_true")
    return parser


def test_preparer_writes_text_and_metadata_with_the_pipeline_first(tmp_path):
    assert run_command(toy_parser(), lambda a: Toy(a).run(), ["--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "text" / "train.x").read_text() == "a b\nc\n"
    assert list(json.loads((tmp_path / "preprocess.json").read_text()).items()) == [
        ("pipeline", "toy"), ("counts", {"train": 2})]


def test_input_problem_exits_1_with_the_message(tmp_path, capsys):
    status = run_command(toy_parser(), lambda a: Toy(a).run(), ["--out-dir", str(tmp_path), "--fail"])
    assert status == 1 and capsys.readouterr().err == "error: in.txt:3: bad; expected good\n"
    assert not (tmp_path / "preprocess.json").exists()


class Shout:
    """Holds state that is not sent to the workers: they inherit it through fork."""

    def __init__(self):
        self.suffix = "!"

    def __call__(self, line):
        return line.upper() + self.suffix


def test_map_lines_in_processes_keeps_the_order():
    lines = [f"line {k}" for k in range(50)]
    expected = [line.upper() + "!" for line in lines]
    assert map_lines(Shout(), lines, workers=2, min_lines=10) == expected
    assert map_lines(Shout(), lines, workers=1) == expected
