"""Word alignment for tokenized parallel text: Pharaoh ``i-j`` links, i = source word, j = target word.

Two aligners, both run in both directions and symmetrized with grow-diag-final-and (Koehn et al. 2005):

- ``eflomal`` (Östling & Tiedemann 2016; ``pip install eflomal``): Bayesian IBM1 + HMM + fertility with
  Gibbs sampling. Used by ``--method auto`` whenever the package imports.
- ``ibm1``: built-in fallback, IBM Model 1 (Brown et al. 1993) with a NULL word, a few EM iterations,
  vectorised over all (source word, target word) pairs of the corpus in numpy, then Viterbi links.
  It has no notion of word order or distortion, so expect clearly lower quality than eflomal. Memory
  grows with the number of word pairs, sum(len(src) * len(tgt)), at about 30 bytes each (ComTrans, 23k
  pairs: ~0.5 GB), so it is meant for small corpora and for machines where eflomal does not install.

CLI (several files are aligned together, so valid sentences profit from the train statistics)::

    python -m fairseq_xling.text.align --method auto --src train.de valid.de --tgt train.en valid.en \\
        --out train.align valid.align [--meta-dir DEST]
"""
import argparse
import os
import sys
import tempfile
from typing import List, Sequence, Tuple

import numpy as np

from fairseq_xling.text.metadata import update_metadata

Links = List[Tuple[int, int]]
METHODS = ("auto", "eflomal", "ibm1")


def eflomal_available() -> bool:
    try:
        import eflomal  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_method(method: str) -> str:
    if method == "auto":
        return "eflomal" if eflomal_available() else "ibm1"
    if method == "eflomal" and not eflomal_available():
        raise RuntimeError("--method eflomal: the eflomal package does not import (pip install eflomal)")
    return method


# ---------------------------------------------------------------------------------------------------
# IBM Model 1


def ibm1_viterbi(src_sents: Sequence[Sequence[str]], tgt_sents: Sequence[Sequence[str]], iterations: int = 5):
    """For every target word, the source position with the highest IBM1 posterior (-1 = NULL).

    Returns one int array per sentence pair, of the target sentence's length.
    """
    src_vocab, tgt_vocab = {}, {}
    pair_src, pair_tgt, pair_pos = [], [], []
    tgt_lens = []
    for src, tgt in zip(src_sents, tgt_sents):
        # source id 0 is the NULL word, prepended to every source sentence
        src_ids = np.array([0] + [src_vocab.setdefault(w, len(src_vocab) + 1) for w in src], dtype=np.int32)
        tgt_ids = np.array([tgt_vocab.setdefault(w, len(tgt_vocab)) for w in tgt], dtype=np.int32)
        m, n = len(src_ids), len(tgt_ids)
        # one entry per (target word j, source position i), j-major
        pair_src.append(np.tile(src_ids, n))  # m*n
        pair_tgt.append(np.repeat(tgt_ids, m))  # m*n
        pair_pos.append(np.tile(np.arange(-1, m - 1, dtype=np.int32), n))  # m*n, source position, -1 = NULL
        tgt_lens.append(n)
    tgt_lens = np.array(tgt_lens, dtype=np.int64)
    src_lens_null = np.array([len(s) + 1 for s in src_sents], dtype=np.int64)
    pair_src = np.concatenate(pair_src)  # P
    pair_tgt = np.concatenate(pair_tgt)  # P
    pair_pos = np.concatenate(pair_pos)  # P
    # group = global index of the target word that the pair belongs to
    n_groups = int(tgt_lens.sum())
    group = np.repeat(np.arange(n_groups, dtype=np.int32), np.repeat(src_lens_null, tgt_lens))  # P

    # translation table t(tgt | src) is stored per co-occurring word-type pair
    n_tgt_types = max(len(tgt_vocab), 1)
    types, pair_type = np.unique(pair_src.astype(np.int64) * n_tgt_types + pair_tgt, return_inverse=True)  # U, P
    pair_type = pair_type.astype(np.int32).ravel()
    del pair_src, pair_tgt
    type_src = types // n_tgt_types  # U
    t = np.ones(len(types))  # U, uniform start
    for _ in range(iterations):
        prob = t[pair_type]  # P
        denom = np.bincount(group, weights=prob, minlength=n_groups)  # G
        posterior = prob / denom[group]  # P, E-step: alignment posterior of each source position
        expected = np.bincount(pair_type, weights=posterior, minlength=len(types))  # U
        src_total = np.bincount(type_src, weights=expected)  # V_src
        t = expected / src_total[type_src]  # U, M-step

    prob = t[pair_type]  # P
    # sort by target word, then by decreasing probability; the first entry of each group is the argmax
    # (lexsort is stable, so ties go to the earlier source position)
    order = np.lexsort((-prob, group))
    starts = np.concatenate([[0], np.flatnonzero(np.diff(group[order])) + 1])
    best_pos = pair_pos[order[starts]]  # G
    return np.split(best_pos, np.cumsum(tgt_lens)[:-1])


def ibm1_links(src_sents, tgt_sents, iterations: int = 5) -> Tuple[List[Links], List[Links]]:
    """Forward (target word -> source word) and reverse Viterbi links, both as (src_i, tgt_j)."""
    fwd = [
        [(int(i), j) for j, i in enumerate(best) if i >= 0]
        for best in ibm1_viterbi(src_sents, tgt_sents, iterations)
    ]
    rev = [
        [(i, int(j)) for i, j in enumerate(best) if j >= 0]
        for best in ibm1_viterbi(tgt_sents, src_sents, iterations)
    ]
    return fwd, rev


# ---------------------------------------------------------------------------------------------------
# eflomal


def eflomal_links(src_sents, tgt_sents) -> Tuple[List[Links], List[Links]]:
    """Forward and reverse links from eflomal's sampler, both as (src_i, tgt_j)."""
    import eflomal

    with tempfile.TemporaryDirectory() as tmp:
        fwd_path, rev_path = os.path.join(tmp, "fwd"), os.path.join(tmp, "rev")
        eflomal.Aligner().align(
            [" ".join(s) + "\n" for s in src_sents],
            [" ".join(t) + "\n" for t in tgt_sents],
            links_filename_fwd=fwd_path,
            links_filename_rev=rev_path,
            quiet=True,
        )
        return _read_links(fwd_path), _read_links(rev_path)


def _read_links(path) -> List[Links]:
    with open(path, encoding="ascii") as f:
        return [[tuple(map(int, item.split("-"))) for item in line.split()] for line in f]


# ---------------------------------------------------------------------------------------------------
# Symmetrization

_NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def intersect(fwd: Links, rev: Links) -> Links:
    return sorted(set(fwd) & set(rev))


def grow_diag_final_and(fwd: Links, rev: Links) -> Links:
    """Start from the intersection, grow into neighbouring union points that cover an unaligned word,
    then add union points whose source and target words are both still unaligned."""
    fwd, rev = set(fwd), set(rev)
    union = fwd | rev
    links = fwd & rev
    src_done = {i for i, _ in links}
    tgt_done = {j for _, j in links}
    grown = True
    while grown:
        grown = False
        for i, j in sorted(links):
            for di, dj in _NEIGHBOURS:
                cand = (i + di, j + dj)
                if cand in union and cand not in links and (cand[0] not in src_done or cand[1] not in tgt_done):
                    links.add(cand)
                    src_done.add(cand[0])
                    tgt_done.add(cand[1])
                    grown = True
    for direction in (fwd, rev):
        for i, j in sorted(direction):
            if i not in src_done and j not in tgt_done:
                links.add((i, j))
                src_done.add(i)
                tgt_done.add(j)
    return sorted(links)


SYMMETRIZE = {"grow-diag-final-and": grow_diag_final_and, "intersect": intersect}


def align(src_sents, tgt_sents, method: str = "auto", symmetrize: str = "grow-diag-final-and",
          iterations: int = 5) -> List[Links]:
    """Symmetrized links for tokenized sentence pairs (lists of words)."""
    if len(src_sents) != len(tgt_sents):
        raise ValueError(f"{len(src_sents)} source but {len(tgt_sents)} target sentences")
    method = resolve_method(method)
    if method == "eflomal":
        fwd, rev = eflomal_links(src_sents, tgt_sents)
    else:
        fwd, rev = ibm1_links(src_sents, tgt_sents, iterations)
    combine = SYMMETRIZE[symmetrize]
    return [combine(f, r) for f, r in zip(fwd, rev)]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fairseq_xling.text.align", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--method", default="auto", choices=METHODS)
    parser.add_argument("--symmetrize", default="grow-diag-final-and", choices=sorted(SYMMETRIZE))
    parser.add_argument("--iterations", type=int, default=5, help="EM iterations of the ibm1 fallback")
    parser.add_argument("--src", nargs="+", required=True, help="tokenized source files")
    parser.add_argument("--tgt", nargs="+", required=True, help="tokenized target files, line-aligned with --src")
    parser.add_argument("--out", nargs="+", required=True, help="one Pharaoh output file per --src file")
    parser.add_argument("--meta-dir", help="data-bin whose preprocess.json 'aligner' field records the method used")
    args = parser.parse_args(argv)
    if not len(args.src) == len(args.tgt) == len(args.out):
        parser.error("--src, --tgt and --out need the same number of files")

    src_sents, tgt_sents, sizes = [], [], []
    for src_path, tgt_path in zip(args.src, args.tgt):
        with open(src_path, encoding="utf-8") as f:
            src = [line.split() for line in f]
        with open(tgt_path, encoding="utf-8") as f:
            tgt = [line.split() for line in f]
        if len(src) != len(tgt):
            print(f"error: {src_path} has {len(src)} lines but {tgt_path} has {len(tgt)}", file=sys.stderr)
            return 1
        src_sents += src
        tgt_sents += tgt
        sizes.append(len(src))
    method = resolve_method(args.method)
    print(f"[align] {method} + {args.symmetrize} on {len(src_sents)} sentence pairs", file=sys.stderr)
    links = align(src_sents, tgt_sents, method, args.symmetrize, args.iterations)
    start = 0
    for out_path, size in zip(args.out, sizes):
        with open(out_path, "w", encoding="ascii", newline="\n") as f:
            for sent_links in links[start : start + size]:
                f.write(" ".join(f"{i}-{j}" for i, j in sent_links) + "\n")
        start += size
    if args.meta_dir:
        update_metadata(args.meta_dir, aligner=f"{method}+{args.symmetrize}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
