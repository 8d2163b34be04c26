"""Tiny synthetic data for tests: a de-en "corpus" whose words translate one to one (d<i> <-> e<i>)."""
import os
import subprocess
import sys

import numpy as np
import torch
from fairseq.data import Dictionary, indexed_dataset

import fairseq_xling
from fairseq_xling.text.fingerprints import write_fingerprints

USER_DIR = os.path.dirname(fairseq_xling.__file__)
REPO = os.path.dirname(USER_DIR)


def load_example_table(example):
    """examples/EXAMPLE/table.py as a module (the examples are scripts, not a package)."""
    import importlib.util

    path = os.path.join(REPO, "examples", example, "table.py")
    spec = importlib.util.spec_from_file_location(f"{example}_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthetic_corpus(num_pairs=40, vocab=12, seed=0, min_len=3, max_len=7):
    """Parallel token lists with word i of German = word i of English, and their diagonal alignments."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(num_pairs):
        words = rng.integers(0, vocab, rng.integers(min_len, max_len + 1))
        pairs.append(([f"d{w}" for w in words], [f"e{w}" for w in words], [(i, i) for i in range(len(words))]))
    return pairs


def _write_dataset(path, dictionary, sentences):
    builder = indexed_dataset.make_builder(path + ".bin", impl="mmap", vocab_size=len(dictionary))
    for words in sentences:
        builder.add_item(dictionary.encode_line(" ".join(words), add_if_not_exist=False, append_eos=True))
    builder.finalize(path + ".idx")


def make_data_bin(dest, pairs, valid_pairs=None, mono=None):
    """Write the layout of preprocess/europarl.sh: dict.{de,en}.txt, {train,valid}.de-en.{de,en},
    {train,valid}.align.de-en and mono.{lang}. ``mono``: lang -> list of token lists."""
    os.makedirs(dest, exist_ok=True)
    mono = mono or {}
    valid_pairs = valid_pairs if valid_pairs is not None else pairs[:8]
    dicts = {"de": Dictionary(), "en": Dictionary()}
    for side, lang in ((0, "de"), (1, "en")):
        for p in pairs:
            for w in p[side]:
                dicts[lang].add_symbol(w)
        for words in mono.get(lang, []):
            for w in words:
                dicts[lang].add_symbol(w)
    for lang, d in dicts.items():
        d.finalize()
        d.save(os.path.join(dest, f"dict.{lang}.txt"))
    for split, split_pairs in (("train", pairs), ("valid", valid_pairs)):
        _write_dataset(os.path.join(dest, f"{split}.de-en.de"), dicts["de"], [p[0] for p in split_pairs])
        _write_dataset(os.path.join(dest, f"{split}.de-en.en"), dicts["en"], [p[1] for p in split_pairs])
        path = os.path.join(dest, f"{split}.align.de-en")
        builder = indexed_dataset.make_builder(path + ".bin", impl="mmap", vocab_size=1 << 20)
        for p in split_pairs:
            builder.add_item(torch.IntTensor([x for link in p[2] for x in link]))
        builder.finalize(path + ".idx")
    for lang, sentences in mono.items():
        _write_dataset(os.path.join(dest, f"mono.{lang}"), dicts[lang], sentences)
    write_fingerprints(dest, {lang: [" ".join(p[side]) for p in pairs] + [" ".join(w) for w in mono.get(lang, [])]
                              for side, lang in ((0, "de"), (1, "en"))})  # as the pipeline does
    return dest


def fairseq_cli(command, *args, check=True, env=None):
    """Run fairseq-train / fairseq-validate ... with our plugin, as a user would, in a subprocess."""
    cmd = [sys.executable, "-c", f"import sys; from fairseq_cli.{command} import cli_main; sys.exit(cli_main())",
           *map(str, args)]
    return subprocess.run(cmd, check=check, capture_output=True, text=True, env=env)


def train_args(data, save_dir, *extra, arch="xling_sent_lstm_tiny",
               objectives="similarity:de-en,skipgram:de-en:negatives=20"):
    return [data, "--user-dir", USER_DIR, "--task", "xling_multitask", "--objectives", objectives,
            "--criterion", "xling_multitask", "--arch", arch, "--optimizer", "adam", "--lr", "0.005",
            "--batch-size", "8", "--save-dir", save_dir, "--cpu", "--no-progress-bar", "--log-format", "simple",
            "--log-interval", "1", "--num-workers", "0", "--seed", "3", *extra]


def build_in_process(data, save_dir="/tmp/unused", *extra, **kwargs):
    """Task, model and criterion from the same command line fairseq-train would get, in this process."""
    from fairseq import options, tasks
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf

    parser = options.get_training_parser()
    args = options.parse_args_and_arch(parser, [str(a) for a in train_args(data, save_dir, *extra, **kwargs)])
    cfg = convert_namespace_to_omegaconf(args)
    task = tasks.setup_task(cfg.task)
    task.load_dataset("train")
    model = task.build_model(cfg.model)
    criterion = task.build_criterion(cfg.criterion)
    return cfg, task, model, criterion


def first_batches(task, split="train", **kwargs):
    """Every batch of the split's first epoch, collated."""
    itr = task.get_batch_iterator(task.dataset(split), max_sentences=kwargs.pop("max_sentences", 8), **kwargs)
    return list(itr.next_epoch_itr(shuffle=False))


NER_TAGS = ["O"] + [f"{p}-{t}" for t in ("PER", "LOC") for p in "BIES"]


def tagging_corpus(num_sentences=8, seed=0, lang="nl"):
    """Sentences whose tags follow from the words: names (capitalised) are PER or LOC spans in BIOES."""
    rng = np.random.default_rng(seed)
    people, places = ["Anna", "Jan", "Piet"], ["Gent", "Utrecht"]
    sentences = []
    for _ in range(num_sentences):
        tokens, tags = [], []
        for _ in range(rng.integers(2, 6)):
            kind = rng.integers(0, 3)
            if kind == 0:
                tokens.append(f"{lang}w{rng.integers(0, 6)}"); tags.append("O")
            elif kind == 1:
                tokens.append(str(rng.choice(people))); tags.append("S-PER")
            else:
                tokens += [str(rng.choice(places)), "Stad"]; tags += ["B-LOC", "E-LOC"]
        sentences.append((tokens, tags))
    return sentences


def make_tagging_data_bin(dest, sentences, valid=None, scheme="BIOES", lang=None):
    """The layout of preprocess/conll.sh: dict.{word,char,tag}.txt and {split}.{word,char,tag}.{bin,idx}; with
    ``lang``, the fingerprints of the training sentences too."""
    import json

    os.makedirs(dest, exist_ok=True)
    words, chars, tags = Dictionary(), Dictionary(), Dictionary()
    chars.add_symbol("<w>")
    for t in NER_TAGS:
        tags.add_symbol(t)
    for tokens, _ in sentences:
        for w in tokens:
            words.add_symbol(w)
            for c in w:
                chars.add_symbol(c)
    for name, d in (("word", words), ("char", chars), ("tag", tags)):
        d.save(os.path.join(dest, f"dict.{name}.txt"))
    for split, split_sentences in (("train", sentences), ("valid", valid or sentences)):
        _write_dataset(os.path.join(dest, f"{split}.word"), words, [s[0] for s in split_sentences])
        _write_dataset(os.path.join(dest, f"{split}.tag"), tags, [s[1] for s in split_sentences])
        _write_dataset(os.path.join(dest, f"{split}.char"), chars,
                       [[c for w in s[0] for c in list(w) + ["<w>"]][:-1] for s in split_sentences])
    with open(os.path.join(dest, "preprocess.json"), "w") as f:
        json.dump({"pipeline": "conll", "scheme": scheme, "task": "ner"}, f)
    if lang:
        write_fingerprints(dest, {lang: [" ".join(tokens) for tokens, _ in sentences]})
    return dest


def make_translation_data_bin(dest, pairs, valid_pairs=None, meta=None, target_tokens=True):
    """The layout of preprocess/multilingual.sh for de-en: one dictionary shared by both languages (dict.de.txt =
    dict.en.txt; ending with the target-language tokens <2de> <2en> unless ``target_tokens`` is false),
    {train,valid}.de-en.{de,en}; ``meta``: its preprocess.json."""
    import json

    os.makedirs(dest, exist_ok=True)
    valid_pairs = valid_pairs if valid_pairs is not None else pairs[:8]
    joined = Dictionary()
    for p in pairs:
        for w in p[0] + p[1]:
            joined.add_symbol(w)
    joined.finalize()
    for lang in ("de", "en") if target_tokens else ():
        joined.add_symbol(f"<2{lang}>", 0)
    for lang in ("de", "en"):
        joined.save(os.path.join(dest, f"dict.{lang}.txt"))
    for split, split_pairs in (("train", pairs), ("valid", valid_pairs)):
        _write_dataset(os.path.join(dest, f"{split}.de-en.de"), joined, [p[0] for p in split_pairs])
        _write_dataset(os.path.join(dest, f"{split}.de-en.en"), joined, [p[1] for p in split_pairs])
    with open(os.path.join(dest, "preprocess.json"), "w") as f:
        json.dump(meta or {"pipeline": "multilingual", "tokenizer": "none"}, f)
    return dest


def run_main(main, capsys, *args):
    """A command's ``main(argv)`` in process (no start-up cost): (exit status, stdout, stderr)."""
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def add_multitask_data(data, lang="en", seed=0):
    """Quick-thought triplets, conversation pairs and NLI pairs of ``lang`` in the layout of
    preprocess/multilingual.sh, from the words of the pairs' dictionary."""
    d = Dictionary.load(os.path.join(data, f"dict.{lang}.txt"))
    rng = np.random.default_rng(seed)
    words = [w for w in d.symbols[d.nspecial:] if not w.startswith("madeupword")]
    sentence = lambda: list(rng.choice(words, rng.integers(2, 6)))  # noqa: E731
    document = [sentence() for _ in range(14)]
    triplets = {"prev": document[:-2], "cur": document[1:-1], "next": document[2:]}
    pairs = [sentence() for _ in range(16)]
    labels = Dictionary()
    for label in ("entailment", "neutral", "contradiction"):
        labels.add_symbol(label)
    labels.save(os.path.join(data, "dict.nli_label.txt"))
    hypotheses = [p[:2] if i % 3 == 0 else (p[:1] + sentence() if i % 3 == 1 else sentence())
                  for i, p in enumerate(pairs)]
    classes = [["entailment"], ["neutral"], ["contradiction"]]
    for split in ("train", "valid"):
        for side, sentences in triplets.items():
            _write_dataset(os.path.join(data, f"{split}.qt.{side}.{lang}"), d, sentences)
        _write_dataset(os.path.join(data, f"{split}.rsp.input.{lang}"), d, document[:-1])
        _write_dataset(os.path.join(data, f"{split}.rsp.response.{lang}"), d, document[1:])
        _write_dataset(os.path.join(data, f"{split}.nli.premise.{lang}"), d, pairs)
        _write_dataset(os.path.join(data, f"{split}.nli.hypothesis.{lang}"), d, hypotheses)
        _write_dataset(os.path.join(data, f"{split}.nli.label.{lang}"), labels, [classes[i % 3] for i in range(16)])
    return triplets, pairs, hypotheses
