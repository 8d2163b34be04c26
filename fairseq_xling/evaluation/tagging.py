"""Sequence labelling metrics: entity span F1 (seqeval, conlleval-compatible) for NER, accuracy for POS.

Pure functions on lists of tag sequences; span metrics take IOB2 tags (convert BIOES or IOB1 first with
``fairseq_xling.text.tag_conversion.convert_tags``).
"""
from typing import Dict, List, Sequence, Tuple


def _check(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]):
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")


def span_f1(gold: List[List[str]], pred: List[List[str]]) -> Dict[str, object]:
    """Micro precision / recall / F1 over entity spans, and F1 per entity type (seqeval's default,
    conlleval-compatible mode: a span counts when type and both boundaries match)."""
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

    _check(gold, pred)
    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    per_type = {k: round(float(v["f1-score"]), 4) for k, v in report.items() if not k.endswith(" avg")}
    return {"precision": float(precision_score(gold, pred, zero_division=0)),
            "recall": float(recall_score(gold, pred, zero_division=0)),
            "f1": float(f1_score(gold, pred, zero_division=0)), "f1_per_type": per_type}


def span_counts(gold: List[List[str]], pred: List[List[str]], scheme: str) -> Tuple[int, int, int]:
    """(spans found in both, predicted spans, gold spans) of tag sequences in ``scheme`` (IOB1, IOB2, BIOES),
    summable over batches: F1 = 2 * tp / (predicted + gold) is :func:`span_f1`'s micro F1 (the same spans:
    seqeval's conlleval-compatible reading of IOB2; predicted runs a scheme forbids are repaired first, as
    ``xling-eval tagging`` does)."""
    from seqeval.metrics.sequence_labeling import get_entities

    from fairseq_xling.text.tag_conversion import convert_tags

    _check(gold, pred)
    tp = n_pred = n_gold = 0
    for g, p in zip(gold, pred):
        g_spans = set(get_entities(convert_tags(g, scheme, "IOB2", repair=True)[0]))
        p_spans = set(get_entities(convert_tags(p, scheme, "IOB2", repair=True)[0]))
        tp, n_pred, n_gold = tp + len(g_spans & p_spans), n_pred + len(p_spans), n_gold + len(g_spans)
    return tp, n_pred, n_gold


def accuracy(gold: List[List[str]], pred: List[List[str]]) -> Dict[str, object]:
    """Token accuracy (POS tagging)."""
    _check(gold, pred)
    total = sum(len(g) for g in gold)
    correct = sum(a == b for g, p in zip(gold, pred) for a, b in zip(g, p))
    return {"accuracy": correct / total if total else 0.0, "tokens": total}
