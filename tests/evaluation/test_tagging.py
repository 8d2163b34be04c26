import pytest

from fairseq_xling.evaluation.tagging import accuracy, span_f1


def test_span_f1_counts_exact_spans_only():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["B-ORG", "B-LOC"]]
    # gold spans: PER, LOC, ORG; predicted: PER, ORG, LOC (wrong place) -> 2 correct of 3 and 3
    result = span_f1(gold, pred)
    assert result["precision"] == pytest.approx(2 / 3) and result["recall"] == pytest.approx(2 / 3)
    assert result["f1_per_type"] == {"LOC": 0.0, "ORG": 1.0, "PER": 1.0}


def test_span_boundary_error_is_a_miss():
    assert span_f1([["B-PER", "I-PER"]], [["B-PER", "O"]])["f1"] == 0.0


def test_accuracy_and_length_checks():
    assert accuracy([["NOUN", "VERB"]], [["NOUN", "NOUN"]]) == {"accuracy": 0.5, "tokens": 2}
    with pytest.raises(ValueError, match="sentence 0: 2 gold tags but 1 predicted"):
        accuracy([["NOUN", "VERB"]], [["NOUN"]])
