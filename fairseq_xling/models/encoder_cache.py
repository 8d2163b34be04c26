"""The outputs of a frozen encoder, kept per sentence so that feature-based training runs the encoder once per
distinct sentence instead of once per epoch (``--frozen-encoder-cache-gb``).

With ``--freeze-encoder`` the encoder has no trainable parameter and runs in eval mode (no dropout): a sentence's
layer states are the same at every epoch, so the heads of van der Heijden et al. (2020) (LASER-top, LASER-elmo on
a frozen translation encoder) can train on stored states. The cache is keyed by the sentence's content (language,
its non-padding token ids, whether only the embedding layer was asked for), not by a dataset index, so it serves
training and validation batches, any batching and any padding side alike. A batch's sentences that are not yet
stored are encoded together in one call; the batch is then assembled from the stored states in the batch's own
padding layout. States are stored as float32 on the CPU, so a cached batch gives the head what an encoded one gives
it (tested).

Only the layers the head reads are stored (a tagging head's word features say which: LASER-top the top layer,
LASER-elmo the contextual ones, BPE-BOW/-GRU the embeddings); the others are None in the cached output. What it
costs: memory, 4 bytes x (the sizes of the stored layers) x sub-words: LASER-top 1.2 GB, LASER-elmo 3.7 GB on
WikiANN en train and dev (598k sub-words, our LASER's layers 256 + 3 x 512); when the budget is reached, sentences
are no longer added (those stored are still served, the rest encoded every time). Encoders with inputs besides the
token ids (characters, the words' text) and translation runs (a target language) are not cached.
"""
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import torch

logger = logging.getLogger(__name__)

CACHED_KEYS = {"layers", "token_features", "pad_mask", "sentence_emb"}  # the encoder contract's per-batch outputs


class FrozenEncoderCache:
    """Args:
        max_bytes: stop storing new sentences beyond this many bytes of states.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self.bytes = 0
        # key -> (number of layers, {layer index: T x C states}, sentence vector)
        self.store: Dict[Tuple, Tuple[int, Dict[int, torch.Tensor], torch.Tensor]] = {}
        self.hits = self.misses = 0
        self.full_warned = False

    def __len__(self):
        return len(self.store)

    def encode(self, encoder, src_tokens: torch.Tensor, src_lengths, src_lang: str, pad: int,
               layers: Optional[Sequence[int]] = None, **extra) -> dict:
        """``encoder(src_tokens, src_lengths, src_lang, **extra)``'s output, from stored states where it can.

        ``layers``: the indices of the layers the caller reads (None: all); only those are stored, and the others
        are None in the output's ``layers`` (``token_features`` too when the top layer is not read)."""
        pad_mask = src_tokens.eq(pad)
        layers = None if layers is None else tuple(sorted(layers))
        context = (src_lang, extra.get("head"), bool(extra.get("embeddings_only", False)), layers)
        keys = [context + (tuple(row[~mask].tolist()),) for row, mask in zip(src_tokens, pad_mask)]
        missing = [b for b, key in enumerate(keys) if key not in self.store]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        fresh = {}
        if missing:
            index = torch.tensor(missing, device=src_tokens.device)
            out = encoder(src_tokens.index_select(0, index), src_lengths.index_select(0, index), src_lang, **extra)
            if set(out) - CACHED_KEYS:  # e.g. a decoder's memory: not ours to store
                raise ValueError(f"the encoder returned {sorted(set(out) - CACHED_KEYS)}: not cacheable")
            count = len(out["layers"])
            wanted = range(count) if layers is None else [d % count for d in layers]
            for i, b in enumerate(missing):
                keep = ~out["pad_mask"][i]
                fresh[keys[b]] = (count, {d: out["layers"][d][i][keep].float().clone() for d in wanted},
                                  out["sentence_emb"][i].float().clone())
            self._add(fresh)
        entries = [self.store.get(key) or fresh[key] for key in keys]
        count = entries[0][0]
        assembled: List[Optional[torch.Tensor]] = [None] * count
        for depth in entries[0][1]:
            states = torch.cat([entry[1][depth] for entry in entries])
            layer = states.new_zeros(*src_tokens.shape, states.size(-1))
            layer[~pad_mask] = states  # row-major: each sentence's states fill its non-pad positions in order
            assembled[depth] = layer
        return {"layers": assembled, "token_features": assembled[-1], "pad_mask": pad_mask,
                "sentence_emb": torch.stack([entry[2] for entry in entries])}

    def _add(self, entries):
        for key, entry in entries.items():
            size = 4 * (sum(t.numel() for t in entry[1].values()) + entry[2].numel())
            if self.bytes + size > self.max_bytes:
                if not self.full_warned:
                    logger.warning(f"frozen encoder cache full ({self.bytes / 1e9:.2f} GB, {len(self.store)} "
                                   f"sentences): further sentences are encoded every time")
                    self.full_warned = True
                return
            self.store[key] = entry
            self.bytes += size
            if len(self.store) % 10000 == 0:
                logger.info(f"frozen encoder cache: {self.summary()}")

    def summary(self) -> str:
        total = self.hits + self.misses
        return (f"{len(self.store)} sentences, {self.bytes / 1e9:.2f} GB, {self.hits} of {total} sentence encodings "
                f"served from the cache")
