"""Tiny corpora for the text/ and preprocess/ tests, generated under tmp_path."""
import os
import random
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EUROPARL_SH = os.path.join(REPO, "preprocess", "europarl.sh")
MULTILINGUAL_SH = os.path.join(REPO, "preprocess", "multilingual.sh")

# a one-to-one German-English word mapping: aligned sentences are word-by-word translations
DE_EN = {
    "haus": "house", "katze": "cat", "hund": "dog", "groß": "big", "klein": "small", "rot": "red",
    "grün": "green", "baum": "tree", "straße": "street", "über": "over", "müde": "tired", "schön": "nice",
}


def synthetic_pairs(n, seed=0, min_len=2, max_len=6):
    """``n`` (german_words, english_words) pairs; word k of one side translates word k of the other."""
    rng = random.Random(seed)
    words = sorted(DE_EN)
    pairs = []
    for _ in range(n):
        de = rng.sample(words, rng.randint(min_len, max_len))
        pairs.append((de, [DE_EN[w] for w in de]))
    return pairs


def write_lines(path, lines, encoding="utf-8", newline="\n"):
    with open(path, "wb") as f:
        for line in lines:
            f.write((line + newline).encode(encoding))
    return str(path)


def make_europarl(directory, n=40, empty_at=(5,), pair="de-en", seed=0):
    """Europarl v7 release files ``europarl-v7.de-en.{de,en}`` with raw (untokenized) sentences.

    Sentences get a capital letter and a final full stop so that Moses has something to split;
    the German side of each line number in ``empty_at`` (1-based) is empty.
    """
    os.makedirs(directory, exist_ok=True)
    de_lines, en_lines = [], []
    for k, (de, en) in enumerate(synthetic_pairs(n, seed), start=1):
        de_lines.append("" if k in empty_at else " ".join(de).capitalize() + ".")
        en_lines.append(" ".join(en).capitalize() + ".")
    src = write_lines(os.path.join(directory, f"europarl-v7.{pair}.de"), de_lines)
    tgt = write_lines(os.path.join(directory, f"europarl-v7.{pair}.en"), en_lines)
    return src, tgt


def make_comtrans(directory, n_train=30, n_dev=10, seed=0):
    """ComTrans layout: comtrans{,-dev}.{g,e,a}; .g UTF-8, .e ISO-8859-1, CRLF, tokenized.

    The English side gets an accented word so that decoding it as UTF-8 would fail. Alignments are
    diagonal except that the English side has an extra final word ``café`` aligned to nothing.
    """
    os.makedirs(directory, exist_ok=True)
    for prefix, n, s in (("comtrans", n_train, seed), ("comtrans-dev", n_dev, seed + 1)):
        pairs = synthetic_pairs(n, s)
        write_lines(os.path.join(directory, prefix + ".g"), [" ".join(de) for de, _ in pairs], "utf-8", "\r\n")
        write_lines(os.path.join(directory, prefix + ".e"), [" ".join(en) + " café" for _, en in pairs],
                    "latin-1", "\r\n")
        write_lines(os.path.join(directory, prefix + ".a"),
                    [" ".join(f"{i}-{i}" for i in range(len(de))) for de, _ in pairs], "ascii", "\r\n")
    return str(directory)


def _script_env():
    env = dict(os.environ, PYTHON=sys.executable)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def run_script(script, *args):
    """Run a preprocess/ script with this interpreter; returns the CompletedProcess."""
    return subprocess.run(["bash", script, *map(str, args)], capture_output=True, text=True, env=_script_env())


def start_script(script, *args, log_dir):
    """Start a preprocess/ script in the background (stdout and stderr into files in ``log_dir``); ``finish_script``
    waits for it. Runs that are mostly interpreter start-up can so overlap."""
    os.makedirs(log_dir, exist_ok=True)
    out, err = (open(os.path.join(log_dir, name), "w+") for name in ("stdout", "stderr"))
    process = subprocess.Popen(["bash", script, *map(str, args)], stdout=out, stderr=err, text=True, env=_script_env())
    return process, out, err


def finish_script(started):
    """Wait for a ``start_script`` run; returns a CompletedProcess."""
    process, out, err = started
    process.wait()
    texts = []
    for f in (out, err):
        f.seek(0)
        texts.append(f.read())
        f.close()
    return subprocess.CompletedProcess(process.args, process.returncode, *texts)


def run_europarl(*args):
    """Run preprocess/europarl.sh with this interpreter; returns the CompletedProcess."""
    return run_script(EUROPARL_SH, *args)


def run_multilingual(*args):
    """Run preprocess/multilingual.sh with this interpreter; returns the CompletedProcess."""
    return run_script(MULTILINGUAL_SH, *args)
