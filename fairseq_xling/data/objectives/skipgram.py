"""``skipgram``: multilingual skip-gram pairs from aligned parallel text and monolingual text."""
from dataclasses import dataclass
from typing import Optional

from fairseq_xling.data.objectives import ObjectiveConfig, exists, load_indexed, load_pair, register_objective
from fairseq_xling.data.skipgram_dataset import SkipGramDataset
from fairseq_xling.errors import UserError


@register_objective("skipgram")
@dataclass
class SkipGramObjective(ObjectiveConfig):
    window: int = 5  # context words on each side
    mono: bool = True  # use mono.{lang} files of the data directory when present (False: the *no-mono ablation)
    max_pairs: Optional[int] = None  # cap on (word, context) pairs per batch
    negatives: int = 512  # noise words per batch (shared by its pairs)
    noise_power: float = 0.75  # noise distribution = unigram ** power

    default_criterion = "xling_skipgram_nce"

    def head_name(self, objective):
        return "skipgram"  # one context table for every skip-gram objective, as the word table

    def build_head(self, objectives, task, encoder, model_cfg):
        from fairseq_xling.models.heads import SkipGramHead

        return SkipGramHead(encoder.vocabs["word"].size, encoder.word_dim)

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        vocab = vocabs["word"]
        parallel = None
        if len(langs) == 2:
            parallel = load_pair(split, data_dir, langs[0], langs[1], vocab, with_alignments=True)
        elif len(langs) != 1:
            raise UserError(f"skipgram objective takes one language or a pair, got {'-'.join(langs)}")
        mono = {}
        if self.mono and split == "train":
            mono = {lang: load_indexed(data_dir, f"mono.{lang}", vocab.dicts[lang])
                    for lang in langs if exists(data_dir, f"mono.{lang}")}
        if parallel is None and not mono:
            if split == "train":
                raise FileNotFoundError(f"skipgram:{'-'.join(langs)}: no parallel or mono.* data in {data_dir}")
            return None
        return SkipGramDataset(vocab, parallel, mono, self.window, self.max_pairs, seed, self.negatives,
                               self.noise_power)
