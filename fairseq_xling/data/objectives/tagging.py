"""``tagging``: sequence labelling (NER, POS, ...) in one language, from a data-bin of preprocess/conll.sh.

``tagging:nl:task=ner:data=data-bin/ned`` is the objective ``ner_nl``. Objectives with the same ``task``
share the model's tag head and CRF across languages (Lin et al. 2018), so their tag dictionaries must be
the same (conll.sh ``--tag-dict``).

A data-bin of ``conll.sh --subword-from NMT_DATA_BIN`` holds sub-words (``preprocess.json`` says so:
``subword_tagging``): the encoder reads them, and the head pools each word's sub-word states into one vector
before tagging it, ``pool=first`` (the word's first sub-word, MMTE; the default), ``mean`` or ``max`` (van der
Heijden et al. 2020). ``hidden=N`` puts a ReLU layer of N units between the (pooled) states and the tag scores
(MMTE's head: ``pool=first:hidden=784`` with ``--tag-head softmax``).

Word features from other layers (van der Heijden et al. 2020; ``modules/word_features.py``): ``features=top``
(LASER-top), ``elmo`` (a learned mix of the contextual layers), ``bow`` (mean sub-word embedding), ``gru`` (a GRU over
the word's sub-word embeddings); ``states`` (the default) is the top layer pooled by ``pool``. Bidirectional encoders'
states are folded to the max of their halves for ``top``/``elmo`` (``fold=false`` keeps both). ``tagger=transformer``
puts their Transformer tagger (``tagger_dim=300:tagger_layers=2:tagger_heads=2:tagger_dropout=0.15``) between the
features and the tag scores; ``feature_dropout=0.25`` is their dropout on the features. With ``--freeze-encoder`` and
``--restore-encoder`` the features come from a frozen pretrained encoder, computed on the fly at every step.
"""
import os
from dataclasses import dataclass
from typing import Optional

from fairseq_xling.data.objectives import ObjectiveConfig, exists, load_indexed, register_objective, same_option
from fairseq_xling.data.tagging_dataset import SubwordTaggingDataset, TaggingDataset
from fairseq_xling.errors import UserError
from fairseq_xling.modules.word_features import FEATURE_KINDS
from fairseq_xling.modules.word_pooling import POOLINGS
from fairseq_xling.text.metadata import read_metadata

TAG_HEAD_PREFIX = "tag_"


def tagging_head(task: str) -> str:
    """The model head of tagging task ``task``."""
    return TAG_HEAD_PREFIX + task


def is_subword_data(meta: dict) -> bool:
    """Whether a tagging data-bin's metadata (``preprocess.json``) is that of ``conll.sh --subword-from``."""
    return bool(meta.get("subword_tagging"))


@register_objective("tagging")
@dataclass
class TaggingObjective(ObjectiveConfig):
    task: str = "ner"  # the tagging task: objectives with the same task share a tag head and CRF
    pool: Optional[str] = None  # sub-word data: a word's vector from its sub-words, first | mean | max (default first)
    hidden: int = 0  # a ReLU layer of this many units before the tag scores (0: none)
    features: str = "states"  # word features: states | top | elmo | bow | gru (modules/word_features.py)
    fold: Optional[bool] = None  # top/elmo: max over a BiLSTM's halves (default: when the encoder is bidirectional)
    feature_dropout: float = 0.0  # dropout on the word features
    tagger: str = "linear"  # linear (tag scores from the features) | transformer (van der Heijden et al.)
    tagger_dim: int = 300
    tagger_layers: int = 2
    tagger_heads: int = 2
    tagger_dropout: float = 0.15

    default_criterion = "xling_crf"

    def check(self, where):
        super().check(where)
        if self.pool is not None and self.pool not in POOLINGS:
            raise UserError(f"{where}: option pool={self.pool}: expected one of {', '.join(POOLINGS)}")
        if self.features not in FEATURE_KINDS:
            raise UserError(f"{where}: option features={self.features}: expected one of {', '.join(FEATURE_KINDS)}")
        if self.tagger not in ("linear", "transformer"):
            raise UserError(f"{where}: option tagger={self.tagger}: expected linear or transformer")
        if self.pool is not None and self.features != "states":
            raise UserError(f"{where}: pool= pools the top layer's states (features=states); features="
                             f"{self.features} pools as the paper does (top/elmo/gru: max, bow: mean)")
        if not 0 <= self.feature_dropout < 1 or not 0 <= self.tagger_dropout < 1:
            raise UserError(f"{where}: feature_dropout={self.feature_dropout}, tagger_dropout={self.tagger_dropout}: "
                             f"expected probabilities in [0, 1)")

    def objective_name(self, type_, langs):
        return f"{self.task}_{langs}"

    def task_name(self, type_):
        return self.task

    def head_name(self, objective):
        return tagging_head(self.task)

    def build_head(self, objectives, task, encoder, model_cfg):
        from fairseq_xling.models.heads import TaggingHead, TransformerTagger

        vocab = task.vocabs[f"tag_{self.task}"]
        if not vocab.joined:
            raise UserError(f"tagging task {self.task!r}: the languages' tag dictionaries differ; binarise them "
                             f"with one (preprocess/conll.sh --tag-dict)")
        schemes = {task.data_meta[o.name].get("scheme", "none") for o in objectives}
        if len(schemes) > 1:
            raise UserError(f"tagging task {self.task!r}: its objectives' data use different tag schemes "
                             f"({', '.join(sorted(schemes))}); binarise them with the same conll.sh --scheme")
        if model_cfg.tag_head not in ("crf", "softmax"):
            raise UserError(f"--tag-head {model_cfg.tag_head!r}: expected crf or softmax")
        subword = {o.name: is_subword_data(task.data_meta[o.name]) for o in objectives}
        if len(set(subword.values())) > 1:
            reading = {kind: ", ".join(n for n, s in subword.items() if s == is_sub) for kind, is_sub in
                       (("sub-words", True), ("words", False))}
            raise UserError(f"tagging task {self.task!r}: {reading['sub-words']} read sub-words (conll.sh "
                             f"--subword-from), {reading['words']} words; binarise them alike")
        subwords = any(subword.values())
        if not subwords and any(o.cfg.pool is not None for o in objectives):
            raise UserError(f"tagging task {self.task!r}: pool= pools sub-words, but its data has words (make "
                             f"sub-word data with preprocess/conll.sh --subword-from)")
        pools = {o.cfg.pool or "first" for o in objectives}
        if len(pools) > 1:
            raise UserError(f"objectives {', '.join(subword)} share a head but ask for pool="
                            f"{' and '.join(sorted(pools))}")
        kind = same_option(objectives, "features")
        features = None
        if subwords or kind != "states":
            features = self.word_features(kind, pools.pop(), same_option(objectives, "fold"), encoder)
        tagger = None
        if same_option(objectives, "tagger") == "transformer":
            tagger = TransformerTagger(features.output_dim if features is not None else encoder.output_dim,
                                       same_option(objectives, "tagger_dim"), same_option(objectives, "tagger_layers"),
                                       same_option(objectives, "tagger_heads"), same_option(objectives, "tagger_dim"),
                                       same_option(objectives, "tagger_dropout"))
        d = next(iter(vocab.dicts.values()))
        langs = () if model_cfg.no_lang_specific_layer else [o.langs[0] for o in objectives]
        return TaggingHead(features.output_dim if features is not None else encoder.output_dim,
                           d.symbols[d.nspecial:], schemes.pop(), langs, crf=model_cfg.tag_head == "crf",
                           hidden=same_option(objectives, "hidden"), features=features, subwords=subwords,
                           tagger=tagger, feature_dropout=same_option(objectives, "feature_dropout"))

    def word_features(self, kind, pool, fold, encoder):
        """The head's :class:`WordFeatures` over ``encoder``'s layers (a UserError when it cannot give them)."""
        from fairseq_xling.modules.word_features import WordFeatures

        if not encoder.layer_dims:
            raise UserError(f"tagging task {self.task!r}: features={kind} reads the encoder's layers; "
                             f"{type(encoder).__name__} does not list their sizes (layer_dims)")
        fold = encoder.bidirectional if fold is None else fold
        if fold and not encoder.bidirectional and kind in ("top", "elmo"):
            raise UserError(f"tagging task {self.task!r}: fold=true folds a BiLSTM's halves; "
                             f"{type(encoder).__name__} is not bidirectional")
        try:
            return WordFeatures(kind, encoder.layer_dims, fold=fold, pool=pool)
        except ValueError as e:
            raise UserError(f"tagging task {self.task!r}: {e}") from None

    def dictionary_files(self, data_dir, langs):
        if len(langs) != 1:
            raise UserError(f"tagging objective takes one language, got {'-'.join(langs)}")
        tags = {(f"tag_{self.task}", langs[0]): os.path.join(data_dir, "dict.tag.txt")}
        if is_subword_data(read_metadata(data_dir)):  # the encoder's vocabulary: the sub-word data-bin's
            return {("word", langs[0]): os.path.join(data_dir, "dict.subword.txt"), **tags}
        return {("word", langs[0]): os.path.join(data_dir, "dict.word.txt"),
                ("char", langs[0]): os.path.join(data_dir, "dict.char.txt"), **tags}

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        lang = langs[0]
        subword = is_subword_data(read_metadata(data_dir))
        first = "subword" if subword else "word"
        if not exists(data_dir, f"{split}.{first}"):
            if split == "train":
                raise FileNotFoundError(f"expected {os.path.join(data_dir, split)}.{first}.bin (preprocess/conll.sh)")
            return None
        tag_dict = vocabs[f"tag_{self.task}"].dicts[lang]
        if subword:
            streams = [load_indexed(data_dir, f"{split}.subword", vocabs["word"].dicts[lang]),
                       load_indexed(data_dir, f"{split}.pieces"), load_indexed(data_dir, f"{split}.tag", tag_dict)]
            return SubwordTaggingDataset(*streams, lang, tagging_head(self.task), vocabs["word"].dicts[lang], tag_dict,
                                         where=os.path.join(data_dir, split))
        dicts = [vocabs["word"].dicts[lang], vocabs["char"].dicts[lang], tag_dict]
        streams = [load_indexed(data_dir, f"{split}.{name}", d) for name, d in zip(("word", "char", "tag"), dicts)]
        return TaggingDataset(*streams, lang, tagging_head(self.task), *dicts)
