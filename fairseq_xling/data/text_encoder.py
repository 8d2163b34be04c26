"""Raw text -> the tokens a model was trained on, from settings a checkpoint carries.

The pipelines record how they made a data-bin in ``DEST/preprocess.json`` (``tokenizer``: moses | none,
``lowercase``, and ``bpe``: sentencepiece | subword_nmt with ``bpe_model``, a file of DEST, or none for words).
The task copies these settings (and the sub-word model's bytes) into the checkpoint, so :class:`RawTextEncoder`
reads raw text without the data-bin. Tokenisers and sub-word models are fairseq's registered ``moses``,
``sentencepiece`` and ``subword_nmt``.
"""
import base64
import hashlib
import os
import tempfile
from argparse import Namespace
from typing import List, Optional

from fairseq_xling.text.metadata import metadata_path, read_metadata
from fairseq_xling.text.subword import BPE_SEPARATOR, SUBWORD_KINDS
from fairseq_xling.text.tokenize import XlingTokenizer

BPE_KINDS = tuple(SUBWORD_KINDS.values())  # "sentencepiece", "subword_nmt"
NO_BPE = "none"  # multilingual.sh --subword none: the tokenized words are the tokens


def portable_metadata(data_dir: str) -> dict:
    """``data_dir``'s metadata with its sub-word model's bytes inlined (``bpe_model_b64``); {} without any."""
    meta = read_metadata(data_dir)
    path = metadata_path(data_dir)
    if meta.get("bpe") not in (None, "", NO_BPE):
        if meta["bpe"] not in BPE_KINDS:
            raise ValueError(f"{path}: bpe={meta['bpe']!r}; expected one of {', '.join(BPE_KINDS)}")
        model = os.path.join(data_dir, meta.get("bpe_model") or "")
        if not os.path.isfile(model):
            raise FileNotFoundError(f"{path}: its sub-word model {model} does not exist")
        with open(model, "rb") as f:
            meta["bpe_model_b64"] = base64.b64encode(f.read()).decode("ascii")
    return meta


def _materialise(data: str, suffix: str) -> str:
    """Write an inlined model to a content-addressed file (fairseq's encoders read paths) and return its path."""
    raw = base64.b64decode(data)
    path = os.path.join(tempfile.gettempdir(), f"fairseq_xling-{hashlib.sha1(raw).hexdigest()[:16]}{suffix}")
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)  # atomic: a concurrent reader never sees half a model
    return path


class RawTextEncoder:
    """Tokenise (Moses or whitespace), lowercase, then split into sub-words, as the training data was.

    Args:
        lang: language code (Moses' language rules).
        meta: a data-bin's metadata as :func:`portable_metadata` returns it (``{}``: pre-tokenised text).
    """

    def __init__(self, lang: str, meta: Optional[dict] = None):
        from fairseq.data import encoders

        meta = meta or {}
        self.words = XlingTokenizer.from_metadata(lang, meta)  # the pipelines' own tokenizer
        self.bpe = None
        if meta.get("bpe") == "sentencepiece":
            self.bpe = encoders.build_bpe(Namespace(
                bpe="sentencepiece", sentencepiece_model=_materialise(meta["bpe_model_b64"], ".model"),
                sentencepiece_enable_sampling=False, sentencepiece_alpha=None))
        elif meta.get("bpe") == "subword_nmt":
            self.bpe = encoders.build_bpe(Namespace(
                bpe="subword_nmt", bpe_codes=_materialise(meta["bpe_model_b64"], ".codes"),
                bpe_separator=BPE_SEPARATOR))

    @property
    def lowercase(self) -> bool:
        return self.words.lowercase

    def tokens(self, line: str) -> List[str]:
        tokens = self.words.tokens(line)
        return self.bpe.encode(" ".join(tokens)).split() if self.bpe is not None else tokens

    def __call__(self, line: str) -> str:
        return " ".join(self.tokens(line))

    def decode(self, text: str) -> str:
        """Model tokens (space-separated) -> text: the sub-words joined, then the words detokenised (lowercasing
        is not undone)."""
        if self.bpe is not None:
            text = self.bpe.decode(text)
        return self.words.detokenize(text)
