"""Plain-text corpus handling for the preprocess/ pipelines: tokenization, checked readers, word alignment.

Nothing in this folder imports fairseq or torch, so the modules run (and test) without the trainer:

    tokenize.py  XlingTokenizer / load_tokenizer: tokenize new text exactly as the training data was
    corpus.py    language codes, checked line-aligned readers, vocabulary counts; CLI used by europarl.sh
    align.py     word alignment (eflomal when installed, else a built-in IBM Model 1) + symmetrization
"""
