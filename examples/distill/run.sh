#!/usr/bin/env bash
# The distillation experiment of examples/distill/README.md (Reimers & Gurevych 2020): a BiLSTM-avg student
# (Singla et al.'s Sent-LSTM, 512-d) trained to map English sentences and their German, Spanish, French and Dutch
# translations onto a multilingual teacher's vector of the English sentence, next to the same student trained
# with the similarity (hinge) objective on the same pairs, and next to the teacher itself.
#
#   bash examples/distill/run.sh [prepare|teacher|distill|baseline|students|laser|transformers|evaluate|all]
#                                                                                                    (default all)
# `laser` distils the LASER encoder (xling_laser_lstm_cpu: 3-layer BiLSTM, max-pooled, 512-d) alone, two threads.
# `transformers` trains the Transformer encoder of Chidambaram et al. (xling_dual_encoder_cpu: hashed n-grams,
# 3 layers, 256-d) twice side by side: distilled, and with the in-batch ranking objective instead.
#
# Environment: XLING_DATA (default ../shared/data), WORK (default work/distill), TEACHER (default use-m3),
# MINUTES (training wall time per student, default 30), THREADS (per student, default 1: the two students
# train side by side on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
. examples/lib.sh
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/distill}
TEACHER=${TEACHER:-use-m3}
MINUTES=${MINUTES:-30}
THREADS=${THREADS:-1}
PYTHON=${PYTHON:-python}
HOURS=$("$PYTHON" -c "print($MINUTES / 60)")
BIN="$WORK/data-bin/spm8k"
LANGS="de es fr nl"

prepare() {  # en-X pairs of every parallel corpus here; LibreOffice help valid is the data-bin's valid split
    L="$DATA/libreoffice_help" M="$DATA/multi30k" C="$DATA/comtrans_de_en" E="$DATA/europarl_samples"
    bash preprocess/multilingual.sh --dest "$BIN" --subword spm --vocab-size 8000 --sample-temperature 5 \
        --train de-en "$L/train.de" "$L/train.en" --train de-en "$M/train.de" "$M/train.en" \
        --train de-en "$C/comtrans.g" "$C/comtrans.e" --encoding "$C/comtrans.e=latin-1" \
        --train fr-en "$L/train.fr" "$L/train.en" --train fr-en "$M/train.fr" "$M/train.en" \
        --train fr-en "$E/fr-en/europarl-v7.fr-en.fr" "$E/fr-en/europarl-v7.fr-en.en" \
        --train es-en "$L/train.es" "$L/train.en" --train es-en "$E/en-es/train.es" "$E/en-es/train.en" \
        --train nl-en "$L/train.nl" "$L/train.en" \
        --valid de-en "$L/valid.de" "$L/valid.en" --valid fr-en "$L/valid.fr" "$L/valid.en" \
        --valid es-en "$L/valid.es" "$L/valid.en" --valid nl-en "$L/valid.nl" "$L/valid.en"
}

teacher() {  # the teacher's vectors of every English sentence of the data-bin (train and valid)
    xling-teacher "$BIN" --teacher "$TEACHER" --langs en --threads 2
}

student() {  # name objectives [arch and its options]
    local start=$SECONDS name=$1 objectives=$2
    shift 2
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask \
        --objectives "$objectives" --schedule temperature:t=5 "${@:---arch=xling_sent_lstm_512}" \
        --optimizer adam --lr 0.001 --clip-norm 5 --batch-size 64 --stop-time-hours "$HOURS" \
        --save-dir "$WORK/checkpoints/$name" --save-interval-updates 1000 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 1000 --cpu --log-format simple --log-interval 100 \
        --num-workers 0 --seed 1 > "$WORK/train_$name.log" 2>&1
    echo "$name: $((SECONDS - start)) s" | tee -a "$WORK/train_times.txt"
}

students() {  # the distilled student and the baseline, side by side for the same wall time
    start student distill "$(objectives distill ":teacher=$TEACHER")"
    start student baseline "$(objectives similarity ":margin=1")"
    wait_jobs
}

objectives() {  # type [options] -> the objective of every en-X pair
    local out=""
    for lang in $LANGS; do out="$out${out:+,}$1:en-$lang$2"; done
    echo "$out"
}

evaluate() {  # retrieval over whole dev sets (LibreOffice help valid, Multi30k val) and STS dev, every model not
              # yet in results.jsonl (delete a model's rows, or the file, to score it again)
    local L="$DATA/libreoffice_help" M="$DATA/multi30k" S="$DATA/stsb_multi_mt" out="$WORK/results.jsonl"
    touch "$out"
    for model in teacher distill baseline laser transformer transformer_ranking; do
        [[ $model == teacher || -f "$WORK/checkpoints/$model/checkpoint_last.pt" ]] || continue
        if grep -q "\"model\": \"$model\"" "$out"; then echo "== $model: scored"; continue; fi
        if [[ $model == teacher ]]; then enc=(--teacher "$TEACHER"); else
            enc=(--checkpoint "$WORK/checkpoints/$model/checkpoint_last.pt"); fi
        : > "$out.tmp"
        for lang in $LANGS; do
            xling-eval retrieval "${enc[@]}" --src-file "$L/valid.$lang" --tgt-file "$L/valid.en" \
                --src-lang "$lang" --tgt-lang en --num-distractors all --scoring cosine \
                | sed "s/^{/{\"model\": \"$model\", \"set\": \"libreoffice_help valid\", /" >> "$out.tmp"
        done
        for lang in de fr; do
            xling-eval retrieval "${enc[@]}" --src-file "$M/val.$lang" --tgt-file "$M/val.en" \
                --src-lang "$lang" --tgt-lang en --num-distractors all --scoring cosine \
                | sed "s/^{/{\"model\": \"$model\", \"set\": \"multi30k val\", /" >> "$out.tmp"
        done
        for lang in en $LANGS; do
            xling-eval sts "${enc[@]}" --file "$S/stsb-$lang-dev.csv" --lang "$lang" \
                | sed "s/^{/{\"model\": \"$model\", \"set\": \"stsb_multi_mt dev\", /" >> "$out.tmp"
        done
        cat "$out.tmp" >> "$out" && rm "$out.tmp"  # a model's rows land together or not at all
    done
    "$PYTHON" examples/distill/table.py "$out" "$WORK/train_times.txt" > examples/distill/results.md
    cat examples/distill/results.md
}

mkdir -p "$WORK"
case "${1:-all}" in
    prepare) prepare ;;
    teacher) teacher ;;
    distill) student distill "$(objectives distill ":teacher=$TEACHER")" ;;
    laser) THREADS=2 student laser "$(objectives distill ":teacher=$TEACHER")" --arch xling_laser_lstm_cpu \
               --decoder none ;;
    baseline) student baseline "$(objectives similarity ":margin=1")" ;;
    evaluate) evaluate ;;
    students) students ;;
    transformers)
        arch=(--arch xling_dual_encoder_cpu --encoder-normalize-before)  # pre-norm: Adam 1e-3 without warm-up
        start student transformer "$(objectives distill ":teacher=$TEACHER")" "${arch[@]}"
        start student transformer_ranking "$(objectives ranking ":symmetric=true")" "${arch[@]}"
        wait_jobs ;;
    all) prepare; teacher; students; evaluate ;;
    *) echo "usage: $0 [prepare|teacher|distill|baseline|students|laser|transformers|evaluate|all]" >&2; exit 2 ;;
esac
