"""(word, context) pairs for the multilingual skip-gram of Luong et al. (2015), as used by Singla et al. (2018).

Monolingual pairs: a word and its neighbours within ``window`` in the same sentence (L1->L1, L2->L2).
Cross-lingual pairs: a word and the neighbours of the word it is aligned to in the other sentence,
the aligned word included (L1->L2 and L2->L1). Everything is vectorised over a whole batch: token ids
come in as one flat array with a sentence id per position.
"""
import numpy as np


def monolingual_pairs(tokens: np.ndarray, sent_ids: np.ndarray, window: int):
    """All (center, context) pairs with 1 <= |offset| <= window inside each sentence.

    Args:
        tokens: N token ids, sentences laid end to end.
        sent_ids: N sentence ids (non-decreasing: each sentence is one contiguous run).
    Returns:
        centers, contexts: two int64 arrays of equal length.
    """
    n = len(tokens)
    pos = np.arange(n)
    centers, contexts = [], []
    for offset in range(-window, window + 1):
        if offset == 0:
            continue
        ctx = pos + offset
        ok = (ctx >= 0) & (ctx < n)
        ok[ok] &= sent_ids[ctx[ok]] == sent_ids[pos[ok]]
        centers.append(tokens[pos[ok]])
        contexts.append(tokens[ctx[ok]])
    if not centers:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(centers).astype(np.int64), np.concatenate(contexts).astype(np.int64)


def crosslingual_pairs(src: np.ndarray, src_start: np.ndarray, src_len: np.ndarray,
                       tgt: np.ndarray, tgt_start: np.ndarray, tgt_len: np.ndarray,
                       link_pair: np.ndarray, link_src: np.ndarray, link_tgt: np.ndarray, window: int):
    """Pairs through word alignments, in both directions.

    For a link (i, j) of sentence pair p, source word i gets the target words j-window..j+window as contexts
    (L1->L2) and target word j gets the source words i-window..i+window (L2->L1).

    Args:
        src, tgt: flat token ids of the source and target sides.
        src_start, src_len, tgt_start, tgt_len: per sentence pair, where each side starts in the flat array
            and how long it is.
        link_pair, link_src, link_tgt: per link, its sentence pair and word positions (i, j).
    Returns:
        centers, contexts as for :func:`monolingual_pairs`.
    """
    centers, contexts = [], []
    for offset in range(-window, window + 1):
        # L1 -> L2: source word i, context = target word j + offset
        j = link_tgt + offset
        ok = (j >= 0) & (j < tgt_len[link_pair])
        centers.append(src[src_start[link_pair[ok]] + link_src[ok]])
        contexts.append(tgt[tgt_start[link_pair[ok]] + j[ok]])
        # L2 -> L1: target word j, context = source word i + offset
        i = link_src + offset
        ok = (i >= 0) & (i < src_len[link_pair])
        centers.append(tgt[tgt_start[link_pair[ok]] + link_tgt[ok]])
        contexts.append(src[src_start[link_pair[ok]] + i[ok]])
    return np.concatenate(centers).astype(np.int64), np.concatenate(contexts).astype(np.int64)


def balance(mono, cross, rng: np.random.Generator, max_pairs=None):
    """Equal numbers of monolingual and cross-lingual pairs: the larger set is subsampled to the smaller.

    When one set is empty (a batch without alignments, or a no-alignment corpus) the other is kept whole.
    ``max_pairs`` caps the total (half from each set). Returns (centers, contexts, n_mono, n_cross).
    """
    n = min(len(mono[0]), len(cross[0]))
    if n == 0:
        parts = [mono if len(mono[0]) else cross]
        if max_pairs is not None and len(parts[0][0]) > max_pairs:
            keep = rng.choice(len(parts[0][0]), max_pairs, replace=False)
            parts = [(parts[0][0][keep], parts[0][1][keep])]
        n_mono = len(parts[0][0]) if len(mono[0]) else 0
        return parts[0][0], parts[0][1], n_mono, len(parts[0][0]) - n_mono
    if max_pairs is not None:
        n = min(n, max_pairs // 2)
    out = []
    for centers, contexts in (mono, cross):
        keep = rng.choice(len(centers), n, replace=False) if len(centers) > n else np.arange(len(centers))
        out.append((centers[keep], contexts[keep]))
    return (np.concatenate([out[0][0], out[1][0]]), np.concatenate([out[0][1], out[1][1]]), n, n)
