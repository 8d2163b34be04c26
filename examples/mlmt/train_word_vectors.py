"""50-d skip-gram word vectors from all the text of a language in ../shared/data, for ``--pretrained-word-vectors``.

    python examples/mlmt/train_word_vectors.py --out work/mlmt/vectors [--dim 50] [--langs nl es en]
(needs gensim: pip install -e '.[bench]')

The paper initialises its word embeddings with word2vec vectors trained on Wikipedia; ../shared/data has no
Wikipedia dump, so each language's vectors come from every text of that language there: the tokens (no tags) of
the tagging corpora's training splits and the raw text of LibreOffice help, Europarl samples, Multi30k and the
UDHR, tokenized with Moses. Never a dev or test split (no testa, no WikiANN or UD dev). Writes OUT/LANG.vec
(word2vec text) and prints sentences and tokens per source. Tokens go through ``fairseq_token`` exactly as
``preprocess/conll.sh`` writes them, so they match the dictionaries; pass the file to ``conll.sh --add-words``
as well, so that dev words with a vector get their own embedding instead of ``<unk>``.
"""
import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tqdm import tqdm  # noqa: E402

from fairseq_xling.text.conll import fairseq_token, read_conll  # noqa: E402
from fairseq_xling.text.tokenize import XlingTokenizer  # noqa: E402

DATA = os.environ.get("XLING_DATA", os.path.join(REPO, "..", "shared", "data"))
# language -> (file, format, encoding) of unlabelled text: a tagging format (tokens), or "text" (raw lines)
CORPORA = {
    "nl": [("conll2002/ned.train", "conll2002"), ("wikiann/nl/train", "wikiann"),
           ("udpos_xtreme/train-nl.tsv", "udpos"),
           ("libreoffice_help/train.nl", "text"), ("europarl_samples/short_100/europarl-v7.nl-en-short.nl", "text"),
           ("udhr2/nld.txt", "text")],
    "es": [("conll2002/esp.train", "conll2002"), ("panx_es/train-es.tsv", "wikiann"),
           ("libreoffice_help/train.es", "text"), ("europarl_samples/en-es/train.es", "text"),
           ("udhr2/spa.txt", "text")],
    "en": [("wikiann/en/train", "wikiann"), ("udpos_xtreme/train-en.tsv", "udpos"),
           ("libreoffice_help/train.en", "text"), ("multi30k/train.en", "text"),
           ("europarl_samples/fr-en/europarl-v7.fr-en.en", "text"), ("europarl_samples/en-es/train.en", "text"),
           ("comtrans_de_en/comtrans.e", "text", "latin-1"), ("udhr2/eng.txt", "text")],
}


def source_sentences(lang, path, fmt, encoding="utf-8"):
    """The token lists of one source (raw text: one line = one sentence, tokenized as Moses does)."""
    if fmt != "text":
        for s in read_conll(path, fmt, lang=lang):
            yield [fairseq_token(t) for t in s.tokens]
        return
    tokenizer = XlingTokenizer(lang, "moses")
    with open(path, encoding=encoding) as f:
        for line in f:
            tokens = tokenizer.tokens(line.strip())
            if tokens:
                yield [fairseq_token(t) for t in tokens]


def sentences(lang):
    """All sentences of the language, with a count per source on stderr."""
    text = []
    for path, fmt, *encoding in tqdm(CORPORA[lang], desc=f"read {lang}", unit="file"):
        start = len(text)
        text.extend(source_sentences(lang, os.path.join(DATA, path), fmt, *encoding))
        tokens = sum(map(len, text[start:]))
        print(f"  {lang} {path}: {len(text) - start:,} sentences, {tokens:,} tokens", file=sys.stderr)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--dim", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--langs", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    args = parser.parse_args()
    from gensim.models import Word2Vec

    os.makedirs(args.out, exist_ok=True)
    for lang in args.langs:
        text = sentences(lang)
        model = Word2Vec(text, vector_size=args.dim, window=5, min_count=1, sg=1, negative=5,
                         epochs=args.epochs, workers=args.threads, seed=1)
        path = os.path.join(args.out, f"{lang}.vec")
        model.wv.save_word2vec_format(path + ".tmp")
        os.replace(path + ".tmp", path)
        print(f"{lang}: {len(text):,} sentences, {sum(map(len, text)):,} tokens, {len(model.wv):,} vectors -> {path}")


if __name__ == "__main__":
    main()
