"""Binarise the monolingual streams of a prepared multilingual data-bin in one process.

``preprocess.json`` lists them as ``"streams": {"train.qt.prev.en": "dict.en.txt", ...}``: the text
``WORK/text/NAME`` becomes ``WORK/NAME.{bin,idx}`` (mmap) with the dictionary ``WORK/DICT``. The call is
fairseq-preprocess's own (``FileBinarizer.multiprocess_dataset`` with ``VocabularyDatasetBinarizer(dict,
append_eos=True)``, as ``fairseq_cli/preprocess.py::_make_binary_dataset``), so the files are those
``fairseq-preprocess --only-source --srcdict DICT --dataset-impl mmap`` writes, without paying fairseq's start-up
once per stream (a quick-thought language has six). fairseq is imported inside :func:`binarize_streams` only.

CLI (the streams of ``preprocess.json``, or the ``--stream NAME=DICT`` given: preprocess/conll.sh binarises its
word, char and tag streams so)::

    python -m fairseq_xling.text.binarize WORK [--stream train.word=dict.word.txt ...] [--workers N]
"""
import os
import sys
import time
from typing import Dict

from fairseq_xling.text import pipeline
from fairseq_xling.text.lines import CorpusError
from fairseq_xling.text.metadata import read_metadata


def binarize_streams(work: str, streams: Dict[str, str], workers: int = 1) -> Dict[str, dict]:
    """Binarise every ``name -> dictionary file`` of ``streams``; returns {name: {"sentences", "tokens",
    "unknown"}} (unknown: tokens replaced by ``<unk>``)."""
    from fairseq.binarizer import FileBinarizer, VocabularyDatasetBinarizer
    from fairseq.data import Dictionary

    dictionaries: Dict[str, Dictionary] = {}
    summaries = {}
    for name, dict_file in streams.items():
        text = os.path.join(work, "text", name)
        if not os.path.isfile(text):
            raise CorpusError(f"{text}: no such file; expected the text of stream {name}")
        if dict_file not in dictionaries:
            dictionaries[dict_file] = Dictionary.load(os.path.join(work, dict_file))
        vocab = dictionaries[dict_file]
        start = time.monotonic()
        summary = FileBinarizer.multiprocess_dataset(
            text, "mmap", VocabularyDatasetBinarizer(vocab, append_eos=True), os.path.join(work, name),
            vocab_size=len(vocab), num_workers=workers)
        summaries[name] = {"sentences": summary.num_seq, "tokens": summary.num_tok, "unknown": summary.num_replaced}
        print(f"[binarize] {name}: {summary.num_seq} sentences, {summary.num_tok} tokens, {summary.num_replaced} "
              f"<unk> ({dict_file}, {time.monotonic() - start:.1f} s)", file=sys.stderr)
    return summaries


def _run(args):
    if args.stream:
        streams = {}
        for entry in args.stream:
            name, _, dict_file = entry.partition("=")
            if not name or not dict_file:
                raise CorpusError(f"--stream {entry!r}: expected NAME=DICT, e.g. train.word=dict.word.txt")
            streams[name] = dict_file
    else:
        streams = read_metadata(args.work).get("streams") or {}
    binarize_streams(args.work, streams, args.workers)


def main(argv=None) -> int:
    parser = pipeline.command_parser("fairseq_xling.text.binarize", __doc__)
    parser.add_argument("work", help="the prepared folder (preprocess.json, text/, dict.*.txt)")
    parser.add_argument("--stream", action="append", help="NAME=DICT: binarise WORK/text/NAME with WORK/DICT "
                        "(repeatable; default: the streams of WORK/preprocess.json)")
    parser.add_argument("--workers", type=int, default=1)
    return pipeline.run_command(parser, _run, argv)


if __name__ == "__main__":
    sys.exit(main())
