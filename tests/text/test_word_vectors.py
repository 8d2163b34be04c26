import numpy as np
import pytest

from fairseq_xling.text.word_vectors import read_word2vec_text, write_word2vec_text


def test_round_trip(tmp_path):
    vectors = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    write_word2vec_text(str(tmp_path / "v.vec"), ["huis", "Stad"], vectors)
    words, read = read_word2vec_text(str(tmp_path / "v.vec"))
    assert words == ["huis", "Stad"] and np.allclose(read, vectors)


@pytest.mark.parametrize("text,message", [
    ("2\nhuis 1 2\n", ":1: expected a word2vec header"),
    ("1 2\nhuis 1\n", ":2: expected a word and 2 numbers, got 1"),
    ("1 2\nhuis 1 x\n", ":2: a value of 'huis' is not a number"),
    ("2 2\nhuis 1 2\n", "announces 2 vectors, the file has 1"),
])
def test_bad_files_name_the_line(tmp_path, text, message):
    (tmp_path / "bad.vec").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_word2vec_text(str(tmp_path / "bad.vec"))
