"""Document classification: averaging, the averaged perceptron, the L1 -> L2 protocol, and the readers."""
import numpy as np
import pytest

from fairseq_xling.evaluation.doc_classification import (
    AveragedPerceptron,
    Document,
    cross_lingual_doc_classification,
    document_embeddings,
    embed_documents,
    label_ids,
    read_mldoc,
    read_rcv,
    split_sentences,
)


# --- document embeddings ------------------------------------------------------------------------------


def test_document_embeddings_are_sentence_means():
    sentence_emb = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0], [0.0, 4.0]])  # 4 x 2
    doc_ids = np.array([0, 0, 2, 1])
    docs = document_embeddings(sentence_emb, doc_ids)
    np.testing.assert_allclose(docs, [[2.0, 1.0], [0.0, 4.0], [5.0, 5.0]])
    assert docs.dtype == np.float32


def test_document_without_sentences_is_an_error():
    with pytest.raises(ValueError, match="at least one sentence"):
        document_embeddings(np.ones((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match="at least one sentence"):
        document_embeddings(np.ones((2, 3)), np.array([0, 1]), num_docs=3)


def test_embed_documents_flattens_and_averages():
    documents = [Document("CCAT", ["a", "bb"]), Document("ECAT", ["cccc"])]

    def encode(sentences):  # length as a 1-d embedding
        return np.array([[len(s)] for s in sentences], dtype=np.float32)

    np.testing.assert_allclose(embed_documents(documents, encode), [[1.5], [4.0]])
    assert label_ids(documents).tolist() == [0, 1]


# --- averaged perceptron ------------------------------------------------------------------------------


def clusters(rng, centers, per_class, noise):
    X = np.concatenate([c + noise * rng.normal(size=(per_class, len(c))) for c in centers])
    y = np.repeat(np.arange(len(centers)), per_class)
    return X, y


def test_perceptron_separates_separable_data():
    rng = np.random.default_rng(0)
    centers = 3.0 * np.eye(3, 5)
    X, y = clusters(rng, centers, per_class=30, noise=0.3)
    model = AveragedPerceptron(num_classes=3, dim=5, epochs=5, seed=0).fit(X, y)
    assert model.score(X, y) == 1.0
    X_new, y_new = clusters(rng, centers, per_class=20, noise=0.3)
    assert model.score(X_new, y_new) == 1.0


def test_perceptron_uses_its_bias():
    # Two classes on a line, both on the positive side: without a bias a linear rule cannot split them.
    X = np.array([[1.0], [1.2], [1.4], [3.0], [3.2], [3.4]])
    y = np.array([0, 0, 0, 1, 1, 1])
    model = AveragedPerceptron(num_classes=2, dim=1, epochs=200, seed=0).fit(X, y)
    assert model.score(X, y) == 1.0
    assert not np.allclose(model.bias, 0.0)


def test_perceptron_is_deterministic_and_seeded():
    rng = np.random.default_rng(1)
    X, y = clusters(rng, rng.normal(size=(4, 6)), per_class=15, noise=1.0)
    a = AveragedPerceptron(4, 6, epochs=3, seed=5).fit(X, y)
    b = AveragedPerceptron(4, 6, epochs=3, seed=5).fit(X, y)
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_perceptron_chooses_epochs_on_dev():
    rng = np.random.default_rng(2)
    X, y = clusters(rng, rng.normal(size=(3, 4)), per_class=20, noise=1.0)
    X_dev, y_dev = clusters(rng, rng.normal(size=(3, 4)), per_class=10, noise=1.0)
    model = AveragedPerceptron(3, 4, epochs=6, seed=0).fit(X, y, X_dev, y_dev)
    assert len(model.dev_accuracies) == 6
    assert 1 <= model.best_epoch <= 6
    assert model.dev_accuracies[model.best_epoch - 1] == max(model.dev_accuracies)
    assert model.score(X_dev, y_dev) == max(model.dev_accuracies)  # the kept weights are that epoch's


def test_perceptron_rejects_bad_shapes_and_labels():
    model = AveragedPerceptron(num_classes=2, dim=3)
    with pytest.raises(ValueError, match="n x 3"):
        model.fit(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"labels in \[0, 2\)"):
        model.fit(np.zeros((4, 3)), np.array([0, 1, 2, 0]))


# --- the cross-lingual protocol on synthetic languages -------------------------------------------------


def synthetic_language(rng, centers, rotation, docs_per_class=25, sentences_per_doc=4, noise=1.2):
    """Documents whose sentence embeddings scatter around a class center, seen through a rotation."""
    sentence_emb, doc_ids, labels = [], [], []
    for label, center in enumerate(centers):
        for _ in range(docs_per_class):
            doc = len(labels)
            sentence_emb.append(center + noise * rng.normal(size=(sentences_per_doc, len(center))))
            doc_ids += [doc] * sentences_per_doc
            labels.append(label)
    sentence_emb = np.concatenate(sentence_emb) @ rotation  # S x d
    return document_embeddings(sentence_emb, np.array(doc_ids)), np.array(labels)


def random_rotation(rng, dim):
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def test_transfer_works_when_aligned_and_fails_when_not():
    rng = np.random.default_rng(0)
    dim = 8
    centers = 2.0 * rng.normal(size=(4, dim))
    l1_X, l1_y = synthetic_language(rng, centers, np.eye(dim))
    aligned_X, aligned_y = synthetic_language(rng, centers, np.eye(dim))  # an encoder that aligns L2 with L1
    rotation = random_rotation(rng, dim)
    unaligned_X, unaligned_y = synthetic_language(rng, centers, rotation)  # an L2-specific space

    aligned = cross_lingual_doc_classification(l1_X, l1_y, aligned_X, aligned_y, epochs=5)
    unaligned = cross_lingual_doc_classification(l1_X, l1_y, unaligned_X, unaligned_y, epochs=5)
    assert aligned["accuracy"] >= 0.9
    assert unaligned["accuracy"] <= 0.5  # chance is 0.25
    assert aligned["num_train"] == 100 and aligned["num_test"] == 100 and aligned["epochs"] == 5

    # Undoing the rotation (what a cross-lingual mapping would learn) restores the transfer.
    restored = cross_lingual_doc_classification(l1_X, l1_y, unaligned_X @ rotation.T, unaligned_y, epochs=5)
    assert restored["accuracy"] >= 0.9


def test_protocol_with_dev_split_reports_chosen_epoch():
    rng = np.random.default_rng(1)
    centers = 2.0 * rng.normal(size=(4, 8))
    train = synthetic_language(rng, centers, np.eye(8))
    dev = synthetic_language(rng, centers, np.eye(8), docs_per_class=5)
    test = synthetic_language(rng, centers, np.eye(8))
    result = cross_lingual_doc_classification(*train, *test, dev_X=dev[0], dev_y=dev[1], epochs=4)
    assert 1 <= result["epochs"] <= 4
    assert 0.0 <= result["dev_accuracy"] <= 1.0
    with pytest.raises(ValueError, match="both dev_X and dev_y"):
        cross_lingual_doc_classification(*train, *test, dev_X=dev[0])


# --- sentence splitting and readers -------------------------------------------------------------------


def test_split_sentences():
    assert split_sentences("Stocks fell. Bonds rose! Why? Nobody knows") == [
        "Stocks fell.",
        "Bonds rose!",
        "Why?",
        "Nobody knows",
    ]
    assert split_sentences('He said "no." Then he left.') == ['He said "no."', "Then he left."]
    assert split_sentences("3.5 percent rise. ok") == ["3.5 percent rise.", "ok"]  # no space after the dot
    assert split_sentences("first line\\nsecond line<br/>third<p>fourth") == [
        "first line",
        "second line",
        "third",
        "fourth",
    ]
    assert split_sentences("One. Two\\nThree", sentence_split=False) == ["One. Two", "Three"]
    assert split_sentences("  ") == []


def test_read_mldoc(tmp_path):
    path = tmp_path / "english.train.1000"
    path.write_text("CCAT\tProfits rose. Shares jumped.\nMCAT\tGold fell 2 percent.\n", encoding="utf-8")
    docs = read_mldoc(str(path))
    assert docs == [
        Document("CCAT", ["Profits rose.", "Shares jumped."]),
        Document("MCAT", ["Gold fell 2 percent."]),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ("CCAT\tfine.\nno tab here\n", r"test:2: expected 'LABEL<TAB>document text'"),
        ("CCAT\tfine.\nXCAT\tbad label.\n", r"test:2: unknown label 'XCAT', expected one of CCAT, ECAT, GCAT, MCAT"),
        ("GCAT\t   \n", r"test:1: expected document text"),
        ("", r"test:1: empty input"),
    ],
)
def test_read_mldoc_bad_input(tmp_path, content, message):
    path = tmp_path / "german.test"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        read_mldoc(str(path))
    assert str(path) in str(error.value)


def test_read_rcv_directory_layout(tmp_path):
    (tmp_path / "CCAT").mkdir()
    (tmp_path / "GCAT").mkdir()
    (tmp_path / "CCAT" / "2.txt").write_text("second doc .\n", encoding="utf-8")
    (tmp_path / "CCAT" / "1.txt").write_text("line one .\n\nline two\n", encoding="utf-8")
    (tmp_path / "GCAT" / "9.txt").write_text("politics . more politics .", encoding="utf-8")
    (tmp_path / "GCAT" / ".hidden").write_text("ignored", encoding="utf-8")
    docs = read_rcv(str(tmp_path))
    assert docs == [
        Document("CCAT", ["line one .", "line two"]),
        Document("CCAT", ["second doc ."]),
        Document("GCAT", ["politics .", "more politics ."]),
    ]


def test_read_rcv_tsv_layout(tmp_path):
    path = tmp_path / "rcv.de"
    path.write_text("ECAT\tZinsen steigen.\n", encoding="utf-8")
    assert read_rcv(str(path)) == [Document("ECAT", ["Zinsen steigen."])]


def test_read_rcv_bad_input(tmp_path):
    (tmp_path / "SPORTS").mkdir()
    (tmp_path / "SPORTS" / "1.txt").write_text("goal .", encoding="utf-8")
    with pytest.raises(ValueError, match=r"SPORTS: unknown label 'SPORTS'"):
        read_rcv(str(tmp_path))

    empty = tmp_path / "empty"
    (empty / "MCAT").mkdir(parents=True)
    (empty / "MCAT" / "1.txt").write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"1\.txt: expected a document, found an empty file"):
        read_rcv(str(empty))

    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="expected one sub-directory per label"):
        read_rcv(str(stray))
