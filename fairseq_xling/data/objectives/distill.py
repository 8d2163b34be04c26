"""``distill``: the student's sentence vectors regress onto a fixed teacher's (Reimers & Gurevych 2020).

``distill:en-de:teacher=use-m3`` reads the en-de pairs of the data-bin and the teacher's vectors of their English
side (``xling-teacher DATA_BIN --teacher use-m3 --langs en``, stored in ``DATA_BIN/teacher.use-m3/``); the loss
pulls the student's vector of the English sentence *and* of its German translation onto the teacher's vector of
the English one, so the student inherits the teacher's space in both languages. ``distill:en`` does the same
for monolingual sentences (``mono.en``). The student's vectors go through the ``distill_TEACHER`` head: a linear
map into the teacher's space when the sizes differ (``projection=auto``), else the vectors themselves. Scored by
``xling_distill`` (mean squared error).
"""
import os
from dataclasses import dataclass

from fairseq_xling.data.objectives import (ObjectiveConfig, exists, load_indexed, load_pair, pair_prefix,
                                           register_objective)
from fairseq_xling.errors import UserError

PROJECTIONS = ("auto", "linear", "none")


@register_objective("distill")
@dataclass
class DistillObjective(ObjectiveConfig):
    teacher: str = ""  # the teacher whose vectors xling-teacher stored in the data-bin (use-m3, e5-small, ...)
    projection: str = "auto"  # auto: a linear map when the student's and the teacher's sizes differ | linear | none

    default_criterion = "xling_distill"

    def check(self, where):
        super().check(where)
        if not self.teacher:
            raise UserError(f"{where}: expected teacher=NAME, the teacher whose vectors xling-teacher stored in the "
                            f"data-bin (e.g. distill:en-de:teacher=use-m3)")
        if self.projection not in PROJECTIONS:
            raise UserError(f"{where}: projection={self.projection!r}; expected one of {', '.join(PROJECTIONS)}")

    def head_name(self, objective):
        from fairseq_xling.distill.teachers import teacher_dir_name

        return "distill_" + teacher_dir_name(self.teacher).replace(".", "_")  # torch module names have no dots

    def metadata(self, data_dir):
        """The data-bin's metadata plus the teacher and its vector size (the head is built from them, also when a
        checkpoint is loaded without the data-bin)."""
        from fairseq_xling.distill.store import teacher_dim

        return dict(super().metadata(data_dir), teacher=self.teacher, teacher_dim=teacher_dim(data_dir, self.teacher))

    def build_head(self, objectives, task, encoder, model_cfg):
        from fairseq_xling.models.heads import DistillHead

        dims = {task.data_meta[o.name]["teacher_dim"] for o in objectives}
        if len(dims) > 1:
            raise UserError(f"objectives {', '.join(o.name for o in objectives)} have teacher {self.teacher!r} "
                            f"vectors of different sizes ({sorted(dims)}) in their data-bins; rebuild them")
        projections = {o.cfg.projection for o in objectives} - {"auto"}
        if len(projections) > 1:
            raise UserError(f"teacher {self.teacher!r}: its objectives ask for projection={' and '.join(projections)}")
        teacher_dim, student_dim = dims.pop(), encoder.sentence_dim
        linear = projections.pop() == "linear" if projections else teacher_dim != student_dim
        if not linear and teacher_dim != student_dim:
            raise UserError(f"teacher {self.teacher!r}: {teacher_dim}-dim vectors for a {student_dim}-dim student "
                            f"with projection=none; make the student {teacher_dim}-dim or use projection=linear")
        return DistillHead(student_dim, teacher_dim, linear)

    def load_dataset(self, split, data_dir, langs, vocabs, seed):
        from fairseq_xling.data.distill_dataset import DistillDataset, SentenceDataset
        from fairseq_xling.distill.store import load_vectors

        vocab, src = vocabs["word"], langs[0]
        if len(langs) == 1:  # monolingual sentences: mono.{lang}, training only (as the skip-gram's)
            prefix = f"mono.{src}"
            if split != "train":
                return None
            if not exists(data_dir, prefix):
                raise FileNotFoundError(f"distill:{src}: expected {os.path.join(data_dir, prefix)}.bin (monolingual "
                                        f"text: preprocess/europarl.sh --mono-src-file / --mono-tgt-file)")
            base = SentenceDataset(load_indexed(data_dir, prefix, vocab.dicts[src]), src, vocab.dicts[src])
        elif len(langs) == 2:
            base = load_pair(split, data_dir, src, langs[1], vocab, with_alignments=False)
            if base is None:
                return None
            prefix = f"{pair_prefix(split, data_dir, src, langs[1])}.{src}"
        else:
            raise UserError(f"distill objective takes a pair (en-de: the teacher embeds the en side) or one "
                            f"language, got {'-'.join(langs)}")
        return DistillDataset(base, load_vectors(data_dir, self.teacher, prefix, len(base)),
                              self.head_name(None))
