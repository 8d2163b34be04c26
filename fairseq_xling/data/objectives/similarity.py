"""``similarity``: parallel sentence pairs scored by the hinge similarity criterion (Singla et al. 2018)."""
from dataclasses import dataclass

from fairseq_xling.data.objectives import ObjectiveConfig, load_pair, register_objective
from fairseq_xling.errors import UserError


@register_objective("similarity")
@dataclass
class SimilarityObjective(ObjectiveConfig):
    default_criterion = "xling_hinge_similarity"

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        vocab = vocabs["word"]
        if len(langs) != 2:
            raise UserError(f"similarity objective needs a language pair such as de-en, got {'-'.join(langs)}")
        return load_pair(split, data_dir, langs[0], langs[1], vocab, with_alignments=False)
