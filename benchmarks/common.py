"""Shared set-up for the benchmarks: thread count, the task/model/criterion of a fairseq-train command line."""
import argparse
import logging
import os
import time

import torch

import fairseq_xling

USER_DIR = os.path.dirname(fairseq_xling.__file__)


def set_threads(n: int):
    torch.set_num_threads(n)
    os.environ["OMP_NUM_THREADS"] = str(n)


def training_parser(doc: str, data_help: str, updates: int, per: str = "system") -> argparse.ArgumentParser:
    """The arguments of every training benchmark: DATA, --threads, --updates (timed steps per ``per``)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help=data_help)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--updates", type=int, default=updates, help=f"timed steps per {per}")
    return parser


def parse_args(parser: argparse.ArgumentParser, quiet: int = logging.INFO) -> argparse.Namespace:
    """Parsed arguments, with fairseq's logging at ``quiet`` and below silenced and ``--threads`` applied."""
    args = parser.parse_args()
    logging.disable(quiet)
    set_threads(args.threads)
    return args


def build(argv):
    """(cfg, task, model, criterion) from fairseq-train arguments, with the train split loaded."""
    from fairseq import options, tasks
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf

    parser = options.get_training_parser()
    cfg = convert_namespace_to_omegaconf(options.parse_args_and_arch(parser, ["--user-dir", USER_DIR, *argv]))
    task = tasks.setup_task(cfg.task)
    task.load_dataset(cfg.dataset.train_subset)
    return cfg, task, task.build_model(cfg.model), task.build_criterion(cfg.criterion)


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def collate(dataset, indices):
    """The batch of ``dataset`` items ``indices``, as its collater makes it."""
    return dataset.collater([dataset[int(i)] for i in indices])


def train_step(model, criterion, sample, optimizer) -> dict:
    """One training step as fairseq's trainer takes it (the loss divided by the sample size): the logging output."""
    loss, sample_size, log = criterion(model, sample)
    optimizer.zero_grad()
    (loss / sample_size).backward()
    optimizer.step()
    return log


def pair_langs(parser, pair: str):
    """(src, tgt) of a ``--pair SRC-TGT`` argument, or the parser's usage error."""
    if pair.count("-") != 1:
        parser.error(f"--pair {pair}: expected SRC-TGT, e.g. de-en")
    return tuple(pair.split("-"))


def median(values):
    values = sorted(values)
    return (values[(len(values) - 1) // 2] + values[len(values) // 2]) / 2


def objective_rate(task, model, criterion, optimizer, name, updates, batch_size):
    """Our training step (collate -> forward -> backward -> optimizer step) on one objective, in this process,
    after 3 warm-up steps. Returns (words/s, skip-gram pairs/s or 0, sentences/s)."""
    dataset = task.dataset("train")
    k = dataset.names.index(name)
    batches = task.objective_batches(dataset, k, None, batch_size, (1, 1, k, 0))
    batches = (batches * (1 + updates // max(len(batches), 1)))[: updates + 3]
    words = pairs = sentences = 0
    model.train()
    for i, batch in enumerate(batches):
        if i == 3:  # warm-up done
            timer = Timer().__enter__()
        sample = collate(dataset, batch)
        log = train_step(model, criterion, sample, optimizer)
        if i >= 3:
            words += log["ntokens"]
            pairs += len(sample["net_input"]["centers"]) if "centers" in sample["net_input"] else 0
            sentences += sample["nsentences"]
    timer.__exit__()
    return words / timer.seconds, pairs / timer.seconds, sentences / timer.seconds
