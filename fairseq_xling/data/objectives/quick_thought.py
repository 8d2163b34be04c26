"""``quick_thought``: a sentence must pick its predecessor and its successor among the batch's (Logeswaran & Lee
2018, as modified by Chidambaram et al. 2019): two in-batch softmax losses, summed.

``quick_thought:en`` reads the triplets of consecutive sentences ``{split}.qt.{prev,cur,next}.en`` that
``preprocess/multilingual.sh --qt en FILE`` writes. The three roles go through separate feed-forward networks on
g (``head_dims``: 320 then the sentence size by default, the paper's 320, 512; tanh), one ``quick_thought`` head
shared by every language's objective, as the paper's mirrored tasks. Scored by ``xling_ranking``.
"""
from dataclasses import dataclass

from fairseq_xling.data.objectives import ObjectiveConfig, load_sides, parse_dims, register_objective, same_option
from fairseq_xling.data.sides_dataset import SidesDataset
from fairseq_xling.errors import UserError


class QuickThoughtDataset(SidesDataset):
    head = "quick_thought"

    def collater(self, samples):
        if not samples:
            return {}
        return dict(self.base_batch(samples), net_input=self.side(samples, "cur", self.head, "cur"),
                    candidate_inputs=[self.side(samples, "prev", self.head, "prev"),
                                      self.side(samples, "next", self.head, "next")])


@register_objective("quick_thought")
@dataclass
class QuickThoughtObjective(ObjectiveConfig):
    head_dims: str = "auto"  # each role's feed-forward layers (tanh): auto = 320, then the sentence size

    default_criterion = "xling_ranking"

    def check(self, where):
        super().check(where)
        parse_dims(self.head_dims, where)

    def head_name(self, objective):
        return QuickThoughtDataset.head

    def build_head(self, objectives, task, encoder, model_cfg):
        from fairseq_xling.models.heads import RoleHead

        dims = parse_dims(same_option(objectives, "head_dims"), "quick_thought", encoder.sentence_dim)
        return RoleHead(encoder.sentence_dim, ("prev", "cur", "next"), dims)

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        if len(langs) != 1:
            raise UserError(f"quick_thought objective takes one language (quick_thought:en), got {'-'.join(langs)}")
        return load_sides(split, data_dir, langs[0], vocabs["word"], "qt", ("prev", "cur", "next"),
                          dataset_class=QuickThoughtDataset)
