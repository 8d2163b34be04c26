#!/usr/bin/env bash
# The distillation experiment of examples/distill/README.md (Reimers & Gurevych 2020): a BiLSTM-avg student
# (Singla et al.'s Sent-LSTM, 512-d) trained to map English sentences and their German, Spanish, French and Dutch
# translations onto a multilingual teacher's vector of the English sentence, next to the same student trained
# with the similarity (hinge) objective on the same pairs, and next to the teacher itself. The distilled student also
# matches the teacher on English monolingual text (`distill:en`, WikiText-2 sentences), as the paper's students see
# the teacher's own language beside the translations.
#
#   bash examples/distill/run.sh [prepare|teacher|distill|distill_pairs|baseline|students|laser|transformers|
#                                 evaluate|all]                                                       (default all)
# `distill_pairs` is the distilled student without the monolingual text (translation pairs only).
# `laser` distils the LASER encoder (xling_laser_lstm_cpu: 3-layer BiLSTM, max-pooled, 512-d) alone, two threads.
# `transformers` trains the Transformer encoder of Chidambaram et al. (xling_dual_encoder_cpu: hashed n-grams,
# 3 layers, 256-d) twice side by side: distilled, and with the in-batch ranking objective instead.
#
# Environment: XLING_DATA (default ../shared/data), WORK (default work/distill), TEACHER (default use-m3),
# MINUTES (training wall time per student, default 30), THREADS (per student, default 1: the two students
# train side by side on 2 cores), SEEDS (space-separated training seeds, default 1; checkpoints, result rows and
# times carry the seed, and the table gives the mean and range over seeds).
set -euo pipefail
cd "$(dirname "$0")/../.."
. examples/lib.sh
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/distill}
TEACHER=${TEACHER:-use-m3}
MINUTES=${MINUTES:-30}
THREADS=${THREADS:-1}
SEEDS=${SEEDS:-1}
PYTHON=${PYTHON:-python}
HOURS=$("$PYTHON" -c "print($MINUTES / 60)")
BIN="$WORK/data-bin/spm8k"
LANGS="de es fr nl"

prepare() {  # en-X pairs of every parallel corpus here; LibreOffice help valid is the data-bin's valid split
    parallel_corpora "$DATA"
    bash preprocess/multilingual.sh --dest "$BIN" --subword spm --vocab-size 8000 --sample-temperature 5 \
        "${PARALLEL_CORPORA[@]}" --mono en "$(mono_text)"
}

mono_text() {  # English monolingual text, one sentence a line: WikiText-2's sentences (its test file: the train
               # file is not in ../shared/data, and the experiment never evaluates on WikiText); -> its path
    local out="$WORK/text/wikitext2.en"
    if [[ ! -f "$out" ]]; then
        mkdir -p "$WORK/text"
        "$PYTHON" -m fairseq_xling.text.documents wikitext "$DATA/wikitext2/test.txt" "$out.docs" --lang en >&2
        grep -v '^$' "$out.docs" > "$out.tmp" && mv "$out.tmp" "$out" && rm "$out.docs"  # documents -> sentences
    fi
    echo "$out"
}

teacher() {  # the teacher's vectors of every English sentence of the data-bin (train and valid)
    xling-teacher "$BIN" --teacher "$TEACHER" --langs en --threads 2
}

student() {  # name objectives [arch and its options]; the seed is $SEED (default: the first of $SEEDS)
    local start=$SECONDS seed=${SEED:-${SEEDS%% *}} objectives=$2
    local name="$1-s$seed"
    shift 2
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask \
        --objectives "$objectives" --schedule temperature:t=5 "${@:---arch=xling_sent_lstm_512}" \
        --optimizer adam --lr 0.001 --clip-norm 5 --batch-size 64 --stop-time-hours "$HOURS" \
        --save-dir "$WORK/checkpoints/$name" --save-interval-updates 1000 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 1000 --cpu --log-format simple --log-interval 100 \
        --num-workers 0 --seed "$seed" > "$WORK/train_$name.log" 2>&1
    echo "$name: $((SECONDS - start)) s" | tee -a "$WORK/train_times.txt"
}

students() {  # per seed: the distilled student and the baseline, side by side for the same wall time
    for SEED in $SEEDS; do
        start student distill "$(distill_objectives)"
        start student baseline "$(objectives similarity ":margin=1")"
        wait_jobs
    done
}

distill_objectives() {  # every en-X pair and the English monolingual text, onto the teacher's vectors
    echo "$(objectives distill ":teacher=$TEACHER"),distill:en:teacher=$TEACHER"
}

objectives() {  # type [options] -> the objective of every en-X pair
    local out=""
    for lang in $LANGS; do out="$out${out:+,}$1:en-$lang$2"; done
    echo "$out"
}

evaluate() {  # retrieval over whole dev sets (LibreOffice help valid, Multi30k val) and STS dev, the teacher and
              # every trained run (checkpoints/MODEL-sSEED) not yet in results.jsonl (delete a run's rows, or the
              # file, to score it again)
    local out="$WORK/results.jsonl" run model seed dir
    touch "$out"
    for run in teacher $(cd "$WORK/checkpoints" 2>/dev/null && ls -d -- *-s[0-9]* 2>/dev/null); do
        dir="$WORK/checkpoints/$run"
        [[ $run == teacher || -f "$dir/checkpoint_last.pt" ]] || continue
        if grep -q "\"run\": \"$run\"" "$out"; then echo "== $run: scored"; continue; fi
        if [[ $run == teacher ]]; then model=teacher seed=null enc=(--teacher "$TEACHER"); else
            model=${run%-s*} seed=${run##*-s} enc=(--checkpoint "$dir/checkpoint_last.pt"); fi
        score "{\"run\": \"$run\", \"model\": \"$model\", \"seed\": $seed, " "${enc[@]}" > "$out.tmp"
        cat "$out.tmp" >> "$out" && rm "$out.tmp"  # a run's rows land together or not at all
    done
    touch "$WORK/train_times.txt"  # empty when only references were scored
    write_table examples/distill/results.md "$PYTHON" examples/distill/table.py "$out" "$WORK/train_times.txt"
    cat examples/distill/results.md
}

score() {  # ROW_PREFIX ENCODER_OPTIONS...: the rows of one encoder on every dev set, each opened with ROW_PREFIX
    local prefix=$1 L="$DATA/libreoffice_help" M="$DATA/multi30k" S="$DATA/stsb_multi_mt" lang
    shift
    for lang in $LANGS; do
        xling-eval retrieval "$@" --src-file "$L/valid.$lang" --tgt-file "$L/valid.en" \
            --src-lang "$lang" --tgt-lang en --num-distractors all --scoring cosine \
            | sed "s/^{/$prefix\"set\": \"libreoffice_help valid\", /"
    done
    for lang in de fr; do
        xling-eval retrieval "$@" --src-file "$M/val.$lang" --tgt-file "$M/val.en" \
            --src-lang "$lang" --tgt-lang en --num-distractors all --scoring cosine \
            | sed "s/^{/$prefix\"set\": \"multi30k val\", /"
    done
    for lang in en $LANGS; do
        xling-eval sts "$@" --file "$S/stsb-$lang-dev.csv" --lang "$lang" \
            | sed "s/^{/$prefix\"set\": \"stsb_multi_mt dev\", /"
    done
}

mkdir -p "$WORK"
case "${1:-all}" in
    prepare) prepare ;;
    teacher) teacher ;;
    distill) student distill "$(distill_objectives)" ;;
    distill_pairs) student distill_pairs "$(objectives distill ":teacher=$TEACHER")" ;;
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
    *) echo "usage: $0 [prepare|teacher|distill|distill_pairs|baseline|students|laser|transformers|evaluate|all]" >&2
       exit 2 ;;
esac
