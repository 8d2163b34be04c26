"""``response``: conversation response prediction (Henderson et al. 2017; Yang et al. 2018; Chidambaram et al.
2019): the encoding of a message must pick its response among the batch's responses.

``response:en`` reads ``{split}.rsp.{input,response}.en`` (``preprocess/multilingual.sh --response en FILE`` with
``input<TAB>response`` lines). The input side is g itself, the response side a feed-forward network on g
(``head_dims``: 320 then the sentence size by default, the paper's 320, 512; tanh), one ``response`` head shared
by every language. Scored by ``xling_ranking``.
"""
from dataclasses import dataclass

from fairseq_xling.data.objectives import ObjectiveConfig, load_sides, parse_dims, register_objective, same_option
from fairseq_xling.data.sides_dataset import SidesDataset
from fairseq_xling.errors import UserError


class ResponseDataset(SidesDataset):
    head = "response"

    def collater(self, samples):
        if not samples:
            return {}
        return dict(self.base_batch(samples), net_input=self.side(samples, "input", self.head, "input"),
                    tgt_input=self.side(samples, "response", self.head, "response"))


@register_objective("response")
@dataclass
class ResponseObjective(ObjectiveConfig):
    head_dims: str = "auto"  # the response side's feed-forward layers (tanh): auto = 320, then the sentence size

    default_criterion = "xling_ranking"

    def check(self, where):
        super().check(where)
        parse_dims(self.head_dims, where)

    def head_name(self, objective):
        return ResponseDataset.head

    def build_head(self, objectives, task, encoder, model_cfg):
        from fairseq_xling.models.heads import RoleHead

        dims = parse_dims(same_option(objectives, "head_dims"), "response", encoder.sentence_dim)
        if dims[-1] != encoder.sentence_dim:
            raise UserError(f"response: head_dims ends with {dims[-1]}; the response side must end with the "
                            f"encoder's sentence size {encoder.sentence_dim}, which the input side (g) has")
        return RoleHead(encoder.sentence_dim, ("response",), dims)

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        if len(langs) != 1:
            raise UserError(f"response objective takes one language (response:en), got {'-'.join(langs)}")
        return load_sides(split, data_dir, langs[0], vocabs["word"], "rsp", ("input", "response"),
                          dataset_class=ResponseDataset)
