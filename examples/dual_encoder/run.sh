#!/usr/bin/env bash
# The comparison of Chidambaram et al. (2019) on our data (examples/dual_encoder/README.md): the multi-task dual
# encoder (translation ranking + quick-thought + NLI, round-robin) against the translation-ranking-only model,
# one multilingual model each over de/es/fr/nl-en, trained side by side for the same wall time, next to two
# pretrained multilingual encoders as references.
#
#   bash examples/dual_encoder/run.sh [prepare|train|lazy|sgd|evaluate|all]   (default all)
# `lazy` trains the ranking-only model with sparse embedding tables and lazy Adam (`--sparse-embeddings --optimizer
# lazy_adam`), every seed of SEEDS side by side, to compare it with the dense model of `train`; `sgd` the same
# model with the paper's optimiser (SGD 0.008, embedding gradients x 100, no clipping; sparse tables).
#
# Environment: XLING_DATA (default ../shared/data), WORK (default work/dual_encoder), MINUTES (per model,
# default 20), THREADS (per model, default 1: two models train side by side on 2 cores), SEEDS (space-separated
# training seeds, default 1; runs are MODEL-sSEED, and the tables give the mean and spread over seeds),
# REFERENCES (pretrained encoders `evaluate` scores, default "use-m3 e5-small"; the `teachers` extra), RUNS (what
# `evaluate` scores, default: the references and every trained run; two evaluate runs with different RUNS can run
# side by side).
set -euo pipefail
cd "$(dirname "$0")/../.."
. examples/lib.sh
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/dual_encoder}
MINUTES=${MINUTES:-20}
THREADS=${THREADS:-1}
SEEDS=${SEEDS:-1}
REFERENCES=${REFERENCES-use-m3 e5-small}
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

model() {  # name seed objectives [options...]
    local start=$SECONDS run="$1-s$2" seed=$2 objectives=$3
    shift 3
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask \
        --objectives "$objectives" --schedule alternate --arch xling_dual_encoder_cpu --encoder-normalize-before \
        --word-vocab 8000 --optimizer adam --lr 0.001 --clip-norm 5 --batch-size 100 --stop-time-hours "$HOURS" \
        --save-dir "$WORK/checkpoints/$run" --save-interval-updates 1000 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 1000 --cpu --log-format simple --log-interval 100 \
        --num-workers 0 --seed "$seed" "$@" > "$WORK/train_$run.log" 2>&1
    echo "$run: $((SECONDS - start)) s" | tee -a "$WORK/train_times.txt"
}

train() {  # per seed, the two models side by side, MINUTES each
    local qt="quick_thought:en" lang seed
    for lang in $LANGS; do qt="$qt,quick_thought:$lang"; done
    for seed in $SEEDS; do
        start model ranking "$seed" "$(objectives ranking)"
        start model multitask "$seed" "$(objectives ranking),$qt,nli:en"
        wait_jobs
    done
}

lazy() {  # the ranking-only model with sparse tables and lazy Adam, two seeds side by side (later options win)
    local seed
    for seed in $SEEDS; do
        start model ranking_lazy "$seed" "$(objectives ranking)" --sparse-embeddings --optimizer lazy_adam
    done
    wait_jobs
}

evaluate() {  # retrieval, angular STS, eigen-similarity, zero-shot NLI for the references and every trained run
              # (checkpoints/MODEL-sSEED) not yet in results.jsonl (delete a run's rows to score it again)
    local out="$WORK/results.jsonl" run
    touch "$out"
    for run in ${RUNS:-$REFERENCES $(cd "$WORK/checkpoints" 2>/dev/null && ls -d -- *-s[0-9]* 2>/dev/null)}; do
        if grep -q "\"run\": \"$run\"" "$out"; then echo "== $run: scored"; continue; fi
        echo "== $run" >&2
        if [[ " $REFERENCES " == *" $run "* ]]; then
            score "{\"run\": \"$run\", \"model\": \"$run\", \"train_seed\": null, " 1 --teacher "$run" > "$out.$run.tmp"
        else
            [[ -f "$WORK/checkpoints/$run/checkpoint_last.pt" ]] || {
                echo "warning: $run: neither a reference (REFERENCES) nor a run with a checkpoint; skipped" >&2
                continue; }
            score "{\"run\": \"$run\", \"model\": \"${run%-s*}\", \"train_seed\": ${run##*-s}, " "${run##*-s}" \
                --checkpoint "$WORK/checkpoints/$run/checkpoint_last.pt" > "$out.$run.tmp"
        fi
        cat "$out.$run.tmp" >> "$out" && rm "$out.$run.tmp"  # a run's rows land together or not at all
    done
    touch "$WORK/train_times.txt"  # empty when only references were scored
    write_table examples/dual_encoder/results.md \
        "$PYTHON" examples/dual_encoder/table.py "$out" "$WORK/train_times.txt"
    cat examples/dual_encoder/results.md
}

score() {  # ROW_PREFIX SEED ENCODER_OPTIONS...: the rows of one encoder on every dev set, each opened with ROW_PREFIX
    local prefix=$1 seed=$2 L="$DATA/libreoffice_help" M="$DATA/multi30k" S="$DATA/stsb_multi_mt" lang
    local X="$DATA/xnli_dev_half"
    shift 2
    tag() { sed "s/^{/$prefix\"set\": \"$1\", /"; }
    for lang in $LANGS; do
        xling-eval retrieval "$@" --src-file "$L/valid.$lang" --tgt-file "$L/valid.en" --src-lang "$lang" \
            --tgt-lang en --num-distractors all --scoring cosine | tag "libreoffice_help valid"
        xling-eval eigen "$@" --src-file "$L/valid.$lang" --tgt-file "$L/valid.en" --src-lang "$lang" \
            --tgt-lang en | tag "libreoffice_help valid"
    done
    for lang in de fr; do
        xling-eval retrieval "$@" --src-file "$M/val.$lang" --tgt-file "$M/val.en" --src-lang "$lang" \
            --tgt-lang en --num-distractors all --scoring cosine | tag "multi30k val"
    done
    for lang in en $LANGS; do
        xling-eval sts "$@" --file "$S/stsb-$lang-dev.csv" --lang "$lang" --similarity angular \
            | tag "stsb_multi_mt dev"
    done
    xling-eval nli "$@" --train "$DATA/sick/SICK.txt" --train-lang en --dev "$DATA/sick/SICK.txt" \
        --test "$X/dev-en.tsv:en" "$X/dev-de.tsv:de" "$X/dev-es.tsv:es" "$X/dev-fr.tsv:fr" --seed "$seed" \
        | tag "SICK -> XNLI dev half"
}

sgd() {  # the ranking-only model trained as the paper: SGD lr 0.008, embedding gradients x 100
    local seed
    for seed in $SEEDS; do
        start model ranking_sgd "$seed" "$(objectives ranking)" --sparse-embeddings --optimizer sparse_sgd --lr 0.008 \
            --embedding-grad-scale 100 --clip-norm 0
    done
    wait_jobs
}

mkdir -p "$WORK"
case "${1:-all}" in
    prepare) prepare ;;
    train) train ;;
    lazy) lazy ;;
    sgd) sgd ;;
    evaluate) evaluate ;;
    all) prepare; train; evaluate ;;
    *) echo "usage: $0 [prepare|train|lazy|sgd|evaluate|all]" >&2; exit 2 ;;
esac
