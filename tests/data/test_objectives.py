import pytest

from fairseq_xling.data.objectives import parse_objectives


def test_options_are_routed_to_objective_and_criterion():
    sim, sg = parse_objectives("similarity:de-en:margin=4:batch_size=50,skipgram:de-en:window=3:negatives=7:mono=0")
    assert (sim.name, sim.langs, sim.cfg.batch_size, sim.criterion_cfg.margin) == (
        "similarity_de-en", ["de", "en"], 50, 4.0)
    assert (sg.cfg.window, sg.cfg.mono, sg.cfg.negatives) == (3, False, 7)


def test_any_registered_criterion_can_score_an_objective():
    (o,) = parse_objectives("tagging:nl:criterion=label_smoothed_cross_entropy:label_smoothing=0.1:lr_scale=0.5")
    assert (o.cfg.criterion, o.criterion_cfg.label_smoothing, o.cfg.lr_scale) == (
        "label_smoothed_cross_entropy", 0.1, 0.5)
    (o,) = parse_objectives("tagging:nl")
    assert o.cfg.criterion == "xling_crf"


@pytest.mark.parametrize("spec,message", [
    ("translate:de-en", "unknown objective type 'translate'"),
    ("similarity:de1-en", "'de1'"),
    ("similarity:deut-en", "'deut'"),
    ("similarity:de-en:windw=3", "unknown option 'windw'"),
    ("similarity:de-en:criterion=nope", "unknown criterion 'nope'"),
    ("skipgram:de-en:window=x", "window='x' is not a valid int"),
    ("skipgram:de-en:mono=yes2", "mono='yes2' is not a valid bool"),
    ("similarity", "expected TYPE:LANGS"),
    ("similarity:de-en,similarity:de-en", "listed twice"),
    ("", "is empty"),
    # values no objective can use (issue 12, item 3)
    ("similarity:de-en:margin=nan", "margin='nan': expected a finite number"),
    ("similarity:de-en:weight=inf", "weight='inf': expected a finite number"),
    ("similarity:de-en:batch_size=-1", "batch_size=-1: expected a number >= 0"),
    ("similarity:de-en:max-tokens=0", "max_tokens=0: expected at least 1"),
    ("skipgram:de-en:window=-2", "window=-2: expected a number >= 0"),
    ("similarity:de-en:_name=x", "unknown option '_name'"),
    ("similarity:de-de", "de-de: expected different languages"),
    ("similarity:de-en:batch-size=1:batch_size=2", "given twice"),
    ("similarity:de-en:max_tokens=1:max-tokens=2", "given twice"),
])
def test_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_objectives(spec)


def test_a_language_the_data_bin_lacks_is_named_with_those_it_has(tmp_path):
    from tests.utils import build_in_process, make_data_bin, synthetic_corpus

    make_data_bin(tmp_path / "bin", synthetic_corpus(12))
    with pytest.raises(ValueError, match=r"no word dictionary for language 'xx'.*has de, en; is the language code"):
        build_in_process(tmp_path / "bin", objectives="similarity:de-xx")
