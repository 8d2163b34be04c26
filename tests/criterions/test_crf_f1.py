"""Span F1 as a validation metric of tagging objectives: summable span counts that give xling-eval's F1."""
import pytest
import torch
from fairseq import metrics

from fairseq_xling.evaluation.tagging import span_counts, span_f1
from fairseq_xling.text.tag_conversion import convert_tags
from tests.utils import build_in_process, first_batches, make_tagging_data_bin, tagging_corpus

GOLD = [["B-PER", "E-PER", "O", "S-LOC"], ["O", "S-PER", "B-LOC", "I-LOC", "E-LOC"]]
PRED = [["B-PER", "E-PER", "O", "S-PER"], ["O", "I-PER", "B-LOC", "E-LOC", "O"]]  # I-PER after O: repaired


def test_span_counts_give_seqeval_f1():
    tp, n_pred, n_gold = span_counts(GOLD, PRED, "BIOES")
    assert (tp, n_pred, n_gold) == (2, 4, 4)  # PER twice right; LOC wrong type; LOC wrong end
    iob2 = [[convert_tags(s, "BIOES", "IOB2", repair=True)[0] for s in seqs] for seqs in (GOLD, PRED)]
    assert 2 * tp / (n_pred + n_gold) == pytest.approx(span_f1(*iob2)["f1"])
    assert span_counts([["B-PER", "I-PER"]], [["B-PER", "I-PER"]], "IOB2") == (1, 1, 1)


def test_the_crf_criterion_logs_span_f1_over_the_split(tmp_path):
    data = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(12), valid=tagging_corpus(12, seed=5))
    _, task, model, criterion = build_in_process(data, str(tmp_path / "ckpt"), arch="xling_char_cnn_tagger_tiny",
                                                 objectives=f"tagging:nl:task=ner:data={data}")
    task.load_dataset("valid")
    model.eval()
    sums, gold, pred = {"span_tp": 0, "span_pred": 0, "span_gold": 0}, [], []
    head = model.heads["tag_ner"]
    for batch in first_batches(task, "valid", max_sentences=5):
        with torch.no_grad():
            _, _, log = criterion(model, batch)
            predictions = model(**batch["net_input"])["predictions"]
        for key in sums:
            sums[key] += log[f"ner_nl:{key}"]
        for target, predicted, mask in zip(batch["target"], predictions, batch["tag_mask"]):
            gold.append(convert_tags([head.tags[i] for i in target[mask].tolist()], "BIOES", "IOB2")[0])
            pred.append(convert_tags([head.tags[i] for i in predicted[mask].tolist()], "BIOES", "IOB2",
                                     repair=True)[0])
    assert sums["span_gold"] > 0 and sums["span_pred"] > 0  # an untrained model still predicts some spans
    metrics = type(criterion.criteria["ner_nl"]).objective_metrics(sums)
    assert metrics["f1"] == pytest.approx(span_f1(gold, pred)["f1"])
    model.train()  # training batches count no spans (no predictions there)
    _, _, log = criterion(model, first_batches(task)[0])
    assert log["ner_nl:span_gold"] == 0


def test_logged_metrics_are_those_of_the_split_not_a_mean_over_batches(tmp_path):
    """fairseq reduces each validation batch on its own: the logged F1 (what --best-checkpoint-metric reads) and
    accuracy must come from the sums over all batches, not average the batches' own values."""
    data = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(12), valid=tagging_corpus(12, seed=5))
    _, task, _, criterion = build_in_process(data, str(tmp_path / "ckpt"), arch="xling_char_cnn_tagger_tiny",
                                             objectives=f"tagging:nl:task=ner:data={data}")
    batches = [dict(loss=2.0, sample_size=1, correct=4, tokens=4, span_tp=1, span_pred=1, span_gold=1),  # F1 1
               dict(loss=6.0, sample_size=1, correct=1, tokens=16, span_tp=0, span_pred=3, span_gold=5)]  # F1 0
    with metrics.aggregate(new_root=True) as valid:
        for batch in batches:
            task.reduce_metrics([{f"ner_nl:{k}": v for k, v in batch.items()}], criterion)
    logged = valid.get_smoothed_values()
    assert logged["ner_nl:f1"] == pytest.approx(2 * 1 / (4 + 6), abs=1e-4)  # the mean of batches would be 0.5
    assert logged["ner_nl:accuracy"] == pytest.approx(5 / 20, abs=1e-4)  # not (1 + 1/16) / 2
    assert logged["ner_nl:loss"] == pytest.approx(4.0)
    assert logged["mean:f1"] == logged["ner_nl:f1"]  # one objective: its mean is itself
    assert not any(key.startswith("_") for key in logged)  # the sums stay out of the logs


def test_several_tagging_objectives_log_the_mean_of_their_metrics(tmp_path):
    """A joint tagger is selected on mean:f1, each language counting once (one batch per objective, as fairseq's
    validation reduces them)."""
    nl = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(12), valid=tagging_corpus(12, seed=5))
    de = make_tagging_data_bin(str(tmp_path / "de"), tagging_corpus(12), valid=tagging_corpus(12, seed=6))
    _, task, _, criterion = build_in_process(nl, str(tmp_path / "ckpt"), arch="xling_char_cnn_tagger_tiny",
                                             objectives=f"tagging:nl:task=ner:data={nl},tagging:de:task=ner:data={de}")
    batches = {"ner_nl": dict(loss=2.0, sample_size=1, correct=4, tokens=4, span_tp=1, span_pred=1, span_gold=1),
               "ner_de": dict(loss=6.0, sample_size=1, correct=3, tokens=12, span_tp=1, span_pred=3, span_gold=5)}
    with metrics.aggregate(new_root=True) as valid:
        for name, batch in batches.items():
            log = {f"{o}:{k}": (v if o == name else 0) for o in batches for k, v in batch.items()}
            task.reduce_metrics([log], criterion)
    logged = valid.get_smoothed_values()
    assert logged["ner_de:f1"] == pytest.approx(0.25, abs=1e-4)
    assert logged["mean:f1"] == pytest.approx((1.0 + 0.25) / 2, abs=1e-4)  # not the pooled 2 * 2 / 10
    assert logged["mean:accuracy"] == pytest.approx((1.0 + 0.25) / 2, abs=1e-4)
