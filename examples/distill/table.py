"""results.jsonl (+ train_times.txt) of examples/distill/run.sh -> the markdown tables of its README.

Retrieval: P@1 (cosine, every dev pair a candidate) per set and language, X->en / en->X. STS: Spearman x 100.
Cells are means over the seeds of a model (rows carry ``seed``; rows without one count as seed 1); the mean column
has the spread over seeds (``mean ± std (seeds)``) of the model's mean score, and train time is the mean over its
runs (``train_times.txt`` lines ``MODEL-sSEED: SECONDS s``).
"""
import sys

from fairseq_xling.evaluation.report import (print_retrieval_table, print_scores_table, read_rows, read_times,
                                             scores_by_seed)

MODELS = {"teacher": "teacher (use-m3)", "distill": "BiLSTM-avg student, distilled (pairs + English text)",
          "distill_pairs": "BiLSTM-avg student, distilled (pairs only)",
          "baseline": "BiLSTM-avg student, similarity objective", "laser": "LASER-encoder student, distilled",
          "transformer": "Transformer student (dual encoder), distilled",
          "transformer_ranking": "Transformer student (dual encoder), ranking objective"}


def main(results_path, times_path=None):
    rows = read_rows(results_path)
    retrieval = scores_by_seed(rows, "retrieval", "direction", "p@1", scale=100)
    for data_set in dict.fromkeys(s for _, s in retrieval):
        print_retrieval_table(retrieval, data_set, MODELS)
    sts = scores_by_seed(rows, "sts", "lang", "spearman")
    for data_set in dict.fromkeys(s for _, s in sts):
        print_scores_table("STS Benchmark dev (stsb_multi_mt), Spearman x 100 of the cosine, mean over seeds", sts,
                           data_set, MODELS, times=read_times(times_path))


if __name__ == "__main__":
    main(*sys.argv[1:])
