import json

import pytest

from fairseq_xling.text.metadata import METADATA_FILE, read_metadata, update_metadata, write_metadata


def test_missing_metadata_reads_as_empty(tmp_path):
    assert read_metadata(str(tmp_path)) == {}
    with pytest.raises(FileNotFoundError, match="preprocess.json"):
        update_metadata(str(tmp_path), aligner="ibm1")


def test_write_read_update(tmp_path):
    meta = {"pipeline": "conll", "scheme": "BIOES", "inputs": {"train": "Straße.txt"}}
    write_metadata(str(tmp_path), meta)
    text = (tmp_path / METADATA_FILE).read_text(encoding="utf-8")
    assert text == json.dumps(meta, indent=2, ensure_ascii=False) + "\n" and "Straße" in text
    assert read_metadata(str(tmp_path)) == meta
    assert update_metadata(str(tmp_path), scheme="IOB2")["scheme"] == "IOB2"
    assert list(read_metadata(str(tmp_path))) == ["pipeline", "scheme", "inputs"]  # field order kept
