"""Pipeline metadata: the ``preprocess.json`` that every preprocess/ pipeline writes into its data-bin.

It records how the data-bin was made, so that readers can do the same to new text or interpret the
streams. Every pipeline writes ``pipeline`` (``"europarl"``, ``"conll"`` or ``"multilingual"``) first; the
other fields are the pipeline's (preprocess/README.md lists them). Read by, among others:

    tokenizer, lowercase   checkpoints (task state) and :meth:`fairseq_xling.text.tokenize.XlingTokenizer.from_metadata`
    bpe, bpe_model         checkpoints: the sub-word model (data/text_encoder.py)
    scheme, lowercase      the tagging objective and the hub interface (conll: BIOES, IOB2 or UPOS)
    aligner                updated by ``python -m fairseq_xling.text.align --meta-dir``

A data-bin without the file (made by other means) reads as ``{}``; each reader chooses its defaults.
preprocess/lib.sh also takes the file's presence as the sign that a data-bin is complete.
"""
import json
import os

METADATA_FILE = "preprocess.json"


def metadata_path(data_dir: str) -> str:
    return os.path.join(data_dir, METADATA_FILE)


def read_metadata(data_dir: str) -> dict:
    """The metadata of ``data_dir``; ``{}`` when it has no ``preprocess.json``."""
    path = metadata_path(data_dir)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_metadata(data_dir: str, meta: dict):
    """Write ``meta`` as ``data_dir/preprocess.json`` (indented UTF-8 JSON, fields in the given order)."""
    with open(metadata_path(data_dir), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
        f.write("\n")


def update_metadata(data_dir: str, **fields) -> dict:
    """Set ``fields`` in the existing ``data_dir/preprocess.json``; returns the updated metadata."""
    path = metadata_path(data_dir)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file; expected the metadata of a prepared data-bin")
    meta = read_metadata(data_dir)
    meta.update(fields)
    write_metadata(data_dir, meta)
    return meta
