#!/usr/bin/env bash
# Data-bins for the Lin et al. (2018) experiments: Dutch NER (the target, whole and first 10/50/100/200
# training sentences), Dutch POS, English NER and Spanish NER (the auxiliary tasks).
#
#   bash examples/mlmt/prepare_data.sh [WORK_DIR]      (default work/mlmt; ~3 min on 2 cores)
#   VECTORS=work/mlmt/vectors bash examples/mlmt/prepare_data.sh work/mlmt_w2v
#       the same with the words of VECTORS/{nl,es,en}.vec (train_word_vectors.py) in the word dictionaries
#       (conll.sh --add-words), for runs with --vectors: dev words that have a vector are then not <unk>
#
# What is shared is decided by the dictionaries, built in two passes:
#   1. each corpus alone (its own dictionaries) -> WORK/dicts/<corpus>/
#   2. every data-bin again with the unions: one Dutch word dictionary over Dutch NER (all of ned.train) and
#      Dutch POS, so the cross-task model trains one Dutch word table; one character dictionary over all
#      corpora (one CharCNN); one NER tag dictionary over nl/es/en (one CRF per task).
# The low-resource data-bins differ only in how many training sentences they keep; words of ned.train beyond
# them get rows that only the auxiliary tasks can train.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="${XLING_DATA:-$REPO/../shared/data}"
WORK="${1:-$REPO/work/mlmt}"
CONLL="$REPO/preprocess/conll.sh"
SIZES=(10 50 100 200)
VECTORS="${VECTORS:-}"

words_of() {  # lang -> ADD: the --add-words option of that language's vectors (none without VECTORS)
    ADD=()
    if [[ -n "$VECTORS" ]]; then
        [[ -f "$VECTORS/$1.vec" ]] || { echo "error: $VECTORS/$1.vec: no such file (VECTORS=$VECTORS)" >&2; exit 1; }
        ADD=(--add-words "$VECTORS/$1.vec")
    fi
}
for lang in nl es en; do words_of "$lang"; done  # a missing vectors file stops the run before any work

train_of() {  # corpus -> TRAIN: conll.sh arguments of its training data
    case "$1" in
        ner_nl) TRAIN=(--format conll2002 --lang nl --task ner --train "$DATA/conll2002/ned.train") ;;
        ner_es) TRAIN=(--format conll2002 --lang es --task ner --repair --train "$DATA/conll2002/esp.train") ;;
        ner_en) TRAIN=(--format wikiann --lang en --task ner --train "$DATA/wikiann/en/train") ;;
        pos_nl) TRAIN=(--format udpos --lang nl --task pos --train "$DATA/udpos_xtreme/train-nl.tsv") ;;
    esac
}

# pass 1: each corpus with its own dictionaries
for corpus in ner_nl ner_es ner_en pos_nl; do
    train_of $corpus
    bash "$CONLL" "${TRAIN[@]}" --dest "$WORK/dicts/$corpus" --no-text
done

# pass 2: the shared dictionaries
D="$WORK/dicts"
chars=(--char-dict "$D/ner_nl/dict.char.txt" --char-dict "$D/ner_es/dict.char.txt"
       --char-dict "$D/ner_en/dict.char.txt" --char-dict "$D/pos_nl/dict.char.txt")
ner_tags=(--tag-dict "$D/ner_nl/dict.tag.txt" --tag-dict "$D/ner_es/dict.tag.txt" --tag-dict "$D/ner_en/dict.tag.txt")
nl_words=(--word-dict "$D/ner_nl/dict.word.txt" --word-dict "$D/pos_nl/dict.word.txt")

train_of ner_nl
words_of nl
nl_words+=(${ADD[@]+"${ADD[@]}"})
nl_ner=("${TRAIN[@]}" --valid "$DATA/conll2002/ned.testa" "${nl_words[@]}" "${chars[@]}" "${ner_tags[@]}")
bash "$CONLL" "${nl_ner[@]}" --dest "$WORK/bin/ner_nl_all"
for n in "${SIZES[@]}"; do
    bash "$CONLL" "${nl_ner[@]}" --max-sentences "$n" --dest "$WORK/bin/ner_nl_$n" --no-text
done
train_of pos_nl
bash "$CONLL" "${TRAIN[@]}" --valid "$DATA/udpos_xtreme/dev-nl.tsv" "${nl_words[@]}" "${chars[@]}" \
    --dest "$WORK/bin/pos_nl" --no-text
train_of ner_es
words_of es
bash "$CONLL" "${TRAIN[@]}" --valid "$DATA/conll2002/esp.testa" --word-dict "$D/ner_es/dict.word.txt" \
    ${ADD[@]+"${ADD[@]}"} "${chars[@]}" "${ner_tags[@]}" --dest "$WORK/bin/ner_es"
train_of ner_en
words_of en
bash "$CONLL" "${TRAIN[@]}" --word-dict "$D/ner_en/dict.word.txt" ${ADD[@]+"${ADD[@]}"} "${chars[@]}" \
    "${ner_tags[@]}" --dest "$WORK/bin/ner_en" --no-text
echo "data-bins in $WORK/bin: $(ls "$WORK/bin" | tr '\n' ' ')"
