"""Shared set-up for the benchmarks: thread count, the task/model/criterion of a fairseq-train command line."""
import os
import time

import torch

import fairseq_xling

USER_DIR = os.path.dirname(fairseq_xling.__file__)


def set_threads(n: int):
    torch.set_num_threads(n)
    os.environ["OMP_NUM_THREADS"] = str(n)


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
