"""Cross-lingual document classification (Klementiev et al., 2012; as used by Singla et al., 2018, and on
MLDoc, Schwenk & Li, 2018): train an averaged perceptron on L1 documents, test it on L2 documents.

A document is the mean of its sentence embeddings. The classifier never sees L2 data, so accuracy on L2
measures how well the sentence encoder aligns the two languages.

Pure functions on numpy arrays plus readers for the two data layouts; no fairseq, no torch.

Sentence splitting (``split_sentences``): a document's text is first cut at explicit separators -- real
newlines, a literal backslash-n (``\\n``, as written into one-line-per-document files) and HTML-like
``<br>``/``<p>`` tags -- and then each piece is cut after ``.``, ``!`` or ``?`` (optionally followed by a
closing quote or bracket) when whitespace follows. Abbreviations such as ``U.S. officials`` are split
too; the splitter is deliberately simple and predictable, not linguistically complete. Pass
``sentence_split=False`` to the readers to keep only the separator cuts (one "sentence" per line).
"""
import os
import re
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from fairseq_xling.text.lines import read_lines

# The four top-level RCV1/RCV2 categories used by Klementiev et al. (2012) and by MLDoc.
LABELS: Tuple[str, ...] = ("CCAT", "ECAT", "GCAT", "MCAT")

_SEPARATOR = re.compile(r"\r?\n|\\n|<br\s*/?>|</?p\s*/?>", flags=re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)\]]))\s+")


class Document(NamedTuple):
    label: str
    sentences: List[str]


def split_sentences(text: str, sentence_split: bool = True) -> List[str]:
    """Cut a document's text into sentences (see the module docstring); empty pieces are dropped."""
    pieces = [p.strip() for p in _SEPARATOR.split(text)]
    if sentence_split:
        pieces = [s.strip() for p in pieces for s in _SENTENCE_END.split(p)]
    return [p for p in pieces if p]


def _check_label(label: str, labels: Sequence[str], where: str) -> str:
    if label not in labels:
        raise ValueError(f"{where}: unknown label {label!r}, expected one of {', '.join(labels)}")
    return label


def read_tsv_documents(path: str, labels: Sequence[str] = LABELS, sentence_split: bool = True) -> List[Document]:
    """Read ``label<TAB>document text`` lines, one document per line (the MLDoc layout)."""
    documents = []
    for line_no, line in read_lines(path, "utf-8"):  # FILE:LINE errors for bad bytes, NUL, an empty file
        where = f"{path}:{line_no}"
        if "\t" not in line:
            raise ValueError(f"{where}: expected 'LABEL<TAB>document text', found no tab")
        label, text = line.split("\t", 1)
        label = _check_label(label.strip(), labels, where)
        sentences = split_sentences(text, sentence_split)
        if not sentences:
            raise ValueError(f"{where}: expected document text after the tab, found none")
        documents.append(Document(label, sentences))
    if not documents:
        raise ValueError(f"{path}: no documents")
    return documents


def read_mldoc(path: str, labels: Sequence[str] = LABELS, sentence_split: bool = True) -> List[Document]:
    """Read an MLDoc file (``english.train.1000``, ``german.test``, ...): ``label<TAB>text`` per line."""
    return read_tsv_documents(path, labels, sentence_split)


def read_rcv(path: str, labels: Sequence[str] = LABELS, sentence_split: bool = True) -> List[Document]:
    """Read RCV1/RCV2 documents in the Klementiev layout.

    ``path`` is either a directory with one sub-directory per label, each holding one document per file
    (one sentence or paragraph per line, blank lines ignored), or a ``label<TAB>text`` file. Files are read
    in sorted order; hidden files are skipped.
    """
    if not os.path.isdir(path):
        return read_tsv_documents(path, labels, sentence_split)
    documents = []
    for label in sorted(os.listdir(path)):
        label_dir = os.path.join(path, label)
        if label.startswith("."):
            continue
        if not os.path.isdir(label_dir):
            raise ValueError(f"{label_dir}: expected one sub-directory per label ({', '.join(labels)}), found a file")
        _check_label(label, labels, label_dir)
        for name in sorted(os.listdir(label_dir)):
            if name.startswith("."):
                continue
            doc_path = os.path.join(label_dir, name)
            try:
                with open(doc_path, encoding="utf-8") as f:
                    text = f.read()
            except UnicodeDecodeError as e:
                raise ValueError(f"{doc_path}: expected UTF-8 text ({e})") from e
            sentences = split_sentences(text, sentence_split)
            if not sentences:
                raise ValueError(f"{doc_path}: expected a document, found an empty file")
            documents.append(Document(label, sentences))
    if not documents:
        raise ValueError(f"{path}: no documents (expected sub-directories {', '.join(labels)})")
    return documents


READERS: Dict[str, Callable[..., List[Document]]] = {"mldoc": read_mldoc, "rcv": read_rcv}


def label_ids(documents: Sequence[Document], labels: Sequence[str] = LABELS) -> np.ndarray:
    """Class index of each document's label in ``labels``."""
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index[d.label] for d in documents], dtype=np.int64)  # D


def document_embeddings(sentence_emb: np.ndarray, doc_ids: np.ndarray, num_docs: Optional[int] = None) -> np.ndarray:
    """Mean of the sentence embeddings of each document.

    Args:
        sentence_emb: S x d sentence embeddings.
        doc_ids: S ints in ``[0, num_docs)``, the document of each sentence.
        num_docs: D; defaults to ``max(doc_ids) + 1``. Every document needs at least one sentence.

    Returns:
        D x d float32 document embeddings.
    """
    sentence_emb = np.asarray(sentence_emb, dtype=np.float32)
    doc_ids = np.asarray(doc_ids, dtype=np.int64)
    if sentence_emb.ndim != 2 or doc_ids.shape != (len(sentence_emb),):
        raise ValueError(f"expected S x d embeddings and S doc ids, got {sentence_emb.shape} and {doc_ids.shape}")
    if len(doc_ids) and doc_ids.min() < 0:
        raise ValueError("doc ids must be >= 0")
    num_docs = int(doc_ids.max()) + 1 if num_docs is None else num_docs
    counts = np.bincount(doc_ids, minlength=num_docs)  # D
    if len(counts) > num_docs or (counts == 0).any():
        raise ValueError(f"every document in [0, {num_docs}) needs at least one sentence and ids must be < {num_docs}")
    sums = np.zeros((num_docs, sentence_emb.shape[1]), dtype=np.float64)  # D x d
    np.add.at(sums, doc_ids, sentence_emb)
    return (sums / counts[:, None]).astype(np.float32)  # D x d


def embed_documents(documents: Sequence[Document], encode: Callable[[List[str]], np.ndarray]) -> np.ndarray:
    """Encode every sentence with ``encode`` (list of S strings -> S x d) and average per document: D x d."""
    sentences = [s for doc in documents for s in doc.sentences]
    doc_ids = np.repeat(np.arange(len(documents)), [len(doc.sentences) for doc in documents])  # S
    return document_embeddings(encode(sentences), doc_ids, num_docs=len(documents))


class EpochSelection:
    """The state of the epoch to keep: the one with the best dev accuracy (the earliest on ties), or the last one
    when there is no dev data. Shared by the classifiers here and in ``nli.py``.

    Attributes:
        best_epoch: 1-based epoch of ``state``.
        state: what ``update`` was given for that epoch.
        accuracies: the dev accuracy of every epoch so far (empty without dev data).
    """

    def __init__(self):
        self.best_epoch: Optional[int] = None
        self.state = None
        self.accuracies: List[float] = []

    def update(self, epoch: int, dev_accuracy: Optional[float], state) -> None:
        if dev_accuracy is None:
            self.best_epoch, self.state = epoch, state
            return
        self.accuracies.append(dev_accuracy)
        if self.best_epoch is None or dev_accuracy > self.accuracies[self.best_epoch - 1]:
            self.best_epoch, self.state = epoch, state


class AveragedPerceptron:
    """Multiclass perceptron with averaged weights and a bias (Collins, 2002; averaging as in Daume, CIML).

    One weight row per class; a training example updates (true class +x, best wrong class -x) whenever
    the best wrong class scores at least as high as the true class, so ties count as mistakes and the
    all-zero start learns from every example. The returned weights are the average over all steps.

    Args:
        num_classes: C.
        dim: d, the feature size.
        epochs: passes over the data (the maximum when ``fit`` is given dev data).
        seed: shuffles the training order at each epoch.
    """

    def __init__(self, num_classes: int, dim: int, epochs: int = 10, seed: int = 0):
        if num_classes < 2 or dim < 1 or epochs < 1:
            raise ValueError(f"need num_classes >= 2, dim >= 1, epochs >= 1; got {num_classes}, {dim}, {epochs}")
        self.num_classes, self.dim, self.epochs, self.seed = num_classes, dim, epochs, seed
        self.weight = np.zeros((num_classes, dim), dtype=np.float64)  # C x d
        self.bias = np.zeros(num_classes, dtype=np.float64)  # C
        self.best_epoch: Optional[int] = None
        self.dev_accuracies: List[float] = []

    def _check(self, X: np.ndarray, y: Optional[np.ndarray] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"expected an n x {self.dim} feature matrix, got {X.shape}")
        if y is not None:
            y = np.asarray(y, dtype=np.int64)
            if y.shape != (len(X),) or (len(y) and (y.min() < 0 or y.max() >= self.num_classes)):
                raise ValueError(f"expected {len(X)} labels in [0, {self.num_classes}), got shape {y.shape}")
        return X, y

    def fit(
        self, X: np.ndarray, y: np.ndarray, X_dev: Optional[np.ndarray] = None, y_dev: Optional[np.ndarray] = None
    ) -> "AveragedPerceptron":
        """Train on n x d ``X`` and n labels ``y``. With dev data, keep the averaged weights of the epoch
        with the best dev accuracy (the earliest on ties) and record it in ``best_epoch``."""
        X, y = self._check(X, y)
        X = np.hstack([X, np.ones((len(X), 1))])  # n x (d+1): the bias is a constant feature
        weight = np.zeros((self.num_classes, self.dim + 1))  # C x (d+1)
        # Averaging trick: keep sum_t(t * update_t) so that the average of the weights after every
        # step is weight - accumulated / step, without storing one copy per step.
        accumulated = np.zeros_like(weight)  # C x (d+1)
        step = 1
        rng = np.random.default_rng(self.seed)
        selection = EpochSelection()
        for epoch in range(1, self.epochs + 1):
            for i in rng.permutation(len(X)):
                x, gold = X[i], y[i]
                scores = weight @ x  # C
                true_score = scores[gold]
                scores[gold] = -np.inf
                wrong = int(np.argmax(scores))
                if scores[wrong] >= true_score:
                    weight[gold] += x
                    weight[wrong] -= x
                    accumulated[gold] += step * x
                    accumulated[wrong] -= step * x
                step += 1
            averaged = weight - accumulated / step  # C x (d+1)
            self.weight, self.bias = averaged[:, :-1], averaged[:, -1]
            selection.update(epoch, None if X_dev is None else self.score(X_dev, y_dev), averaged)
        best = selection.state
        self.weight, self.bias = best[:, :-1], best[:, -1]
        self.best_epoch, self.dev_accuracies = selection.best_epoch, selection.accuracies
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        X, _ = self._check(X)
        return X @ self.weight.T + self.bias  # n x C

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self.decision_function(X), axis=1)  # n

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        X, y = self._check(X, y)
        return float(np.mean(self.predict(X) == y))


def _l2_normalize(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)  # n x d


def cross_lingual_doc_classification(
    train_X: np.ndarray,
    train_y: np.ndarray,
    test_X: np.ndarray,
    test_y: np.ndarray,
    dev_X: Optional[np.ndarray] = None,
    dev_y: Optional[np.ndarray] = None,
    num_classes: Optional[int] = None,
    epochs: int = 10,
    seed: int = 0,
    normalize: bool = True,
) -> Dict[str, object]:
    """Train an averaged perceptron on L1 document embeddings and report its accuracy on L2 documents.

    Args:
        train_X, train_y: n x d L1 document embeddings and their class ids.
        test_X, test_y: m x d L2 document embeddings and their class ids.
        dev_X, dev_y: optional held-out documents; the number of epochs (1..``epochs``) is chosen on them.
        num_classes: C; defaults to ``max(labels) + 1``.
        epochs: epochs to train (the maximum when dev data is given).
        seed: training order.
        normalize: L2-normalise each document vector first, so documents of both languages share a scale
            (our choice; the perceptron with a bias is not scale invariant).

    Returns:
        ``{"accuracy": float, "epochs": int, "num_train": n, "num_test": m}``, plus ``"dev_accuracy"``
        when dev data is given.
    """
    if (dev_X is None) != (dev_y is None):
        raise ValueError("give both dev_X and dev_y, or neither")
    ys = [np.asarray(y, dtype=np.int64) for y in (train_y, test_y, dev_y) if y is not None]
    num_classes = int(max(y.max() for y in ys)) + 1 if num_classes is None else num_classes
    prep = _l2_normalize if normalize else (lambda X: np.asarray(X, dtype=np.float64))
    train_X, test_X = prep(train_X), prep(test_X)
    dev_X = None if dev_X is None else prep(dev_X)
    model = AveragedPerceptron(num_classes, train_X.shape[1], epochs=epochs, seed=seed)
    return train_and_test(model, train_X, train_y, [(test_X, test_y)], dev_X, dev_y)[0]


def train_and_test(model, train_X: np.ndarray, train_y: np.ndarray, tests: Sequence[Tuple[np.ndarray, np.ndarray]],
                   dev_X: Optional[np.ndarray] = None, dev_y: Optional[np.ndarray] = None) -> List[Dict[str, object]]:
    """The zero-shot protocol: fit ``model`` once on (L1) training data, the epoch chosen on dev data when given,
    and score it on every test set (L2, L3, ...).

    Args:
        model: a classifier with ``fit(X, y, X_dev, y_dev)``, ``score(X, y)`` -> accuracy in [0, 1], and after
            fitting ``best_epoch`` and ``dev_accuracies`` (:class:`AveragedPerceptron`,
            ``nli.FeedForwardClassifier``).
        tests: (X, y) per test set.

    Returns:
        one ``{"accuracy", "epochs", "num_train", "num_test"}`` (plus ``"dev_accuracy"`` with dev data) per test.
    """
    model.fit(train_X, train_y, dev_X, dev_y)
    common: Dict[str, object] = {"epochs": model.best_epoch, "num_train": int(len(train_X))}
    if dev_X is not None:
        common["dev_accuracy"] = model.dev_accuracies[model.best_epoch - 1]
    return [{"accuracy": model.score(X, y), **common, "num_test": int(len(X))} for X, y in tests]
