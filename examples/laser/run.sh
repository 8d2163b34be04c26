#!/usr/bin/env bash
# The LASER experiment of examples/laser/README.md: data -> LASER-style model (8 directions, into English and
# Spanish) and a bilingual fairseq baseline trained for the same wall time -> dev BLEU and retrieval error.
#
#   bash examples/laser/run.sh [prepare|train|baseline|evaluate|all]   (default all)
#
# Environment: XLING_DATA (default ../shared/data), WORK (default work/laser), MINUTES (training wall time per
# system, default 45), THREADS (per system, default 1: the two systems train side by side on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/laser}
MINUTES=${MINUTES:-45}
THREADS=${THREADS:-1}
BIN="$WORK/data-bin/spm8k"
PYTHON=${PYTHON:-python}
HOURS=$("$PYTHON" -c "print($MINUTES / 60)")

prepare() {
    L="$DATA/libreoffice_help" M="$DATA/multi30k" C="$DATA/comtrans_de_en" E="$DATA/europarl_samples"
    bash preprocess/multilingual.sh --dest "$BIN" --subword spm --vocab-size 8000 --sample-temperature 5 \
        --train de-en "$L/train.de" "$L/train.en" --train de-en "$M/train.de" "$M/train.en" \
        --train de-en "$C/comtrans.g" "$C/comtrans.e" --encoding "$C/comtrans.e=latin-1" \
        --valid de-en "$L/valid.de" "$L/valid.en" --valid de-en "$M/val.de" "$M/val.en" \
        --valid de-en "$C/comtrans-dev.g" "$C/comtrans-dev.e" --encoding "$C/comtrans-dev.e=latin-1" \
        --train fr-en "$L/train.fr" "$L/train.en" --train fr-en "$M/train.fr" "$M/train.en" \
        --train fr-en "$E/fr-en/europarl-v7.fr-en.fr" "$E/fr-en/europarl-v7.fr-en.en" \
        --valid fr-en "$L/valid.fr" "$L/valid.en" --valid fr-en "$M/val.fr" "$M/val.en" \
        --train es-en "$L/train.es" "$L/train.en" --train es-en "$E/en-es/train.es" "$E/en-es/train.en" \
        --valid es-en "$L/valid.es" "$L/valid.en" --valid es-en "$E/en-es/dev.es" "$E/en-es/dev.en" \
        --train nl-en "$L/train.nl" "$L/train.en" --valid nl-en "$L/valid.nl" "$L/valid.en" \
        --train de-es "$L/train.de" "$L/train.es" --valid de-es "$L/valid.de" "$L/valid.es" \
        --train fr-es "$L/train.fr" "$L/train.es" --valid fr-es "$L/valid.fr" "$L/valid.es" \
        --train nl-es "$L/train.nl" "$L/train.es" --valid nl-es "$L/valid.nl" "$L/valid.es"
}

train() {  # every language into English and Spanish, pairs drawn with temperature 5
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask \
        --objectives translation:de-en,translation:fr-en,translation:es-en,translation:nl-en,translation:de-es,translation:fr-es,translation:nl-es,translation:en-es \
        --schedule temperature:t=5 --arch xling_laser_lstm_cpu \
        --optimizer adam --lr 0.001 --clip-norm 5 --max-tokens 4000 --stop-time-hours "$HOURS" \
        --save-dir "$WORK/checkpoints/laser" --save-interval-updates 500 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 500 --cpu --log-format simple --log-interval 50 \
        --num-workers 0 --seed 1 2>&1 | tee "$WORK/train_laser.log"
}

baseline() {  # fairseq's own bilingual LSTM with attention, de-en only, the same data and wall time
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --task translation --source-lang de --target-lang en \
        --arch lstm_wiseman_iwslt_de_en --criterion label_smoothed_cross_entropy --label-smoothing 0.1 \
        --optimizer adam --lr 0.001 --clip-norm 5 --max-tokens 4000 --stop-time-hours "$HOURS" \
        --save-dir "$WORK/checkpoints/baseline_de_en" --save-interval-updates 500 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 500 --cpu --log-format simple --log-interval 50 \
        --num-workers 0 --seed 1 2>&1 | tee "$WORK/train_baseline.log"
}

evaluate() {
    "$PYTHON" examples/laser/evaluate.py --checkpoint "$WORK/checkpoints/laser/checkpoint_best.pt" \
        --baseline "$WORK/checkpoints/baseline_de_en" --baseline-data "$BIN" --baseline-spm "$BIN/spm.model" \
        --out "$WORK/results"
}

mkdir -p "$WORK"
case "${1:-all}" in
    prepare) prepare ;;
    train) train ;;
    baseline) baseline ;;
    evaluate) evaluate ;;
    all) prepare; train & baseline; wait; evaluate ;;
    *) echo "usage: $0 [prepare|train|baseline|evaluate|all]" >&2; exit 2 ;;
esac
