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
        if model.embed_contexts is not None:  # zero at init (word2vec), which zeroes the word gradient
            torch.nn.init.normal_(model.embed_contexts.weight)
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
    trained = ("embed_tokens.weight", "lstm.lstm.weight_ih_l0")


class TestSkipGramNCE(CriterionContract):
    objective = "skipgram_de-en"
    trained = ("embed_tokens.weight", "embed_contexts.weight")

    def test_batches_balance_mono_and_cross_pairs(self, setup):
        batch = self.batch(setup)
        assert batch["n_mono"] == batch["n_cross"] > 0
        assert batch["centers"].numel() == batch["n_mono"] + batch["n_cross"]
