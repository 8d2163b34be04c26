"""Heads: the model parts an objective adds on top of the encoder, built from the run's objectives.

Each objective type names its head (``ObjectiveConfig.head_name``); objectives that name the same head share
it (all ``tagging`` objectives of one task share one tag head and CRF across languages, Lin et al. 2018). A
head's forward gets the encoder's output dict and returns a dict that the model merges into its output.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn

from fairseq_xling.modules.crf import LinearChainCRF
from fairseq_xling.modules.pooling import masked_max
from fairseq_xling.modules.tag_schemes import allowed_transitions
from fairseq_xling.text.tag_schemes import constrained_scheme


class SkipGramHead(nn.Module):
    """The skip-gram's context ("output") table, one row per row of the encoder's word table (word2vec's u).

    It reads no encoder states: it gets the encoder and looks up the input vectors of the center words itself.
    """

    reads_encoder_states = False

    def __init__(self, num_rows: int, dim: int):
        super().__init__()
        self.embed_contexts = nn.Embedding(num_rows, dim)
        nn.init.zeros_(self.embed_contexts.weight)  # output vectors start at zero, as in word2vec

    def forward(self, encoder, centers, contexts, noise):
        """centers, contexts: P rows of the word table; noise: K rows -> their vectors, P x E, P x E, K x E."""
        return {"center_emb": encoder.embed_words(centers), "context_emb": self.embed_contexts(contexts),
                "noise_emb": self.embed_contexts(noise)}


class TaggingHead(nn.Module):
    """Tag scores for one tagging task, shared by its languages, then a CRF (or a softmax), after Lin et al.

    emissions = g * W_lang h + (1 - g) * W h with g = sigmoid(w_lang . h + b) when language ``lang`` has a
    language-specific layer, else W h. h is, in order: the word features x (the encoder's top layer per token, or
    ``features``: word vectors from any of its layers, ``modules/word_features.py``), dropout, the ``tagger``
    (a :class:`TransformerTagger`, van der Heijden et al. 2020), then with ``hidden`` a ReLU layer (MMTE's head,
    Siddhant et al. 2020).

    Args:
        input_dim: size of the word features (the encoder's ``output_dim`` without ``features``).
        tags: the tag strings (CRF label order); scheme: their scheme (BIOES, IOB2, ...): the CRF forbids the
            transitions a constrained scheme does not allow.
        langs: languages that get a gated language-specific layer (empty: none).
        crf: a CRF on top (else the tags are scored independently, softmax).
        hidden: size of the ReLU layer before the tag scores (0: none).
        features: a :class:`WordFeatures` (None: the encoder's ``token_features`` are the word features).
        subwords: the encoder reads sub-words and ``features`` pools them to words (its forward needs
            ``word_index``).
        tagger: a module B x W x C, pad_mask -> B x W x H between the features and the tag scores (None: none).
        feature_dropout: dropout on the word features.
    """

    def __init__(self, input_dim: int, tags, scheme: str, langs=(), crf: bool = True, hidden: int = 0,
                 features: Optional[nn.Module] = None, subwords: bool = False, tagger: Optional[nn.Module] = None,
                 feature_dropout: float = 0.0):
        super().__init__()
        if subwords and features is None:
            raise ValueError("a tag head over sub-words needs word features that pool them")
        self.tags, self.scheme, self.subwords = list(tags), scheme, subwords
        self.features, self.tagger = features, tagger
        # BPE-BOW / BPE-GRU read the embedding layer alone: the model lets the encoder stop there
        self.reads_embeddings_only = features is not None and features.kind in ("bow", "gru")
        self.feature_dropout = nn.Dropout(feature_dropout)
        dim = tagger.output_dim if tagger is not None else input_dim
        self.hidden = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU()) if hidden else None
        dim = hidden or dim
        self.shared = nn.Linear(dim, len(tags))
        self.lang_layers = nn.ModuleDict({lang: nn.Linear(dim, len(tags)) for lang in langs})
        self.gates = nn.ModuleDict({lang: nn.Linear(dim, 1) for lang in langs})
        self.crf = None
        if crf:
            constrained = constrained_scheme(scheme)
            constraints = allowed_transitions(tags, constrained) if constrained else ()
            self.crf = LinearChainCRF(len(tags), *constraints)

    def layers_read(self, num_layers: int) -> Tuple[int, ...]:
        """Indices of the encoder layers this head reads (a frozen encoder's cache stores only these)."""
        return self.features.layers_read(num_layers) if self.features is not None else (num_layers - 1,)

    def forward(self, encoder_out, lang: str, tags=None, word_index=None):
        """Returns ``emissions`` B x T x K, ``logits`` (the same, for stock criteria), with ``tags`` (B x T, -100
        at padding) the per-sentence ``nll`` (B), and in eval mode the best ``predictions`` (B x T, -1 at padding).
        T is the encoder's tokens, or with ``subwords`` the words W: ``word_index`` (B x S, the word of each of the
        encoder's S sub-words, -1 for none) says which sub-words make each word.
        """
        if self.subwords and word_index is None:
            raise ValueError("this tag head tags words made of sub-words: its input needs word_index (data of "
                             "preprocess/conll.sh --subword-from)")
        if self.features is not None:
            h, pad_mask = self.features(encoder_out, word_index if self.subwords else None)  # B x W x C, B x W
        else:
            h, pad_mask = encoder_out["token_features"], encoder_out["pad_mask"]  # B x T x C, B x T (True = pad)
        mask = ~pad_mask  # True = word
        h = self.feature_dropout(h)
        if self.tagger is not None:
            h = self.tagger(h, pad_mask)  # B x T x H
        if self.hidden is not None:
            h = self.hidden(h)  # B x T x H
        emissions = self.shared(h)  # B x T x K
        if lang in self.lang_layers:
            gate = torch.sigmoid(self.gates[lang](h))  # B x T x 1
            emissions = gate * self.lang_layers[lang](h) + (1 - gate) * emissions
        out = {"emissions": emissions, "logits": emissions}
        if tags is not None:
            out["nll"] = self.nll(emissions.float(), tags, mask)
        if not self.training:
            out["predictions"] = self.decode(emissions.float(), mask)
        return out

    def nll(self, emissions, tags, mask):
        """Negative log-likelihood per sentence: B."""
        if self.crf is not None:
            return self.crf(emissions, tags.clamp(min=0), mask)
        token_nll = -emissions.log_softmax(-1).gather(-1, tags.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # B x T
        return token_nll.masked_fill(~mask, 0.0).sum(1)

    def decode(self, emissions, mask):
        """Best tag ids B x T (-1 at padding): Viterbi with a CRF, the argmax without."""
        if self.crf is not None:
            return self.crf.viterbi_decode(emissions, mask)[0]
        return emissions.argmax(-1).masked_fill(~mask, -1)


class TransformerTagger(nn.Module):
    """The sequence tagger of van der Heijden et al. (2020) between word features and the CRF: a linear map to
    ``dim`` and a LayerNorm, sinusoidal positions added, then Transformer encoder layers (2 layers, 2 heads, 300 for
    attention and feed-forward in the paper). The LayerNorm puts features of any scale on the positions' scale:
    LASER's top-layer states are small (|x| ~ 0.2 per word), and unnormalised they drowned in the positions (a
    1-epoch WikiANN run reached 20 F1 on its own dev set).

    Args:
        input_dim: size of the word features; dim, layers, heads, ffn_dim: the Transformer's; dropout: inside it.
    """

    def __init__(self, input_dim: int, dim: int = 300, layers: int = 2, heads: int = 2, ffn_dim: int = 300,
                 dropout: float = 0.15, max_positions: int = 4096):
        super().__init__()
        from fairseq_xling.modules.transformer import TransformerStack

        self.project = nn.Linear(input_dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.transformer = TransformerStack(dim, layers, heads, ffn_dim, dropout, attention_dropout=dropout,
                                            max_positions=max_positions, scale_input=False)
        self.output_dim = dim

    def forward(self, features: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
        """features: B x W x C, pad_mask: B x W (True = padding) -> B x W x dim."""
        return self.transformer(self.norm(self.project(features)), pad_mask)[-1]


class DistillHead(nn.Module):
    """The student's sentence vector in the teacher's space (``distill`` objectives): W g + b when ``linear``
    (the sizes differ, or asked for), else g itself. The hub's sentence vectors stay g."""

    def __init__(self, student_dim: int, teacher_dim: int, linear: bool):
        super().__init__()
        self.projection = nn.Linear(student_dim, teacher_dim) if linear else None

    def forward(self, encoder_out, lang: str):
        g = encoder_out["sentence_emb"]  # B x D
        return {"distill_emb": self.projection(g) if self.projection is not None else g}


def build_heads(task, encoder, cfg) -> dict:
    """One head per head name that the task's objectives use (objectives naming the same head share it)."""
    by_head = {}
    for o in task.objectives:
        name = o.cfg.head_name(o)
        if name is not None:
            by_head.setdefault(name, []).append(o)
    return {name: objectives[0].cfg.build_head(objectives, task, encoder, cfg) for name, objectives in by_head.items()}


def feed_forward(input_dim: int, dims, activation=nn.Tanh) -> nn.Sequential:
    """Fully-connected layers of sizes ``dims``, each followed by ``activation``."""
    layers, size = [], input_dim
    for dim in dims:
        layers += [nn.Linear(size, dim), activation()]
        size = dim
    return nn.Sequential(*layers)


class RoleHead(nn.Module):
    """The vectors a ranking loss compares (``rank_emb``), one feed-forward network per role of the sentence
    (Chidambaram et al.: the response side of conversation pairs; predecessor, sentence and successor in
    quick-thought, each 320 -> 512 with tanh). Roles not in ``networks`` use the encoding g itself (the input
    side of conversation pairs).

    Args:
        input_dim: the encoder's sentence size; roles: role names with their own network; dims: its sizes.
    """

    def __init__(self, input_dim: int, roles, dims=(320, 512)):
        super().__init__()
        self.networks = nn.ModuleDict({role: feed_forward(input_dim, dims) for role in roles})

    def forward(self, encoder_out, lang: str, role: str):
        g = encoder_out["sentence_emb"]  # B x D
        return {"rank_emb": self.networks[role](g) if role in self.networks else g}


class PairClassificationHead(nn.Module):
    """Classes of a sentence pair from the two encodings u, v (NLI; Conneau et al. 2017, Chidambaram et al.):
    (u, v, |u - v|, u * v) -> feed-forward layers ``dims`` (tanh) -> ``num_classes`` logits.

    It runs the encoder on both sentences itself (``reads_encoder_states = False``): the model gives it the
    encoder and the two sides' inputs.
    """

    reads_encoder_states = False

    def __init__(self, input_dim: int, num_classes: int, dims=(512,)):
        super().__init__()
        self.hidden = feed_forward(4 * input_dim, dims)
        self.out = nn.Linear(dims[-1] if dims else 4 * input_dim, num_classes)

    def forward(self, encoder, first: dict, second: dict):
        """first, second: the two sentences' encoder inputs (``src_tokens``, ``src_lengths``, ``src_lang``)."""
        u, v = encoder(**first)["sentence_emb"], encoder(**second)["sentence_emb"]  # B x D each
        return {"logits": self.out(self.hidden(torch.cat([u, v, (u - v).abs(), u * v], -1)))}  # B x classes


class JointClassificationHead(nn.Module):
    """Classification of a sentence, or of a pair joined into one input with a separator (Siddhant et al. 2020's
    XNLI classifier on MMTE): a pre-pool feed-forward layer on every token state, max-pool over the tokens, a
    post-pool feed-forward layer, then ``num_classes`` logits.

    Args:
        input_dim: the encoder's token state size; pre_dims / post_dims: feed-forward sizes (ReLU) before and
            after the pooling (the paper: 64 and 64).
    """

    def __init__(self, input_dim: int, num_classes: int, pre_dims=(64,), post_dims=(64,)):
        super().__init__()
        self.pre = feed_forward(input_dim, pre_dims, nn.ReLU)
        size = pre_dims[-1] if pre_dims else input_dim
        self.post = feed_forward(size, post_dims, nn.ReLU)
        self.out = nn.Linear(post_dims[-1] if post_dims else size, num_classes)

    def forward(self, encoder_out, lang: str):
        pooled = masked_max(self.pre(encoder_out["token_features"]), encoder_out["pad_mask"])  # B x pre
        return {"logits": self.out(self.post(pooled))}  # B x classes
