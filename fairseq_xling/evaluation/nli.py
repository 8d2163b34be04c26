"""Zero-shot sentence-pair classification with a frozen encoder (natural language inference), as Chidambaram et
al. (2019, section 4.1, Table 3) evaluate their dual encoder: a classifier trained on English pairs only is
applied to pairs in other languages.

- Features of a pair with sentence vectors u (premise) and v (hypothesis): (u, v, |u - v|, u * v), the
  concatenation of Bowman et al. (2015) / InferSent that the paper's NLI head reads (``pair_features``).
- Classifier (``FeedForwardClassifier``): one hidden layer of 512 tanh units and a softmax output layer (the
  issue's "2-layer feed-forward classifier (512, tanh)"), trained with Adam on cross-entropy for a fixed number
  of epochs; the epoch whose weights are kept is the one with the best English dev accuracy (the earliest on
  ties), chosen by the same code as the document classifier's (``doc_classification.EpochSelection``,
  ``doc_classification.train_and_test``). Seeded: the initial weights and the batch order are functions of
  ``seed``.
- Readers: SICK (Marelli et al. 2014; ``SICK.txt``: a TSV with a header and CRLF line ends, its ``SemEval_set``
  column says TRAIN / TRIAL / TEST; TRAIN trains, TRIAL is the dev set, and TEST rows are skipped unread: the
  test split is held out) and XNLI in the XTREME layout (``premise<TAB>hypothesis<TAB>label``, no header).
  Both map their labels onto ``LABELS`` (entailment, neutral, contradiction).

Readers and features are numpy; only the classifier needs torch.
"""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from fairseq_xling.evaluation.doc_classification import EpochSelection, train_and_test

LABELS = ("entailment", "neutral", "contradiction")
# spellings of the labels in the files we read -> index in LABELS (XNLI-MT's training files say "contradictory")
_LABEL_IDS = {"entailment": 0, "neutral": 1, "contradiction": 2, "contradictory": 2}


class NliFormatError(ValueError):
    """A malformed line of an NLI file (names the file and line and what was expected)."""


@dataclass
class NliPairs:
    premises: List[str]
    hypotheses: List[str]
    labels: np.ndarray  # N indices into LABELS


def _lines(path: str):
    from fairseq_xling.text.lines import CorpusError, read_lines

    try:
        yield from read_lines(path, "utf-8")
    except CorpusError as e:
        raise NliFormatError(str(e)) from None


def _label_id(label: str, where: str) -> int:
    try:
        return _LABEL_IDS[label.strip().lower()]
    except KeyError:
        raise NliFormatError(f"{where}: label {label!r}; expected one of {', '.join(LABELS)}") from None


def _pair(premise: str, hypothesis: str, where: str):
    if not premise.strip() or not hypothesis.strip():
        raise NliFormatError(f"{where}: empty premise or hypothesis; expected two non-empty sentences")
    return premise, hypothesis


def _finish(path: str, premises, hypotheses, labels, what: str) -> NliPairs:
    if not labels:
        raise NliFormatError(f"{path}: no {what}")
    return NliPairs(premises, hypotheses, np.array(labels, dtype=np.int64))


def is_sick(path: str) -> bool:
    """Whether the file's first line is SICK's header (``pair_ID<TAB>sentence_A<TAB>...``)."""
    for _, line in _lines(path):
        return line.split("\t", 1)[0].strip() == "pair_ID"
    return False


def read_sick(path: str, split: str) -> NliPairs:
    """The ``split`` (TRAIN or TRIAL) rows of a SICK file (``fairseq_xling.text.sick``, the reader the NLI
    pipeline uses); TEST is held out and refused, and its rows are skipped without being parsed."""
    from fairseq_xling.text.lines import CorpusError
    from fairseq_xling.text.sick import read_sick_rows

    try:
        rows = read_sick_rows(path, (split,))[split]
    except CorpusError as e:
        raise NliFormatError(str(e)) from None
    return _finish(path, [r[0] for r in rows], [r[1] for r in rows],
                   [_label_id(r[2], path) for r in rows], f"{split} pairs")


def read_xnli(path: str) -> NliPairs:
    """``premise<TAB>hypothesis<TAB>label`` rows, no header (XNLI in the XTREME layout)."""
    premises, hypotheses, labels = [], [], []
    for lineno, line in _lines(path):
        fields, where = line.split("\t"), f"{path}:{lineno}"
        if len(fields) != 3:
            hint = " (a SICK file is recognised by its pair_ID header)" if lineno == 1 else ""
            raise NliFormatError(f"{where}: {len(fields)} tab-separated fields; expected "
                                 f"premise<TAB>hypothesis<TAB>label{hint}")
        premise, hypothesis = _pair(fields[0], fields[1], where)
        labels.append(_label_id(fields[2], where))
        premises.append(premise)
        hypotheses.append(hypothesis)
    return _finish(path, premises, hypotheses, labels, "pairs")


def read_nli(path: str, role: str) -> NliPairs:
    """A file as the ``xling-eval nli`` option ``role`` (train, dev, test) reads it: SICK (by its header) gives
    its TRAIN rows for training and its TRIAL rows as dev, and cannot be a test set (its TEST split is held out);
    anything else is read as XNLI."""
    if role not in ("train", "dev", "test"):
        raise ValueError(f"role {role!r}: expected train, dev or test")
    if is_sick(path):
        if role == "test":
            raise NliFormatError(f"{path}: a SICK file cannot be a test set here (TRAIN trains, TRIAL is the dev "
                                 f"set, TEST is held out)")
        return read_sick(path, "TRAIN" if role == "train" else "TRIAL")
    return read_xnli(path)


def pair_features(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(u, v, |u - v|, u * v) of N x d premise and hypothesis vectors: N x 4d float32."""
    u, v = np.asarray(u, dtype=np.float32), np.asarray(v, dtype=np.float32)
    if u.ndim != 2 or u.shape != v.shape:
        raise ValueError(f"expected two N x d arrays of the same shape, got {u.shape} and {v.shape}")
    return np.hstack([u, v, np.abs(u - v), u * v])  # N x 4d


def encode_pairs(pairs: NliPairs, encode: Callable[[List[str]], np.ndarray]) -> np.ndarray:
    """Features of every pair; each distinct sentence is encoded once (SICK repeats its sentences)."""
    unique = list(dict.fromkeys(pairs.premises + pairs.hypotheses))
    vectors = np.asarray(encode(unique), dtype=np.float32)  # U x d
    if vectors.ndim != 2 or len(vectors) != len(unique):
        raise ValueError(f"the encoder returned shape {vectors.shape} for {len(unique)} sentences")
    row = {s: i for i, s in enumerate(unique)}
    return pair_features(vectors[[row[s] for s in pairs.premises]], vectors[[row[s] for s in pairs.hypotheses]])


class FeedForwardClassifier:
    """Input -> ``hidden`` tanh units -> ``num_classes`` logits, trained with Adam on cross-entropy.

    Same interface as ``doc_classification.AveragedPerceptron`` (``fit``, ``predict``, ``score``, ``best_epoch``,
    ``dev_accuracies``), so ``doc_classification.train_and_test`` runs either.

    Args:
        num_classes: C.
        dim: input size (4d for ``pair_features``).
        hidden: hidden units (512 in the paper).
        epochs: passes over the training data (the maximum when ``fit`` is given dev data).
        lr, batch_size, weight_decay: Adam's step size, examples per step, L2 penalty.
        seed: initial weights and batch order.
        log: called with one line per epoch (progress), or None.
    """

    def __init__(self, num_classes: int, dim: int, hidden: int = 512, epochs: int = 20, lr: float = 1e-3,
                 batch_size: int = 64, weight_decay: float = 0.0, seed: int = 0,
                 log: Optional[Callable[[str], None]] = None):
        if num_classes < 2 or dim < 1 or hidden < 1 or epochs < 1 or batch_size < 1 or lr <= 0:
            raise ValueError(f"need num_classes >= 2, dim, hidden, epochs, batch_size >= 1 and lr > 0; got "
                             f"{num_classes}, {dim}, {hidden}, {epochs}, {batch_size}, {lr}")
        import torch

        self.num_classes, self.dim, self.epochs, self.seed = num_classes, dim, epochs, seed
        self.lr, self.batch_size, self.weight_decay, self.log = lr, batch_size, weight_decay, log
        generator = torch.Generator().manual_seed(seed)
        first, second = torch.nn.Linear(dim, hidden), torch.nn.Linear(hidden, num_classes)
        for layer in (first, second):  # torch's default init (uniform +-1/sqrt(fan_in)), from our generator
            bound = 1.0 / dim ** 0.5 if layer is first else 1.0 / hidden ** 0.5
            with torch.no_grad():
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)
        self.model = torch.nn.Sequential(first, torch.nn.Tanh(), second)
        self.generator = generator
        self.best_epoch: Optional[int] = None
        self.dev_accuracies: List[float] = []

    def _tensor(self, X: np.ndarray):
        import torch

        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"expected an n x {self.dim} feature matrix, got {X.shape}")
        return torch.from_numpy(np.ascontiguousarray(X))

    def _labels(self, y: np.ndarray, n: int):
        import torch

        y = np.asarray(y, dtype=np.int64)
        if y.shape != (n,) or (n and (y.min() < 0 or y.max() >= self.num_classes)):
            raise ValueError(f"expected {n} labels in [0, {self.num_classes}), got shape {y.shape}")
        return torch.from_numpy(y)

    def fit(self, X: np.ndarray, y: np.ndarray, X_dev: Optional[np.ndarray] = None,
            y_dev: Optional[np.ndarray] = None) -> "FeedForwardClassifier":
        """Train on n x dim ``X`` and n labels ``y``; with dev data keep the epoch with the best dev accuracy."""
        import torch

        X_t = self._tensor(X)
        y_t = self._labels(y, len(X_t))
        if len(X_t) == 0:
            raise ValueError("no training examples")
        optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        loss_fn = torch.nn.CrossEntropyLoss()
        selection = EpochSelection()
        for epoch in range(1, self.epochs + 1):
            self.model.train()
            order = torch.randperm(len(X_t), generator=self.generator)
            total = 0.0
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                optimizer.zero_grad()
                loss = loss_fn(self.model(X_t[batch]), y_t[batch])
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(batch)
            dev_accuracy = None if X_dev is None else self.score(X_dev, y_dev)
            selection.update(epoch, dev_accuracy, {k: v.clone() for k, v in self.model.state_dict().items()})
            if self.log:
                self.log(f"epoch {epoch}/{self.epochs}: train loss {total / len(X_t):.4f}"
                         + ("" if dev_accuracy is None else f", dev accuracy {100 * dev_accuracy:.2f}"))
        self.model.load_state_dict(selection.state)
        self.best_epoch, self.dev_accuracies = selection.best_epoch, selection.accuracies
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        import torch

        self.model.eval()
        with torch.no_grad():
            return self.model(self._tensor(X)).numpy()  # n x C

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self.decision_function(X), axis=1)  # n

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        y = np.asarray(y, dtype=np.int64)
        self._labels(y, len(np.asarray(X)))
        return float(np.mean(self.predict(X) == y)) if len(y) else 0.0


def zero_shot_classification(train_X: np.ndarray, train_y: np.ndarray, tests: Sequence[tuple],
                             dev_X: Optional[np.ndarray] = None, dev_y: Optional[np.ndarray] = None,
                             num_classes: int = len(LABELS), **classifier_args) -> List[Dict[str, object]]:
    """Train a ``FeedForwardClassifier`` (``classifier_args``: hidden, epochs, lr, batch_size, seed, log) on the
    training features, choose its epoch on the dev features, and score each ``(X, y)`` of ``tests``: one
    ``{"accuracy", "epochs", "num_train", "num_test", "dev_accuracy"}`` per test, accuracy in [0, 1]."""
    model = FeedForwardClassifier(num_classes, np.asarray(train_X).shape[1], **classifier_args)
    return train_and_test(model, train_X, train_y, tests, dev_X, dev_y)
