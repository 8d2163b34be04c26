"""results.jsonl (+ train_times.txt) of examples/dual_encoder/run.sh -> the markdown tables of its README.

Retrieval: P@1 (cosine, every dev pair a candidate), X->en / en->X. Eigen-similarity: Psi (lower = more
isomorphic). STS: Pearson x 100 of the angular similarity (the paper's Table 2 reports Pearson). NLI: accuracy
x 100, trained on SICK en. Cells are means over a model's seeds (rows carry ``seed``; references have none), the
mean column has the spread over seeds of the model's mean, and train time is the mean over its runs
(``train_times.txt`` lines ``MODEL-sSEED: SECONDS s``).
"""
import sys

from fairseq_xling.evaluation.report import (print_retrieval_table, print_scores_table, read_rows, read_times,
                                             scores_by_seed)

MODELS = {"use-m3": "multilingual USE v3 (`use-m3`, reference)",
          "e5-small": "multilingual-e5-small (`e5-small`, reference)",
          "ranking": "translation ranking only", "ranking_lazy": "translation ranking only, sparse tables + lazy Adam",
          "ranking_sgd": "translation ranking only, SGD 0.008 + embedding gradients x 100 (paper)",
          "multitask": "multi-task"}
TABLES = [  # (task, column, value, scale, digits, title)
    ("eigen", "pair", "psi", 1, 3, "Eigen-similarity Psi on {set} (lower = more isomorphic), mean over seeds"),
    ("sts", "lang", "pearson", 1, 1, "STS Benchmark dev (stsb_multi_mt), Pearson x 100 of the angular similarity, "
                                     "mean over seeds"),
    ("nli", "test_lang", "accuracy", 100, 1, "Zero-shot NLI: trained on SICK en, encoder frozen; accuracy x 100 on "
                                             "XNLI dev half, mean over seeds"),
]


def main(results_path, times_path=None):
    rows = read_rows(results_path)
    times = read_times(times_path)
    retrieval = scores_by_seed(rows, "retrieval", "direction", "p@1", scale=100)
    for data_set in dict.fromkeys(s for _, s in retrieval):
        print_retrieval_table(retrieval, data_set, MODELS)
    for task, column, value, scale, digits, title in TABLES:
        scores = scores_by_seed(rows, task, column, value, scale)
        for data_set in dict.fromkeys(s for _, s in scores):
            print_scores_table(title.format(set=data_set), scores, data_set, MODELS, digits,
                               times=times if task == "sts" else None)


if __name__ == "__main__":
    main(*sys.argv[1:])
