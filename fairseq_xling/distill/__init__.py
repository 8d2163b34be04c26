"""Teacher sentence vectors for multilingual distillation (Reimers & Gurevych 2020, "Making Monolingual Sentence
Embeddings Multilingual using Knowledge Distillation"): ``teachers.py`` turns texts into vectors, ``store.py``
keeps them next to a data-bin, row i for sentence i, and ``cli.py`` (``xling-teacher``) fills the store.
"""
