"""The contract every criterion of xling_multitask keeps, checked through the dispatcher on a tiny model."""
import pytest
import torch

from tests.utils import build_in_process, first_batches, make_data_bin, synthetic_corpus


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    data = make_data_bin(str(tmp_path_factory.mktemp("data")), synthetic_corpus(24),
                         mono={"en": [p[1] for p in synthetic_corpus(6, seed=9)]})
    return build_in_process(data)


class CriterionContract:
    objective = None
    trained = ()  # parameters this objective must reach

    def batch(self, setup):
        _, task, _, _ = setup
        return next(b for b in first_batches(task) if b["objective"] == self.objective)

    def test_finite_loss_and_positive_sample_size(self, setup):
        _, _, model, criterion = setup
        loss, sample_size, log = criterion(model, self.batch(setup))
        assert torch.isfinite(loss) and sample_size > 0 and log["sample_size"] == sample_size

    def test_gradients_reach_the_parameters(self, setup):
        _, _, model, criterion = setup
        if "skipgram" in model.heads:  # context vectors are zero at init (word2vec), which zeroes the word gradient
            torch.nn.init.normal_(model.heads["skipgram"].embed_contexts.weight)
        model.zero_grad()
        criterion(model, self.batch(setup))[0].backward()
        for name in self.trained:
            grad = dict(model.named_parameters())[name].grad
            assert grad is not None and grad.abs().sum() > 0, name

    def test_logging_outputs_have_the_same_keys_for_every_objective(self, setup):
        _, task, model, criterion = setup
        keys = {frozenset(criterion(model, b)[2]) for b in first_batches(task)}
        assert len(keys) == 1 and criterion.logging_outputs_can_be_summed()


class TestHingeSimilarity(CriterionContract):
    objective = "similarity_de-en"
    trained = ("encoder.embed_tokens.weight", "encoder.lstm.layers.0.weight_ih_l0")


class TestSkipGramNCE(CriterionContract):
    objective = "skipgram_de-en"
    trained = ("encoder.embed_tokens.weight", "heads.skipgram.embed_contexts.weight")

    def test_batches_balance_mono_and_cross_pairs(self, setup):
        batch = self.batch(setup)
        assert batch["n_mono"] == batch["n_cross"] > 0
        assert batch["net_input"]["centers"].numel() == batch["n_mono"] + batch["n_cross"]


class StubModel:
    """Only outputs: a criterion that reached for a model attribute would fail on it."""

    training = True

    def __init__(self, out):
        self.out = out

    def __call__(self, **net_input):
        return dict(self.out)


def test_criteria_work_from_outputs_only():
    from fairseq_xling.criterions.crf_nll import CRFCriterion
    from fairseq_xling.criterions.hinge_similarity import HingeSimilarityCriterion
    from fairseq_xling.criterions.skipgram_nce import SkipGramNCECriterion, skipgram_negative_sampling_loss

    nll = torch.tensor([1.5, 2.5])
    loss, size, _ = CRFCriterion(None)(StubModel({"nll": nll}), {"net_input": {}, "ntokens": 7})
    assert loss.item() == 4.0 and size == 2
    emb = {"center_emb": torch.randn(4, 3), "context_emb": torch.randn(4, 3), "noise_emb": torch.randn(2, 3)}
    sample = {"net_input": {}, "ntokens": 5, "nsentences": 2, "n_mono": 2, "n_cross": 2}
    loss, size, _ = SkipGramNCECriterion(None)(StubModel(emb), sample)
    assert torch.allclose(loss, skipgram_negative_sampling_loss(*emb.values())) and size == 4
    same = torch.randn(3, 4)  # identical sides: every negative is farther than the pair
    sample = {"net_input": {}, "tgt_input": {}, "ntokens": 6}
    _, size, log = HingeSimilarityCriterion(None, margin=0.0, negatives=2)(StubModel({"sentence_emb": same}), sample)
    assert size == 3 and log["correct"] == log["compared"] == 12
