"""Eigen-similarity (Sogaard et al. 2018, as Chidambaram et al. 2019 use it): hand computations, invariances, and
``xling-eval eigen``."""
import json

import numpy as np
import pytest

from fairseq_xling.evaluation import cli
from fairseq_xling.evaluation.eigen import distance_laplacians, eigen_similarity
from tests import utils


def test_laplacian_of_the_distance_weighted_graph():
    points = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])  # distances 3, 4, 5
    np.testing.assert_allclose(distance_laplacians(points), [[7, -3, -4], [-3, 8, -5], [-4, -5, 9]])


def test_a_triangle_against_an_equilateral_one_by_hand():
    # 3-4-5 triangle: Laplacian eigenvalues 0 and the roots of l^2 - 2(a+b+c) l + 3(ab+bc+ca) (trace, and the
    # matrix-tree theorem): l^2 - 24 l + 141, so 12 -+ sqrt(3). Equilateral, side 1: 0, 3, 3.
    src = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    tgt = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 3 ** 0.5 / 2]])
    # every sample of k=3 of the 3 pairs is the whole set: Psi = (12 - sqrt3 - 3)^2 + (12 + sqrt3 - 3)^2 = 168
    got = eigen_similarity(src, tgt, samples=5, k=3, normalize=False)
    assert got["psi"] == pytest.approx(168.0) and got["psi_std"] == pytest.approx(0.0, abs=1e-9)
    assert (got["samples"], got["k"], got["n"]) == (5, 3, 3)


def test_pairs_of_a_regular_simplex_against_twice_its_size():
    # k=2: one edge per sample, eigenvalues {0, 2d}; all distances are sqrt(2) on one side and 2 sqrt(2) on the
    # other, so every sample gives (2 sqrt2 - 4 sqrt2)^2 = 8, whichever pairs are drawn
    src = np.eye(6)
    got = eigen_similarity(src, 2 * src, samples=50, k=2, normalize=False)
    assert got["psi"] == pytest.approx(8.0) and got["psi_std"] == pytest.approx(0.0, abs=1e-9)
    # normalised, the two sides are the same points
    assert eigen_similarity(src, 2 * src, samples=50, k=2)["psi"] == pytest.approx(0.0, abs=1e-12)


def test_identical_and_rotated_embeddings_give_zero():
    rng = np.random.default_rng(0)
    src = rng.normal(size=(40, 8))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))  # orthogonal: distances preserved
    assert eigen_similarity(src, src, samples=200, k=10)["psi"] == 0.0
    for normalize in (True, False):
        got = eigen_similarity(src, src @ rotation, samples=200, k=10, normalize=normalize)
        assert got["psi"] == pytest.approx(0.0, abs=1e-16)
    # a different space is not isomorphic; and the sides may differ in dimension
    other = eigen_similarity(src, rng.normal(size=(40, 5)), samples=200, k=10, seed=1)
    assert other["psi"] > 0.1 and other["psi_std"] > 0
    assert eigen_similarity(src, rng.normal(size=(40, 5)), samples=200, k=10, seed=1) != \
        eigen_similarity(src, rng.normal(size=(40, 5)), samples=200, k=10, seed=2)


def test_the_same_seed_draws_the_same_samples():
    rng = np.random.default_rng(1)
    src, tgt = rng.normal(size=(30, 4)), rng.normal(size=(30, 4))
    assert eigen_similarity(src, tgt, samples=100, seed=3) == eigen_similarity(src, tgt, samples=100, seed=3)
    assert eigen_similarity(src, tgt, samples=100, seed=3) != eigen_similarity(src, tgt, samples=100, seed=4)


@pytest.mark.parametrize("args,message", [
    (dict(src_emb=np.ones((5, 2)), tgt_emb=np.ones((4, 2))), "one row per translation pair"),
    (dict(src_emb=np.ones((5, 2)), tgt_emb=np.ones((5, 2)), k=6), "2 <= k <= the number of pairs"),
    (dict(src_emb=np.ones((5, 2)), tgt_emb=np.ones((5, 2)), k=1), "2 <= k"),
    (dict(src_emb=np.ones((5, 2)), tgt_emb=np.ones((5, 2)), k=2, samples=0), "samples=0"),
    (dict(src_emb=np.full((5, 2), np.nan), tgt_emb=np.ones((5, 2)), k=2), "NaN"),
])
def test_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        eigen_similarity(**args)


# --- xling-eval eigen ---------------------------------------------------------------------------------

class CharCounts:
    """A toy teacher (``tests.evaluation.test_eigen:CharCounts``): letter counts a..z, language-agnostic."""

    dim = 26

    def __init__(self, **_):
        pass

    def encode(self, texts):
        return np.array([[t.lower().count(chr(97 + i)) for i in range(26)] for t in texts], dtype=np.float32)


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_xling_eval_eigen_on_embeddings_and_through_a_teacher(tmp_path, capsys):
    rng = np.random.default_rng(0)
    src = rng.normal(size=(30, 6)).astype(np.float32)
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    np.save(tmp_path / "de.npy", src)
    np.save(tmp_path / "en.npy", (src @ rotation).astype(np.float32))
    code, out, err = utils.run_main(cli.main, capsys, "eigen", "--src-emb", tmp_path / "de.npy", "--tgt-emb",
                                    tmp_path / "en.npy", "--src-lang", "de", "--tgt-lang", "en", "--samples", 100,
                                    "--output", tmp_path / "eigen.tsv")
    assert code == 0, err
    row = json.loads(out)
    assert row["task"] == "eigen" and row["pair"] == "de-en" and row["psi"] == pytest.approx(0.0, abs=1e-9)
    assert (row["samples"], row["k"], row["n"], row["seed"], row["normalized"]) == (100, 10, 30, 0, True)
    assert (tmp_path / "eigen.tsv").read_text().splitlines()[0].split("\t")[:3] == ["task", "pair", "psi"]

    words = ["abc", "hello", "zebra", "quiet", "mmm", "xylophone", "kite", "jump", "vow", "deed", "ogre", "pulp"]
    de = write_lines(tmp_path / "a.de", words)
    en = write_lines(tmp_path / "a.en", [w.upper() for w in words])  # the same letters: the same vectors
    code, out, err = utils.run_main(cli.main, capsys, "eigen", "--src-file", de, "--tgt-file", en, "--src-lang",
                                    "de", "--tgt-lang", "en", "--teacher", "tests.evaluation.test_eigen:CharCounts",
                                    "--samples", 20, "--k", 4)
    assert code == 0, err
    assert json.loads(out)["psi"] == 0.0 and json.loads(out)["k"] == 4


def test_xling_eval_eigen_errors(tmp_path, capsys):
    de = write_lines(tmp_path / "a.de", ["eins", "zwei", "drei"])
    en = write_lines(tmp_path / "a.en", ["one", "two"])
    teacher = ["--teacher", "tests.evaluation.test_eigen:CharCounts"]
    common = ["eigen", "--src-lang", "de", "--tgt-lang", "en"]
    code, _, err = utils.run_main(cli.main, capsys, *common, "--src-file", de, "--tgt-file", en, *teacher)
    assert code == 2 and "parallel files differ in length" in err and "Traceback" not in err
    en = write_lines(tmp_path / "a.en", ["one", "two", "three"])
    code, _, err = utils.run_main(cli.main, capsys, *common, "--src-file", de, "--tgt-file", en, *teacher)
    assert code == 2 and "--k 10: a sample of 10 translation pairs needs at least 10 pairs, got 3" in err
    write_lines(tmp_path / "a.en", ["one", "", "three"])
    code, _, err = utils.run_main(cli.main, capsys, *common, "--src-file", de, "--tgt-file", en, *teacher, "--k", 2)
    assert code == 2 and "a.en:2: empty line" in err
    code, _, err = utils.run_main(cli.main, capsys, *common, "--src-file", de, "--tgt-file", en, "--samples", 0)
    assert code == 2 and "expected a positive integer, got '0'" in err
    code, _, err = utils.run_main(cli.main, capsys, *common, "--src-file", de, "--tgt-file", en)
    assert code == 2 and "give --checkpoint (or --teacher), or both --src-emb and --tgt-emb" in err
