import pytest

from fairseq_xling.data.objectives import parse_objectives


def test_options_are_routed_to_objective_and_criterion():
    sim, sg = parse_objectives("similarity:de-en:margin=4:batch_size=50,skipgram:de-en:window=3:negatives=7:mono=0")
    assert (sim.name, sim.langs, sim.cfg.batch_size, sim.criterion_cfg.margin) == ("similarity_de-en", ["de", "en"], 50, 4.0)
    assert (sg.cfg.window, sg.cfg.mono, sg.criterion_cfg.negatives) == (3, False, 7)


@pytest.mark.parametrize("spec,message", [
    ("translation:de-en", "unknown objective type 'translation'"),
    ("similarity:deu-en", "'deu' is not an ISO 639-1"),
    ("similarity:de-en:windw=3", "unknown option 'windw'"),
    ("skipgram:de-en:window=x", "window='x' is not a valid int"),
    ("similarity", "expected TYPE:LANGS"),
    ("similarity:de-en,similarity:de-en", "listed twice"),
    ("", "is empty"),
])
def test_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_objectives(spec)
