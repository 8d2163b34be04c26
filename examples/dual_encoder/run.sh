#!/usr/bin/env bash
# The comparison of Chidambaram et al. (2019) on our data (examples/dual_encoder/README.md): the multi-task dual
# encoder (translation ranking + quick-thought + NLI, round-robin) against the translation-ranking-only model,
# one multilingual model each over de/es/fr/nl-en, trained side by side for the same wall time.
#
#   bash examples/dual_encoder/run.sh [prepare|train|evaluate|all]   (default all)
#
# Environment: XLING_DATA (default ../shared/data), WORK (default work/dual_encoder), MINUTES (per model,
# default 20), THREADS (per model, default 1: the two models train side by side on 2 cores), SEED (default 1),
# MODELS (what `evaluate` scores, default "teacher ranking-seed$SEED multitask-seed$SEED"; two evaluate runs with
# different MODELS can run side by side).
set -euo pipefail
cd "$(dirname "$0")/../.."
. examples/lib.sh
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/dual_encoder}
MINUTES=${MINUTES:-20}
THREADS=${THREADS:-1}
SEED=${SEED:-1}
PYTHON=${PYTHON:-python}
HOURS=$("$PYTHON" -c "print($MINUTES / 60)")
BIN="$WORK/data-bin/words"
LANGS="de es fr nl"

prepare() {  # LibreOffice help pairs; quick-thought documents (WikiText-2 en, LibreOffice pages x5); SICK NLI
    local L="$DATA/libreoffice_help" T="$WORK/text_in"
    mkdir -p "$T"
    [[ -f "$T/wt2.train.en" ]] || "$PYTHON" -m fairseq_xling.text.documents wikitext "$DATA/wikitext2/test.txt" \
        "$T/wt2.train.en" --lang en
    [[ -f "$T/wt2.valid.en" ]] || "$PYTHON" -m fairseq_xling.text.documents wikitext "$DATA/wikitext2/valid.txt" \
        "$T/wt2.valid.en" --lang en
    for l in en $LANGS; do for s in train valid; do
        [[ -f "$T/pages.$s.$l" ]] || "$PYTHON" -m fairseq_xling.text.documents libreoffice "$L/$s.$l" "$L/ids.$s" \
            "$T/pages.$s.$l" --lang "$l"
    done; done
    [[ -f "$T/sick.train.en" ]] || "$PYTHON" -m fairseq_xling.text.sick "$DATA/sick/SICK.txt" \
        --train-out "$T/sick.train.en" --valid-out "$T/sick.valid.en"
    local args=()
    for l in $LANGS; do
        args+=(--train "$l-en" "$L/train.$l" "$L/train.en" --valid "$l-en" "$L/valid.$l" "$L/valid.en")
    done
    for l in en $LANGS; do args+=(--qt "$l" "$T/pages.train.$l" --valid-qt "$l" "$T/pages.valid.$l"); done
    bash preprocess/multilingual.sh --dest "$BIN" --subword none --lowercase --min-count 2 "${args[@]}" \
        --qt en "$T/wt2.train.en" --valid-qt en "$T/wt2.valid.en" \
        --nli en "$T/sick.train.en" --valid-nli en "$T/sick.valid.en"
}

objectives() {  # type [options] -> the objective of every en-X pair
    local out=""
    for lang in $LANGS; do out="$out${out:+,}$1:en-$lang${2:-}"; done
    echo "$out"
}

model() {  # name objectives
    local start=$SECONDS name=$1 objectives=$2
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask \
        --objectives "$objectives" --schedule alternate --arch xling_dual_encoder_cpu --encoder-normalize-before \
        --word-vocab 8000 --optimizer adam --lr 0.001 --clip-norm 5 --batch-size 100 --stop-time-hours "$HOURS" \
        --save-dir "$WORK/checkpoints/$name-seed$SEED" --save-interval-updates 1000 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 1000 --cpu --log-format simple --log-interval 100 \
        --num-workers 0 --seed "$SEED" > "$WORK/train_$name-seed$SEED.log" 2>&1
    echo "$name-seed$SEED: $((SECONDS - start)) s" | tee -a "$WORK/train_times.txt"
}

train() {  # the two models side by side, MINUTES each
    local qt="quick_thought:en" lang
    for lang in $LANGS; do qt="$qt,quick_thought:$lang"; done
    start model ranking "$(objectives ranking)"
    start model multitask "$(objectives ranking),$qt,nli:en"
    wait_jobs
}

evaluate() {  # retrieval, angular STS, eigen-similarity, zero-shot NLI for every model not yet in results.jsonl
    local L="$DATA/libreoffice_help" M="$DATA/multi30k" S="$DATA/stsb_multi_mt" X="$DATA/xnli_dev_half"
    local out="$WORK/results.jsonl" name enc lang
    touch "$out"
    for name in ${MODELS:-teacher ranking-seed$SEED multitask-seed$SEED}; do
        [[ $name == teacher || -f "$WORK/checkpoints/$name/checkpoint_last.pt" ]] || continue
        if grep -q "\"model\": \"$name\"" "$out"; then echo "== $name: scored"; continue; fi
        if [[ $name == teacher ]]; then enc=(--teacher use-m3); else
            enc=(--checkpoint "$WORK/checkpoints/$name/checkpoint_last.pt"); fi
        : > "$out.$name.tmp"
        tag() { sed "s/^{/{\"model\": \"$name\", \"set\": \"$1\", /" >> "$out.$name.tmp"; }
        for lang in $LANGS; do
            xling-eval retrieval "${enc[@]}" --src-file "$L/valid.$lang" --tgt-file "$L/valid.en" --src-lang "$lang" \
                --tgt-lang en --num-distractors all --scoring cosine | tag "libreoffice_help valid"
            xling-eval eigen "${enc[@]}" --src-file "$L/valid.$lang" --tgt-file "$L/valid.en" --src-lang "$lang" \
                --tgt-lang en | tag "libreoffice_help valid"
        done
        for lang in de fr; do
            xling-eval retrieval "${enc[@]}" --src-file "$M/val.$lang" --tgt-file "$M/val.en" --src-lang "$lang" \
                --tgt-lang en --num-distractors all --scoring cosine | tag "multi30k val"
        done
        for lang in en $LANGS; do
            xling-eval sts "${enc[@]}" --file "$S/stsb-$lang-dev.csv" --lang "$lang" --similarity angular \
                | tag "stsb_multi_mt dev"
        done
        xling-eval nli "${enc[@]}" --train "$DATA/sick/SICK.txt" --train-lang en --dev "$DATA/sick/SICK.txt" \
            --test "$X/dev-en.tsv:en" "$X/dev-de.tsv:de" "$X/dev-es.tsv:es" "$X/dev-fr.tsv:fr" --seed "$SEED" \
            | tag "SICK -> XNLI dev half"
        cat "$out.$name.tmp" >> "$out" && rm "$out.$name.tmp"  # a model's rows land together or not at all
    done
    "$PYTHON" examples/dual_encoder/table.py "$out" "$WORK/train_times.txt" > examples/dual_encoder/results.md
    cat examples/dual_encoder/results.md
}

mkdir -p "$WORK"
case "${1:-all}" in
    prepare) prepare ;;
    train) train ;;
    evaluate) evaluate ;;
    all) prepare; train; evaluate ;;
    *) echo "usage: $0 [prepare|train|evaluate|all]" >&2; exit 2 ;;
esac
