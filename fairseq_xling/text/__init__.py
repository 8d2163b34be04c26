"""Plain-text corpus handling for the preprocess/ pipelines: tokenization, checked readers, word alignment.

Nothing in this folder imports fairseq or torch at module level, so the modules run (and test) without the trainer
(binarize.py imports fairseq inside its function, to write fairseq's binary files):

    lines.py           CorpusError (FILE:LINE messages), the checked line reader, the line writer
    languages.py       ISO 639-1 codes and their check
    dictionary.py      fairseq dict.txt files: count, write, read, merge
    metadata.py        preprocess.json, the record every pipeline leaves in its data-bin: read/write/update
    tag_schemes.py     chunk tag schemes (IOB1, IOB2 = BIO, BIOES): names, tag parsing, transition rules
    tag_conversion.py  conversions between those schemes, with repair
    tokenize.py        XlingTokenizer: tokenize new text exactly as the training data was (from_metadata)
    pipeline.py        the Preparer base class and CLI frame of the pipelines' ``prepare`` steps
    corpus.py          line-aligned parallel corpora: readers, ``prepare`` and CLI used by europarl.sh
    subword.py         sub-word models: learn SentencePiece / subword-nmt BPE, apply them as fairseq's encoders do
    multilingual.py    many pairs -> temperature-sampled joint sub-words, one dictionary (multilingual.sh); or
                       words (--subword none); quick-thought, response and NLI streams beside the pairs
    streams.py         readers of documents, input<TAB>response and NLI files; quick-thought triplets
    binarize.py        the streams of a prepared multilingual data-bin -> fairseq mmap datasets, in one process
    sentences.py       a rule-based sentence splitter (en, de, es, fr, nl; abbreviations, initials, numbers)
    documents.py       WikiText, LibreOffice help pages, WikiExtractor output -> documents of sentences (CLI)
    sick.py            SICK -> premise<TAB>hypothesis<TAB>label, TRAIN / TRIAL (CLI)
    conll/             tagging corpora: readers, stream layout, dictionaries, ``prepare`` and CLI (conll.sh)
    align.py           word alignment (eflomal when installed, else a built-in IBM Model 1) + symmetrization
    word_vectors.py    word2vec text format
"""
