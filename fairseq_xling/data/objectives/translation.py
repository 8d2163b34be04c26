"""``translation``: teacher-forced translation through the model's decoder (Schwenk & Douze 2017; LASER).

``translation:de-en`` reads ``train.de-en.{de,en}`` (or ``train.en-de.*``: one data-bin pair serves both
directions) and trains the decoder to write English from the German sentence's encoding; the decoder is told the
target language, the encoder never is. Several pairs are several objectives, mixed by ``--schedule`` (e.g.
``temperature:t=5``). The data needs one vocabulary for every language (preprocess/multilingual.sh), which the
decoder writes. Scored by ``xling_translation`` (cross-entropy, ``label_smoothing=`` optional).
"""
from dataclasses import dataclass

from fairseq_xling.data.objectives import ObjectiveConfig, load_pair, register_objective
from fairseq_xling.errors import UserError


@register_objective("translation")
@dataclass
class TranslationObjective(ObjectiveConfig):
    default_criterion = "xling_translation"
    needs_decoder = True

    def target_dictionary(self, objective, task):
        return task.target_dictionary

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        from fairseq_xling.data.parallel_dataset import TranslationDataset

        if len(langs) != 2 or langs[0] == langs[1]:
            raise UserError(f"translation objective needs a pair of languages such as de-en, got {'-'.join(langs)}")
        if not vocabs["word"].joined:
            raise UserError(f"translation:{'-'.join(langs)}: the decoder needs one vocabulary shared by every "
                            f"language (binarise the data with preprocess/multilingual.sh)")
        return load_pair(split, data_dir, langs[0], langs[1], vocabs["word"], with_alignments=False,
                         dataset_class=TranslationDataset)
