"""50-d skip-gram word vectors from the tokens of tagging corpora, for ``--pretrained-word-vectors``.

    python examples/mlmt/train_word_vectors.py --out work/mlmt/vectors [--dim 50]
(needs gensim: pip install -e '.[bench]')

The paper initialises its word embeddings with word2vec vectors trained on Wikipedia; ../shared/data has no
Wikipedia dump, so each language's vectors come from the text (tokens only, no tags) of its training corpora
in ../shared/data: never from the testa files that are scored. Writes OUT/{nl,en,es}.vec (word2vec text).
Tokens go through ``fairseq_token`` exactly as ``preprocess/conll.sh`` writes them, so they match the
dictionaries.
"""
import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from fairseq_xling.text.conll import fairseq_token, read_conll  # noqa: E402

DATA = os.environ.get("XLING_DATA", os.path.join(REPO, "..", "shared", "data"))
CORPORA = {  # language -> (file, format) of unlabelled text
    "nl": [("conll2002/ned.train", "conll2002"), ("wikiann/nl/train", "wikiann"), ("wikiann/nl/dev", "wikiann"),
           ("udpos_xtreme/train-nl.tsv", "udpos")],
    "en": [("wikiann/en/train", "wikiann"), ("wikiann/en/dev", "wikiann"), ("udpos_xtreme/train-en.tsv", "udpos")],
    "es": [("conll2002/esp.train", "conll2002"), ("panx_es/train-es.tsv", "wikiann"),
           ("panx_es/dev-es.tsv", "wikiann")],
}


def sentences(lang):
    for path, fmt in CORPORA[lang]:
        for s in read_conll(os.path.join(DATA, path), fmt, lang=lang):
            yield [fairseq_token(t) for t in s.tokens]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--dim", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    from gensim.models import Word2Vec

    os.makedirs(args.out, exist_ok=True)
    for lang in CORPORA:
        text = list(sentences(lang))
        model = Word2Vec(text, vector_size=args.dim, window=5, min_count=1, sg=1, negative=5,
                         epochs=args.epochs, workers=args.threads, seed=1)
        path = os.path.join(args.out, f"{lang}.vec")
        model.wv.save_word2vec_format(path + ".tmp")
        os.replace(path + ".tmp", path)
        print(f"{lang}: {len(text):,} sentences, {sum(map(len, text)):,} tokens, {len(model.wv):,} vectors -> {path}")


if __name__ == "__main__":
    main()
