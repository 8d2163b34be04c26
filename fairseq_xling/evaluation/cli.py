"""``xling-eval``: run an evaluation on raw files (encoded through a checkpoint) or on precomputed
embeddings, and print one JSON line per result on stdout.

    xling-eval retrieval --src-file A --tgt-file B --src-lang de --tgt-lang en \\
        (--checkpoint DIR/checkpoint_best.pt | --src-emb a.npy --tgt-emb b.npy) [--scoring cosine margin]
    xling-eval doc-classification --train FILE --test FILE --train-lang en --test-lang de --format mldoc \\
        (--checkpoint DIR/checkpoint_best.pt | --train-emb a.npz --test-emb b.npz)
    xling-eval tagging --checkpoint DIR/checkpoint_best.pt --input ned.testa --format conll2002 --lang nl \\
        [--task ner] [--predict tagged.tsv]
    xling-eval sts --file stsb-de-dev.csv --lang de (--checkpoint DIR/checkpoint_best.pt | --teacher use-m3) \\
        [--similarity cosine|angular]
    xling-eval eigen --src-file A --tgt-file B --src-lang de --tgt-lang en \\
        (--checkpoint DIR/checkpoint_best.pt | --teacher use-m3 | --src-emb a.npy --tgt-emb b.npy) \\
        [--samples 1000 --k 10 --seed 0]
    xling-eval nli --train SICK.txt --train-lang en --dev SICK.txt --test dev-de.tsv:de dev-fr.tsv:fr \\
        (--checkpoint DIR/checkpoint_best.pt | --teacher use-m3) [--epochs 20 --seed 0]

``--teacher NAME`` encodes with a distillation teacher (``fairseq_xling.distill.teachers``) instead of a
checkpoint, so that a student and its teacher are measured by the same code.

The metrics live in ``retrieval.py``, ``doc_classification.py``, ``sts.py``, ``eigen.py`` and ``nli.py``; this file
only reads, encodes and reports. The hub (and with it fairseq) is imported only when ``--checkpoint`` is given.
Encoding shows a progress bar on stderr when stderr is a terminal. Bad input stops with ``xling-eval CMD: error:
FILE:LINE: ...`` and exit status 2.

- ``retrieval`` prints one row per direction and scoring (cosine, and the margin of Artetxe & Schwenk 2019 as in
  LASER's xSIM), with P@k and the error rate in percent.
- ``doc-classification`` trains an averaged perceptron on L1 document vectors and prints its L2 accuracy.
- ``tagging`` prints span F1 (NER) or token accuracy (POS) of a tagging checkpoint.
- ``sts`` prints Spearman's and Pearson's correlation (x100) of the pairs' similarity with the gold scores:
  ``--similarity cosine`` (default) or ``angular`` (1 - arccos(cos) / pi, as Cer et al. 2018 and Chidambaram et
  al. 2019); the row names the similarity. Spearman is the same for both (a monotone map), Pearson is not.
- ``eigen`` prints the eigen-similarity Psi of Sogaard et al. (2018) between the two sides of a parallel set, as
  Chidambaram et al. (2019, Table 6) use it: ``--samples`` random sets of ``--k`` translation pairs, per set the
  sorted Laplacian eigenvalues of each side's distance-weighted graph (see ``eigen.py`` for the graph chosen),
  ``psi`` = the mean over sets of the summed squared differences, ``psi_std`` their standard deviation; lower =
  more isomorphic. Vectors are L2-normalised first (``--no-normalize`` keeps their lengths).
- ``nli`` trains a classifier (features (u, v, |u - v|, u * v) -> 512 tanh units -> 3 classes; Adam, ``--epochs``
  epochs, the epoch kept chosen on ``--dev``) on frozen sentence vectors of ``--train`` and prints one row per
  ``--test FILE:LANG`` with its accuracy in [0, 1] (zero-shot when the test language is not the training one).
  Files are SICK (recognised by its ``pair_ID`` header: its TRAIN rows train, its TRIAL rows are the dev set,
  its TEST rows are never read) or XNLI (``premise<TAB>hypothesis<TAB>label``).
"""
import argparse
import codecs
import csv
import json
import os
import sys
from collections import Counter
from typing import Dict, List, Optional, Sequence

import numpy as np

from fairseq_xling.evaluation import doc_classification as dc
from fairseq_xling.evaluation.retrieval import DEFAULT_MARGIN_K, DEFAULT_NUM_DISTRACTORS, SCORINGS, precision_at_k


class InputError(ValueError):
    """Bad input files or arguments; reported as a usage error (exit status 2)."""


def read_sentences(path: str, max_sentences: Optional[int] = None) -> List[str]:
    """One sentence per line, read as the preprocess/ pipelines read text (UTF-8, lines end at LF, a CRLF's CR
    dropped, a CR inside a line is a space, so line numbers agree); bad bytes, a NUL byte and an empty line are
    errors naming the file and line."""
    from fairseq_xling.text.lines import read_lines

    sentences = []
    for line_no, line in read_lines(path, "utf-8"):
        if max_sentences is not None and len(sentences) >= max_sentences:
            break
        if not line.strip():
            raise InputError(f"{path}:{line_no}: empty line; expected one sentence per line")
        sentences.append(line.replace("\r", " "))
    return sentences


def count_lines(path: str) -> int:
    with open(path, encoding="utf-8", newline="\n") as f:
        return sum(1 for _ in f)


def load_hub(checkpoint: str):
    """Load a checkpoint through the hub; imported here so that the rest of the CLI needs no fairseq.
    The checkpoint carries its vocabularies and tokenizer: no data-bin is read."""
    from fairseq_xling.hub_interface import XlingHubInterface

    checkpoint_dir, checkpoint_file = os.path.split(os.path.abspath(checkpoint))
    try:
        return XlingHubInterface.from_pretrained(checkpoint_dir, checkpoint_file=checkpoint_file)
    except ValueError as e:
        raise InputError(str(e)) from None


def sentence_encoder(args: argparse.Namespace):
    """``(encode, hub)`` from ``--checkpoint`` or ``--teacher``: ``encode(sentences, lang)`` -> N x d float32, and
    the hub (None for a teacher); ``(None, None)`` when neither is given."""
    if args.checkpoint and args.teacher:
        raise InputError("give --checkpoint or --teacher, not both")
    if args.teacher:
        from fairseq_xling.distill.teachers import get_teacher

        teacher = get_teacher(args.teacher)
        return (lambda sentences, lang: teacher_encode(teacher, sentences, lang)), None
    if args.checkpoint:
        hub = load_hub(args.checkpoint)
        return (lambda sentences, lang: np.asarray(hub.encode(sentences, lang=lang, progress=sys.stderr.isatty()),
                                                   dtype=np.float32)), hub
    return None, None


def teacher_encode(teacher, sentences: Sequence[str], lang: str, batch_size: int = 256) -> np.ndarray:
    """A teacher's N x D float32 vectors, encoded ``batch_size`` sentences at a time under a progress bar (shown
    only when stderr is a terminal, so that logs stay clean)."""
    from tqdm import tqdm

    sentences, parts = list(sentences), []
    with tqdm(total=len(sentences), desc=f"encode {lang}", unit="sent", file=sys.stderr, leave=False,
              disable=None) as bar:
        for start in range(0, len(sentences), batch_size):
            batch = sentences[start:start + batch_size]
            vectors = np.asarray(teacher.encode(batch), dtype=np.float32)
            if vectors.ndim != 2 or len(vectors) != len(batch):
                raise InputError(f"teacher {getattr(teacher, 'name', '') or type(teacher).__name__}: encode() of "
                                 f"{len(batch)} texts returned shape {vectors.shape}; expected {len(batch)} rows")
            parts.append(vectors)
            bar.update(len(batch))
    return np.concatenate(parts) if parts else np.zeros((0, getattr(teacher, "dim", 0)), dtype=np.float32)


def training_overlap(hub, lang: str, forms: Sequence[str]) -> Optional[np.ndarray]:
    """Which of ``forms`` (sentences as the model reads them: ``hub.tokenize``'s output, or the space-joined
    tokens of a tagged sentence) are training lines of ``lang`` in the data-bins the checkpoint was trained on
    (their ``train_fingerprints.npz``); None when none of those data-bins can tell (moved, or made before the
    fingerprints existed)."""
    from fairseq_xling.text.fingerprints import read_fingerprints, seen_in

    tables = []
    for objective in hub.task.objectives:
        data_dir = hub.task.objective_data_dir(objective) if lang in objective.langs else None
        table = read_fingerprints(data_dir) if data_dir else None
        if table and lang in table:
            tables.append(table[lang])
    return seen_in(forms, np.concatenate(tables)) if tables else None


def warn_overlap(seen: Optional[np.ndarray], what: str) -> Dict[str, int]:
    """Warn about evaluation examples seen in training; the row fields that record it (none when unknown)."""
    if seen is None:
        return {}
    n = int(seen.sum())
    if n:
        print(f"warning: {n} of {len(seen)} {what} occur in the checkpoint's training data: a score on them "
              f"measures memory, not transfer", file=sys.stderr)
    return {"in_train": n}


def load_npy(path: str, max_rows: Optional[int] = None) -> np.ndarray:
    emb = np.load(path)
    if emb.ndim != 2:
        raise InputError(f"{path}: expected an N x d matrix, got shape {emb.shape}")
    return emb if max_rows is None else emb[:max_rows]


def write_tsv(path: str, rows: Sequence[Dict[str, object]]) -> None:
    """The rows as a TSV table; written next to ``path`` and renamed, so a failure leaves no half table."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns, delimiter="\t", lineterminator="\n", restval="")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def check_outputs(args: argparse.Namespace) -> None:
    """Before any work: every output file's folder exists, and --encoding names a codec (InputError if not)."""
    for option in ("output", "predict"):
        path = getattr(args, option, None)
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise InputError(f"--{option} {path}: the folder {os.path.dirname(os.path.abspath(path))} does not exist")
    if getattr(args, "encoding", None):
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            raise InputError(f"--encoding {args.encoding!r}: not a known text encoding (e.g. utf-8, latin-1)") from None


def emit(rows: Sequence[Dict[str, object]], output: Optional[str]) -> None:
    for row in rows:
        print(json.dumps(row), flush=True)
    if output:
        write_tsv(output, rows)


def parse_num_distractors(value: str) -> Optional[int]:
    if value == "all":
        return None
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'all', got {value!r}")
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'all', got {value!r}")
    return number


def parallel_embeddings(args: argparse.Namespace) -> tuple:
    """``(src_emb, tgt_emb, overlap)`` of a parallel set (row i translates row i), from ``--src-file``/``--tgt-file``
    encoded through ``--checkpoint`` or ``--teacher``, or from ``--src-emb``/``--tgt-emb`` (.npy); ``overlap``: the
    row fields that say how many pairs the checkpoint was trained on (see ``warn_overlap``)."""
    model = "--checkpoint" if args.checkpoint else "--teacher" if args.teacher else None
    if model:
        if not (args.src_file and args.tgt_file):
            raise InputError(f"{model} needs --src-file and --tgt-file")
        if args.src_emb or args.tgt_emb:
            raise InputError(f"give either {model} or --src-emb/--tgt-emb, not both")
    elif not (args.src_emb and args.tgt_emb):
        raise InputError("give --checkpoint (or --teacher), or both --src-emb and --tgt-emb")
    if bool(args.src_file) != bool(args.tgt_file):
        raise InputError("give both --src-file and --tgt-file, or neither")

    if args.src_file and args.tgt_file:
        src_lines, tgt_lines = count_lines(args.src_file), count_lines(args.tgt_file)
        if src_lines != tgt_lines:
            raise InputError(
                f"parallel files differ in length: {args.src_file} has {src_lines} lines, "
                f"{args.tgt_file} has {tgt_lines}"
            )
        src_sentences = read_sentences(args.src_file, args.max_sentences)
        tgt_sentences = read_sentences(args.tgt_file, args.max_sentences)

    if model:
        encode, hub = sentence_encoder(args)
        src_emb, tgt_emb = encode(src_sentences, args.src_lang), encode(tgt_sentences, args.tgt_lang)
        overlap = {}  # a teacher's training data is unknown
        if hub is not None:
            seen = [training_overlap(hub, lang, [hub.tokenize(s, lang) for s in sentences])
                    for lang, sentences in ((args.src_lang, src_sentences), (args.tgt_lang, tgt_sentences))]
            known = [s for s in seen if s is not None]
            overlap = warn_overlap(np.logical_or.reduce(known) if known else None,
                                   f"pairs of {args.src_file} / {args.tgt_file} (either side)")
    else:
        src_emb = load_npy(args.src_emb, args.max_sentences)
        tgt_emb = load_npy(args.tgt_emb, args.max_sentences)
        if src_emb.shape != tgt_emb.shape:
            raise InputError(
                f"embeddings differ in shape: {args.src_emb} is {src_emb.shape}, {args.tgt_emb} is {tgt_emb.shape}"
            )
        if args.src_file and len(src_sentences) != len(src_emb):
            raise InputError(
                f"{args.src_emb} has {len(src_emb)} rows but {args.src_file} has {len(src_sentences)} lines"
            )
        overlap = {}  # precomputed embeddings: which model, trained on what, is unknown
    return src_emb, tgt_emb, overlap


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def run_retrieval(args: argparse.Namespace) -> List[Dict[str, object]]:
    src_emb, tgt_emb, overlap = parallel_embeddings(args)
    if len(src_emb) < 2:
        raise InputError(f"retrieval needs at least 2 sentence pairs, got {len(src_emb)}")

    if args.num_distractors is not None and args.num_distractors >= len(src_emb) - 1:
        print(f"warning: --num-distractors {args.num_distractors}: {len(src_emb)} pairs give at most "
              f"{len(src_emb) - 1} distractors per query; every pair is scored against all the others "
              f"(num_distractors: all)", file=sys.stderr)
    rows = []
    for (a, a_emb), (b, b_emb) in (
        ((args.src_lang, src_emb), (args.tgt_lang, tgt_emb)),
        ((args.tgt_lang, tgt_emb), (args.src_lang, src_emb)),
    ):
        for scoring in dict.fromkeys(args.scoring):
            scores = precision_at_k(
                a_emb, b_emb, k=args.k, num_distractors=args.num_distractors, seed=args.seed, progress=args.progress,
                scoring=scoring, margin_k=args.margin_k,
            )  # fmt: skip
            row: Dict[str, object] = {"task": "retrieval", "direction": f"{a}->{b}", "scoring": scoring}
            row.update({f"p@{c}": scores[f"p@{c}"] for c in args.k})
            row.update(
                error=100.0 * scores["num_errors"] / scores["n"],  # percent, as xSIM reports it
                num_distractors="all" if scores["num_distractors"] is None else scores["num_distractors"],
                n=scores["n"],
                pool_size=scores["pool_size"],
                **overlap,
            )
            rows.append(row)
    return rows


def _documents_and_embeddings(args, split: str, lang: str, encode) -> tuple:
    """(X, y) for one split, from a text file through the encoder or from an .npz with X and y."""
    npz_path = getattr(args, f"{split}_emb")
    if npz_path:
        with np.load(npz_path, allow_pickle=False) as data:
            if "X" not in data or "y" not in data:
                raise InputError(f"{npz_path}: expected arrays 'X' (documents x d) and 'y' (labels)")
            X, y = data["X"], data["y"]
        if X.ndim != 2 or y.shape != (len(X),):
            raise InputError(f"{npz_path}: expected X of shape D x d and y of shape D, got {X.shape} and {y.shape}")
        return X, y
    documents = dc.READERS[args.format](getattr(args, split), sentence_split=not args.no_sentence_split)
    X = dc.embed_documents(documents, lambda sentences: encode(sentences, lang))
    return X, np.array([doc.label for doc in documents])


def _labels_to_ids(splits: Sequence[np.ndarray]) -> List[np.ndarray]:
    """String labels -> indices in the sorted union of all labels; integer labels are kept as they are."""
    if all(np.issubdtype(y.dtype, np.integer) for y in splits):
        return [y.astype(np.int64) for y in splits]
    names = sorted(set(str(label) for y in splits for label in y))
    index = {name: i for i, name in enumerate(names)}
    return [np.array([index[str(label)] for label in y], dtype=np.int64) for y in splits]


def run_doc_classification(args: argparse.Namespace) -> List[Dict[str, object]]:
    splits = ["train", "test"] + (["dev"] if (args.dev or args.dev_emb) else [])
    for split in splits:
        has_file, has_emb = getattr(args, split) is not None, getattr(args, f"{split}_emb") is not None
        if has_file == has_emb:
            raise InputError(f"give exactly one of --{split} (with --checkpoint) and --{split}-emb")
        if has_file and not (args.checkpoint or args.teacher):
            raise InputError(f"--{split} needs --checkpoint (or --teacher) to encode the documents")
    encode, _ = sentence_encoder(args)
    langs = {"train": args.train_lang, "test": args.test_lang, "dev": args.dev_lang or args.train_lang}
    data = {split: _documents_and_embeddings(args, split, langs[split], encode) for split in splits}
    ys = _labels_to_ids([data[split][1] for split in splits])
    X = {split: data[split][0] for split in splits}
    y = dict(zip(splits, ys))
    result = dc.cross_lingual_doc_classification(
        X["train"], y["train"], X["test"], y["test"],
        dev_X=X.get("dev"), dev_y=y.get("dev"),
        epochs=args.epochs, seed=args.seed, normalize=not args.no_normalize,
    )  # fmt: skip
    row: Dict[str, object] = {
        "task": "doc-classification",
        "train_lang": args.train_lang,
        "test_lang": args.test_lang,
    }
    row.update(result)
    return [row]


def check_tag_sets(path: str, gold: List[List[str]], model_tags: List[str], spans: bool) -> None:
    """Stop when the file's tags and the model's have nothing in common (an NER model on a POS file scores 0 and
    says nothing else); warn about gold tags the model cannot predict. Spans compare entity types, whatever the
    scheme (B-PER in IOB2 and S-PER in BIOES are both PER)."""
    def label(tag: str) -> str:
        return tag.split("-", 1)[1] if spans and "-" in tag else tag

    counts = Counter(label(t) for tags in gold for t in tags if not (spans and t == "O"))
    known = {label(t) for t in model_tags if not (spans and t == "O")}
    unknown = {tag: n for tag, n in counts.items() if tag not in known}
    what = "entity types" if spans else "tags"
    if counts and len(unknown) == len(counts):
        raise InputError(f"{path}: its {what} ({', '.join(sorted(counts)[:8])}) and the model's "
                         f"({', '.join(sorted(known)[:8])}) have nothing in common; is it the right file, --format "
                         f"or --task?")
    if unknown:
        listed = ", ".join(f"{tag} ({n})" for tag, n in Counter(unknown).most_common(8))
        print(f"warning: {path}: {what} the model cannot predict: {listed}", file=sys.stderr)


def run_tagging(args) -> List[Dict[str, object]]:
    """Tag a CoNLL / UD file with a tagging checkpoint; span F1 (NER) or accuracy (POS) against its tags."""
    from fairseq_xling.evaluation.tagging import accuracy, span_f1
    from fairseq_xling.text.conll import FORMAT_SCHEME, fairseq_token, read_conll_with_lines, write_tsv
    from fairseq_xling.text.tag_conversion import TagSequenceError, convert_tags
    from fairseq_xling.text.tag_schemes import constrained_scheme

    sentences, gold, repaired = [], [], 0
    for sentence, lines in read_conll_with_lines(args.input, args.format, args.encoding, args.lang):
        tags = sentence.tags
        if args.format in FORMAT_SCHEME:  # entity spans, scored in IOB2; checked before any tagging
            try:
                tags, n = convert_tags(tags, FORMAT_SCHEME[args.format], "IOB2", repair=args.repair)
            except TagSequenceError as err:
                raise InputError(f"{args.input}:{lines[err.index]}: {err} (or pass --repair)") from None
            repaired += n
        sentences.append(sentence)
        gold.append(tags)
    if not sentences:
        raise InputError(f"{args.input}: no sentences")
    if repaired:
        print(f"{args.input}: repaired {repaired} gold tags that could not follow the previous one (--repair)",
              file=sys.stderr)
    if not args.checkpoint:
        raise InputError("tagging needs --checkpoint (a tagging model)")
    hub = load_hub(args.checkpoint)
    heads = hub.tag_heads
    task = args.task or (next(iter(heads)) if len(heads) == 1 else None)
    if task not in heads:
        raise InputError(f"--task {task!r}: the checkpoint tags {', '.join(heads) or 'nothing'}")
    check_tag_sets(args.input, gold, heads[task], spans=args.format in FORMAT_SCHEME)
    words = [" ".join(map(fairseq_token, s.tokens)) for s in sentences]  # as the conll pipeline fingerprints them
    overlap = warn_overlap(training_overlap(hub, args.lang, words), f"sentences of {args.input}")
    predicted = hub.tag([s.tokens for s in sentences], args.lang, task, progress=True)
    scheme = hub.tag_scheme(task)
    if args.format in FORMAT_SCHEME:
        if constrained_scheme(scheme):  # a softmax head may predict invalid runs: repair them
            predicted = [convert_tags(p, scheme, "IOB2", repair=True)[0] for p in predicted]
        result = span_f1(gold, predicted)
    else:
        result = accuracy(gold, predicted)
    if args.predict:
        write_tsv(((s.tokens, p) for s, p in zip(sentences, predicted)), args.predict)
    row: Dict[str, object] = {"task": "tagging", "tag_task": task, "lang": args.lang, "input": args.input,
                              "sentences": len(sentences), "gold_repaired": repaired, **overlap}
    row.update(result)
    return [row]


def run_sts(args: argparse.Namespace) -> List[Dict[str, object]]:
    from fairseq_xling.evaluation.sts import read_stsb, sts_correlations

    if not (args.checkpoint or args.teacher):
        raise InputError("give --checkpoint or --teacher")
    pairs = read_stsb(args.file)
    encode, hub = sentence_encoder(args)
    row: Dict[str, object] = {"task": "sts", "file": args.file, "lang": args.lang, "similarity": args.similarity,
                              "n": len(pairs.scores)}
    row.update(sts_correlations(encode(pairs.first, args.lang), encode(pairs.second, args.lang), pairs.scores,
                                similarity=args.similarity))
    return [row]


def run_eigen(args: argparse.Namespace) -> List[Dict[str, object]]:
    from fairseq_xling.evaluation.eigen import eigen_similarity

    src_emb, tgt_emb, overlap = parallel_embeddings(args)
    if len(src_emb) < args.k:
        raise InputError(f"--k {args.k}: a sample of {args.k} translation pairs needs at least {args.k} pairs, got "
                         f"{len(src_emb)}")
    row: Dict[str, object] = {"task": "eigen", "pair": f"{args.src_lang}-{args.tgt_lang}"}
    row.update(eigen_similarity(src_emb, tgt_emb, samples=args.samples, k=args.k, seed=args.seed,
                                normalize=not args.no_normalize))
    row.update(seed=args.seed, normalized=not args.no_normalize, **overlap)
    return [row]


def parse_file_lang(value: str) -> tuple:
    """``FILE:LANG`` -> (FILE, LANG); the language is what follows the last colon."""
    path, colon, lang = value.rpartition(":")
    if not colon or not path or not lang or not lang.replace("-", "").replace("_", "").isalnum():
        raise argparse.ArgumentTypeError(f"expected FILE:LANG (e.g. dev-de.tsv:de), got {value!r}")
    return path, lang


def run_nli(args: argparse.Namespace) -> List[Dict[str, object]]:
    from fairseq_xling.evaluation.nli import encode_pairs, read_nli, zero_shot_classification

    if not (args.checkpoint or args.teacher):
        raise InputError("give --checkpoint or --teacher")
    if not args.train:
        return run_nli_head(args)
    if not args.train_lang:
        raise InputError("--train needs --train-lang")
    # read (and check) every file before loading a model or encoding anything
    splits = [("train", args.train, args.train_lang)] + ([("dev", args.dev, args.dev_lang or args.train_lang)]
                                                         if args.dev else [])
    splits += [("test", path, lang) for path, lang in args.test]
    data = [(role, path, lang, read_nli(path, role)) for role, path, lang in splits]
    encode, _ = sentence_encoder(args)
    features = []
    for role, path, lang, pairs in data:
        print(f"{role} {path} ({lang}): {len(pairs.labels)} pairs", file=sys.stderr, flush=True)
        features.append((encode_pairs(pairs, lambda sentences: encode(sentences, lang)), pairs.labels))
    (train_X, train_y), rest = features[0], features[1:]
    dev_X, dev_y = rest.pop(0) if args.dev else (None, None)

    def log(line: str) -> None:
        print(f"nli: {line}", file=sys.stderr, flush=True)

    results = zero_shot_classification(train_X, train_y, rest, dev_X, dev_y, hidden=args.hidden,
                                       epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, seed=args.seed,
                                       log=log)
    rows = []
    for (path, lang), result in zip(args.test, results):
        row: Dict[str, object] = {"task": "nli", "train": args.train, "train_lang": args.train_lang,
                                  "test": path, "test_lang": lang}
        row.update(result)
        rows.append(row)
    return rows


def run_nli_head(args: argparse.Namespace) -> List[Dict[str, object]]:
    """Accuracy of the checkpoint's own NLI head (a model trained or fine-tuned with an ``nli`` objective) on
    every test file."""
    from fairseq_xling.evaluation.nli import LABELS, read_nli

    if args.teacher or args.dev:
        raise InputError("without --train the checkpoint's own NLI head classifies: --teacher and --dev do not apply")
    tests = [(path, lang, read_nli(path, "test")) for path, lang in args.test]
    hub = load_hub(args.checkpoint)
    classes = hub.nli_classes
    if sorted(classes) != sorted(LABELS):
        raise InputError(f"{args.checkpoint}: its NLI head predicts {', '.join(classes)}; the test files have "
                         f"{', '.join(LABELS)}")
    rows = []
    for path, lang, pairs in tests:
        predicted = hub.classify(pairs.premises, pairs.hypotheses, lang, progress=sys.stderr.isatty())
        gold = [LABELS[i] for i in pairs.labels]
        accuracy = float(np.mean([p == g for p, g in zip(predicted, gold)]))
        print(f"nli {path} ({lang}): {len(gold)} pairs, accuracy {accuracy:.4f}", file=sys.stderr, flush=True)
        rows.append({"task": "nli", "head": "checkpoint", "test": path, "test_lang": lang, "pairs": len(gold),
                     "accuracy": accuracy})
    return rows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xling-eval", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def add_common(p: argparse.ArgumentParser, sentence_vectors: bool = True) -> None:
        p.add_argument("--checkpoint", help="path/to/checkpoint_x.pt, encoded through XlingHubInterface")
        if sentence_vectors:
            p.add_argument("--teacher", help="encode with this distillation teacher instead (use-m3, e5-small, "
                                             "or module:attr; see xling-teacher)")
        p.add_argument("--data", help="ignored: checkpoints carry their vocabularies and tokenizer (kept so that "
                                      "older command lines still run)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--output", help="also write the results as a TSV table to this file")

    p = commands.add_parser("retrieval", help="P@k and error rate of parallel-sentence retrieval, both directions")
    add_common(p)
    p.add_argument("--src-file", help="source sentences, one per line")
    p.add_argument("--tgt-file", help="target sentences, line i translating line i of --src-file")
    p.add_argument("--src-lang", required=True)
    p.add_argument("--tgt-lang", required=True)
    p.add_argument("--src-emb", help="precomputed N x d source embeddings (.npy)")
    p.add_argument("--tgt-emb", help="precomputed N x d target embeddings (.npy)")
    p.add_argument(
        "--num-distractors",
        type=parse_num_distractors,
        default=DEFAULT_NUM_DISTRACTORS,
        help="wrong candidates per query (pools of K+1 pairs), or 'all' for a full search (Tatoeba style)",
    )
    p.add_argument("--k", type=int, nargs="+", default=[1, 5], help="cutoffs to report (default: 1 5)")
    p.add_argument(
        "--scoring",
        nargs="+",
        choices=list(SCORINGS),
        default=["cosine", "margin"],
        metavar="SCORING",
        help="cosine, margin (ratio margin of Artetxe & Schwenk 2019, as LASER's xSIM) and/or margin-distance; "
        "one row per direction and scoring (default: cosine margin)",
    )
    p.add_argument(
        "--margin-k",
        type=int,
        default=DEFAULT_MARGIN_K,
        help=f"nearest neighbours in the margin's denominator, clamped to the pool size (default: {DEFAULT_MARGIN_K})",
    )
    p.add_argument("--max-sentences", type=int, help="use only the first N pairs")
    p.add_argument("--progress", action="store_true", help="show a progress bar while scoring")
    p.set_defaults(run=run_retrieval)

    p = commands.add_parser("doc-classification", help="train an averaged perceptron on L1 documents, test on L2")
    add_common(p)
    for split in ("train", "test", "dev"):
        p.add_argument(f"--{split}", help=f"{split} documents in --format layout (with --checkpoint)")
        p.add_argument(f"--{split}-emb", help=f"precomputed {split} documents: .npz with X (D x d) and y (D)")
    p.add_argument("--train-lang", required=True)
    p.add_argument("--test-lang", required=True)
    p.add_argument("--dev-lang", help="language of --dev (default: --train-lang)")
    p.add_argument("--format", choices=sorted(dc.READERS), default="mldoc", help="layout of the document files")
    p.add_argument("--epochs", type=int, default=10, help="perceptron epochs (the maximum when a dev split is given)")
    p.add_argument("--no-normalize", action="store_true", help="do not L2-normalise document vectors")
    p.add_argument("--no-sentence-split", action="store_true", help="cut documents only at line/<br> separators")
    p.set_defaults(run=run_doc_classification)

    p = commands.add_parser("tagging", help="span F1 (NER) or accuracy (POS) of a tagging checkpoint on a file")
    add_common(p, sentence_vectors=False)
    p.add_argument("--input", required=True, help="tagged file in --format")
    p.add_argument("--format", required=True, choices=["conll2002", "conll2003", "wikiann", "conllu", "udpos"])
    p.add_argument("--lang", required=True)
    p.add_argument("--task", help="the model's tagging task (ner, pos); default: its only one")
    p.add_argument("--repair", action="store_true", help="an I- gold tag that cannot follow the previous tag "
                   "becomes B- (counted: gold_repaired), as preprocess/conll.sh --repair; default: stop there")
    p.add_argument("--encoding", default="utf-8")
    p.add_argument("--predict", help="also write the predicted tags here (token<TAB>tag; NER in IOB2)")
    p.set_defaults(run=run_tagging)

    p = commands.add_parser("sts", help="Spearman / Pearson correlation of cosine or angular similarity with STS "
                                        "scores")
    add_common(p)
    p.add_argument("--file", required=True, help="sentence1,sentence2,score rows (STS Benchmark CSV, no header)")
    p.add_argument("--lang", required=True)
    p.add_argument("--similarity", choices=["cosine", "angular"], default="cosine",
                   help="cos(u, v), or 1 - arccos(cos(u, v)) / pi as Cer et al. 2018 (default: cosine)")
    p.set_defaults(run=run_sts)

    p = commands.add_parser("eigen", help="eigen-similarity (Sogaard et al. 2018) of the two sides of parallel text")
    add_common(p)
    p.add_argument("--src-file", help="source sentences, one per line")
    p.add_argument("--tgt-file", help="target sentences, line i translating line i of --src-file")
    p.add_argument("--src-lang", required=True)
    p.add_argument("--tgt-lang", required=True)
    p.add_argument("--src-emb", help="precomputed N x d source embeddings (.npy)")
    p.add_argument("--tgt-emb", help="precomputed N x d target embeddings (.npy)")
    p.add_argument("--samples", type=positive_int, default=1000, help="random sets of pairs (N; default: 1000)")
    p.add_argument("--k", type=positive_int, default=10, help="translation pairs per set (K; default: 10)")
    p.add_argument("--no-normalize", action="store_true", help="do not L2-normalise the vectors first")
    p.add_argument("--max-sentences", type=int, help="use only the first N pairs")
    p.set_defaults(run=run_eigen)

    p = commands.add_parser("nli", help="train an NLI classifier on frozen L1 sentence vectors, test on L2 "
                                        "(zero-shot); without --train, test the checkpoint's own NLI head")
    add_common(p)
    p.add_argument("--train", help="training pairs: SICK.txt (its TRAIN rows) or an XNLI-layout TSV; without it the "
                                   "checkpoint's NLI head (fine-tuned with an nli objective) classifies the tests")
    p.add_argument("--train-lang")
    p.add_argument("--dev", help="dev pairs that choose the epoch: SICK.txt (its TRIAL rows) or an XNLI-layout TSV; "
                                 "without it the last epoch is kept")
    p.add_argument("--dev-lang", help="language of --dev (default: --train-lang)")
    p.add_argument("--test", required=True, nargs="+", type=parse_file_lang, metavar="FILE:LANG",
                   help="test pairs (XNLI layout) and their language; one result row each")
    p.add_argument("--epochs", type=positive_int, default=20, help="training epochs (the maximum with --dev)")
    p.add_argument("--hidden", type=positive_int, default=512, help="hidden tanh units (default: 512, the paper's)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (default: 0.001)")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.set_defaults(run=run_nli)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "max_sentences", None) is not None and args.max_sentences < 1:
        parser.error("--max-sentences must be >= 1")
    if getattr(args, "margin_k", None) is not None and args.margin_k < 1:
        parser.error("--margin-k must be >= 1")
    try:  # the one place user errors are reported: bad files, arguments or checkpoints, never a traceback
        check_outputs(args)
        rows = args.run(args)
        emit(rows, args.output)
    except (ValueError, OSError) as e:  # InputError, readers' FILE:LINE errors (CorpusError), missing files
        parser.exit(2, f"{parser.prog} {args.command}: error: {e}\n")


if __name__ == "__main__":
    sys.exit(main())
