"""Sub-word models for the pipelines: learn SentencePiece or subword-nmt BPE, and apply them as fairseq does.

A data-bin of sub-words records its model in ``preprocess.json`` (``bpe``: ``sentencepiece`` | ``subword_nmt``,
``bpe_model``: the file in DEST), and checkpoints later split new text through fairseq's registered encoders of
those names (:mod:`fairseq_xling.data.text_encoder`). :class:`SubwordEncoder` makes the very calls those encoders
make (``SentencePieceProcessor.Encode(line, out_type=str)``; ``apply_bpe.BPE(codes, -1, "@@", None, None)
.process_line(line)``), without importing fairseq, so the training text and the hub agree piece for piece
(tests/preprocess/test_multilingual.py checks it through the hub's encoder).

Both models read tokenized text: one line, tokens separated by single spaces.
"""
from typing import List, Sequence

from fairseq_xling.text.lines import CorpusError
from fairseq_xling.text.pipeline import map_lines

# --subword value -> the fairseq encoder name (preprocess.json "bpe") and the model file in DEST ("bpe_model")
SUBWORD_KINDS = {"spm": "sentencepiece", "bpe": "subword_nmt"}
MODEL_FILES = {"spm": "spm.model", "bpe": "bpe.codes"}
SPM_MODEL_TYPES = ("unigram", "bpe")
BPE_SEPARATOR = "@@"  # fairseq's subword_nmt default (--bpe-separator), which the hub uses


def train_sentencepiece(text_path: str, model_prefix: str, vocab_size: int, character_coverage: float = 1.0,
                        model_type: str = "unigram", seed: int = 1, threads: int = 1) -> str:
    """Train SentencePiece on every line of ``text_path``; writes ``model_prefix.{model,vocab}``.

    ``vocab_size`` is a hard limit (SentencePiece's default): text too small for it stops with a
    :class:`CorpusError` naming ``--vocab-size``. The random generator is seeded, and no sentence is sampled
    or shuffled (``input_sentence_size=0``), so a run is repeatable. Returns the model path.
    """
    import sentencepiece as spm

    spm.set_random_generator_seed(seed)
    try:
        spm.SentencePieceTrainer.train(
            input=text_path, model_prefix=model_prefix, vocab_size=vocab_size, model_type=model_type,
            character_coverage=character_coverage, input_sentence_size=0, num_threads=threads, minloglevel=1)
    except RuntimeError as err:
        detail = str(err).strip().rsplit("] ", 1)[-1]  # without SentencePiece's source location and check
        if "Vocabulary size" in detail:
            raise CorpusError(f"--vocab-size {vocab_size}: too many pieces for the sampled text ({detail}); "
                              f"expected a smaller --vocab-size") from None
        raise CorpusError(f"SentencePiece failed on the sampled text: {detail}") from None
    return model_prefix + ".model"


def learn_subword_nmt(text_path: str, codes_path: str, merges: int) -> str:
    """Learn ``merges`` BPE merge operations (subword-nmt, minimum pair frequency 2) on the words of
    ``text_path``; writes the codes file and returns its path. Fewer merges are learned when no pair is
    left twice (subword-nmt says so on stderr)."""
    from subword_nmt import learn_bpe

    with open(text_path, encoding="utf-8") as infile, open(codes_path, "w", encoding="utf-8") as outfile:
        learn_bpe.learn_bpe(infile, outfile, merges)
    return codes_path


class SubwordEncoder:
    """Split a tokenized line into sub-words exactly as fairseq's ``sentencepiece`` / ``subword_nmt`` encoders.

    Args:
        kind: ``"spm"`` or ``"bpe"`` (keys of :data:`SUBWORD_KINDS`).
        model_path: the ``.model`` file (spm) or the codes file (bpe).
    """

    def __init__(self, kind: str, model_path: str):
        if kind not in SUBWORD_KINDS:
            raise ValueError(f"unknown sub-word kind {kind!r} (expected one of {', '.join(SUBWORD_KINDS)})")
        self.kind = kind
        if kind == "spm":
            import sentencepiece as spm

            self._sp = spm.SentencePieceProcessor()
            self._sp.Load(model_path)
        else:
            from subword_nmt import apply_bpe

            with open(model_path, encoding="utf-8") as codes:
                self._bpe = apply_bpe.BPE(codes, -1, BPE_SEPARATOR, None, None)

    def __call__(self, line: str) -> str:
        if self.kind == "spm":
            return " ".join(self._sp.Encode(line, out_type=str))
        return self._bpe.process_line(line)

    def encode_all(self, lines: Sequence[str], workers: int = 1) -> List[str]:
        """Every line encoded; SentencePiece's batch call (C++ threads) or subword-nmt in forked processes."""
        if self.kind == "spm":
            return [" ".join(pieces) for pieces in self._sp.Encode(list(lines), out_type=str, num_threads=workers)]
        return map_lines(self, lines, workers)
