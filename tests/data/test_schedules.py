import numpy as np
import pytest

from fairseq_xling.data.schedules import SCHEDULE_REGISTRY, ObjectiveInfo, build_schedule
from fairseq_xling.data.spec import parse_spec

OBJECTIVES = [ObjectiveInfo("a", "similarity", ["de", "en"], 100, 3.0),
              ObjectiveInfo("b", "skipgram", ["de", "en"], 10, 1.0)]


def test_alternate_cycles():
    plan = build_schedule("alternate").plan(OBJECTIVES, 5, 1, np.random.default_rng(0))
    assert plan.tolist() == [0, 1, 0, 1, 0]


def test_weighted_is_deterministic_under_a_seed_and_follows_weights():
    schedule = build_schedule("weighted")
    a = schedule.plan(OBJECTIVES, 4000, 1, np.random.default_rng([1, 1]))
    b = schedule.plan(OBJECTIVES, 4000, 1, np.random.default_rng([1, 1]))
    c = schedule.plan(OBJECTIVES, 4000, 1, np.random.default_rng([1, 2]))
    assert (a == b).all() and not (a == c).all()
    assert abs((a == 0).mean() - 0.75) < 0.03
    assert schedule.probabilities(OBJECTIVES).tolist() == [0.75, 0.25]


def test_unknown_schedule_and_option_are_clear_errors():
    with pytest.raises(ValueError, match="unknown schedule 'nope'.*alternate"):
        build_schedule("nope")
    with pytest.raises(ValueError, match="unknown option 't'"):
        build_schedule("weighted:t=5")


def test_registry_has_the_issue_schedules():
    assert {"alternate", "weighted"} <= set(SCHEDULE_REGISTRY)


def test_parse_spec():
    assert parse_spec("skipgram:de-en:window=3:mono=false") == ("skipgram", ["de-en"], {"window": "3", "mono": "false"})


def test_mixing_rates_follow_lin_et_al():
    objectives = [ObjectiveInfo("ner_nl", "tagging", ["nl"], 100, task="ner"),
                  ObjectiveInfo("pos_nl", "tagging", ["nl"], 400, task="pos"),
                  ObjectiveInfo("ner_es", "tagging", ["es"], 900, task="ner"),
                  ObjectiveInfo("pos_es", "tagging", ["es"], 100, task="pos")]
    probs = build_schedule("mixing:target=ner_nl").probabilities(objectives)
    rates = np.array([1 * 1 * 10, 0.1 * 1 * 20, 1 * 0.1 * 30, 0.1 * 0.1 * 10])
    assert np.allclose(probs, rates / rates.sum())
    # zero-shot: no German NER objective; German is nobody's language, NER the task of ner_nl and ner_es
    probs = build_schedule("mixing:target=ner_de").probabilities(objectives)
    rates = np.array([1 * 0.1 * 10, 0.1 * 0.1 * 20, 1 * 0.1 * 30, 0.1 * 0.1 * 10])
    assert np.allclose(probs, rates / rates.sum())
    with pytest.raises(ValueError, match="target='chunk_nl' is neither an objective"):
        build_schedule("mixing:target=chunk_nl").probabilities(objectives)
    plan = build_schedule("mixing:target=ner_nl:mu=1:zeta=1").plan(objectives, 20000, 1, np.random.default_rng(0))
    assert abs((plan == 2).mean() - 30 / 70) < 0.02
