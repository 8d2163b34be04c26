import pytest
import torch

from tests.utils import USER_DIR, make_tagging_data_bin, tagging_corpus


def build(data, *extra):
    from fairseq import options, tasks
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf

    args = options.parse_args_and_arch(options.get_training_parser(), [
        data, "--user-dir", USER_DIR, "--task", "xling_multitask", "--objectives", f"tagging:nl:task=ner:data={data}",
        "--criterion", "xling_multitask", "--arch", "xling_char_cnn_tagger_tiny", *extra])
    cfg = convert_namespace_to_omegaconf(args)
    task = tasks.setup_task(cfg.task)
    return task, task.build_model(cfg.model)


def test_word_embeddings_from_word2vec_text(tmp_path):
    data = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(6, lang="nl"))
    word = open(f"{data}/dict.word.txt").readline().split()[0]
    vectors = tmp_path / "nl.vec"
    vectors.write_text(f"2 16\n{word} " + " ".join(["0.5"] * 16) + "\nunseen " + " ".join(["1"] * 16) + "\n")
    task, model = build(data, "--pretrained-word-vectors", f"nl:{vectors}")
    row = task.vocabs["word"].dicts["nl"].index(word)
    assert torch.allclose(model.encoder.embed_tokens.weight[row], torch.full((16,), 0.5))
    with pytest.raises(ValueError, match="8-dim word embeddings"):
        build(data, "--pretrained-word-vectors", f"nl:{vectors}", "--word-dim", "8")


def test_constraints_and_heads_follow_the_objectives(tmp_path):
    data = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(6, lang="nl"))
    _, model = build(data)
    head = model.heads["tag_ner"]
    tags = head.tags
    assert head.scheme == "BIOES" and list(head.lang_layers) == ["nl"] and list(model.heads) == ["tag_ner"]
    assert not head.crf.allowed[tags.index("O"), tags.index("I-PER")]  # O -> I-X is not BIOES
    _, plain = build(data, "--no-lang-specific-layer", "--tag-head", "softmax", "--char-filters", "0")
    head = plain.heads["tag_ner"]
    assert len(head.lang_layers) == 0 and head.crf is None and plain.encoder.char_cnn is None


def test_separate_lstm_gives_each_objective_its_own(tmp_path):
    nl = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(6, lang="nl"))
    es = make_tagging_data_bin(str(tmp_path / "es"), tagging_corpus(6, seed=2, lang="es"))
    objectives = f"tagging:nl:task=ner:data={nl},tagging:es:task=ner:data={es}"
    task, model = build(nl, "--objectives", objectives, "--separate-lstm")
    lstms = model.encoder.separate_lstms
    assert model.encoder.lstm is None and sorted(lstms) == ["tag_ner_es", "tag_ner_nl"]
    task.load_dataset("train")
    dataset = task.dataset("train")
    batch = dataset.collater([dataset[i] for i in range(dataset.offsets[0], dataset.offsets[1])])
    lang = batch["net_input"]["src_lang"]
    model.eval()
    before = model(**batch["net_input"])["emissions"]
    other = "es" if lang == "nl" else "nl"
    with torch.no_grad():  # the other objective's LSTM does not take part
        for p in lstms[f"tag_ner_{other}"].parameters():
            p.add_(1.0)
    assert torch.equal(model(**batch["net_input"])["emissions"], before)
    with torch.no_grad():
        for p in lstms[f"tag_ner_{lang}"].parameters():
            p.add_(1.0)
    assert not torch.allclose(model(**batch["net_input"])["emissions"], before)
    with pytest.raises(KeyError, match="no BiLSTM was trained for head 'tag_ner' in language 'de'"):
        model(**dict(batch["net_input"], src_lang="de"))
    shared = build(nl, "--objectives", objectives)[1]
    assert sum(p.numel() for p in model.parameters()) > sum(p.numel() for p in shared.parameters())


def test_input_dropout_drops_the_lstm_input_in_training_only(tmp_path):
    data = make_tagging_data_bin(str(tmp_path / "nl"), tagging_corpus(6, lang="nl"))
    task, model = build(data, "--input-dropout", "0.5", "--dropout", "0")
    task.load_dataset("train")
    dataset = task.dataset("train")
    batch = dataset.collater([dataset[i] for i in range(len(dataset))])["net_input"]
    seen = []
    model.encoder.lstm.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
    model.eval()
    model(**batch)
    model.train()
    model(**batch)
    kept = seen[1] != 0
    assert model.encoder.input_dropout.p == 0.5 and 0.3 < kept.float().mean() < 0.7  # about half dropped
    assert torch.allclose(seen[1][kept], 2 * seen[0][kept])  # the rest scaled by 1 / (1 - p)
