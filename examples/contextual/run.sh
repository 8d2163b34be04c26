#!/usr/bin/env bash
# The experiments of examples/contextual/README.md (van der Heijden et al. 2020): word features of a frozen
# translation-trained LASER encoder (LASER-top, LASER-elmo) against BPE-BOW, BPE-GRU and a BiLSTM without
# pretraining, each under the paper's tagger (Transformer 2 x 300, 2 heads -> CRF), trained on English and tested
# zero-shot on Dutch, Spanish, German (NER) and Dutch, Spanish, German, French (POS), plus the joint scenarios.
# The static cross-lingual baseline (the paper's MUSE vectors are not here) is the word vectors of our own JMT model
# (Singla et al. 2018) trained on the same five languages, frozen, read by the same tagger (`static`).
#
#   bash examples/contextual/run.sh [prepare|jmt|zeroshot|joint|table|all]...   (default all; steps in order)
# `jmt` trains the JMT model and makes the word-level data-bins of the static baseline; `prepare` the sub-word ones.
#
# The LASER model is examples/mmte's (`VARIANTS=laser bash examples/mmte/run.sh prepare train`: xling_laser_lstm_cpu,
# 3 x 256 BiLSTM, translation on en<->{de,es,fr,nl}); its SentencePiece model splits the tagging data.
#
# Environment:
#   XLING_DATA (default ../shared/data), WORK (default work/contextual), PYTHON (default python)
#   LASER        its checkpoint (default work/mmte/checkpoints/laser-seed1/checkpoint_best.pt)
#   NMT_BIN      its data-bin (default work/mmte/data-bin/spm8k)
#   KINDS        feature types (default "top elmo bow gru nopre static"; nopre = LSTM without pretraining, static =
#                JMT word vectors)
#   JMT_UPDATES  the JMT model's updates (default 6000, one objective per update, round-robin; about 2 updates/s
#                on 2 busy cores)
#   JMT_THREADS  its threads (default 2)
#   TASKS        default "ner pos"
#   SEEDS        default "1 2"
#   MAX_EPOCH    default 15 (the paper's), early stopping after PATIENCE (2) epochs without dev gain
#                (the paper's 2 epochs are 30-40k sentences of its full training sets, 15-20 epochs of MAX_TRAIN=2000:
#                PATIENCE=15 comes closest to it there; see the README's "Early stopping")
#   PEAK_LR      the one-cycle policy's peak lr (SGD + momentum: LASER-top/-elmo, the LSTM without pretraining;
#                default 0.01; 0.1 diverged: WikiANN en dev loss 8 -> 32 in 3 epochs of 2,000 sentences)
#   JOBS         runs side by side, one thread each (default 2)
#   CACHE_GB     LASER-top/-elmo: the frozen encoder's states kept per sentence, up to this many GB a run (default 5;
#                the encoder then runs once per sentence, not once per epoch; 0 = recompute at every epoch)
#   NER_LANGS, POS_LANGS   training languages (default "en nl es de", "en nl"; English first)
#   MAX_TRAIN    the first this many sentences of every training set (default: all; the quarters of scenario A are
#                a quarter of that); use another WORK for another size (a data-bin made for one size is not rebuilt)
set -euo pipefail
cd "$(dirname "$0")/../.."
. examples/lib.sh
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/contextual}
PYTHON=${PYTHON:-python}
LASER=${LASER:-work/mmte/checkpoints/laser-seed1/checkpoint_best.pt}
NMT_BIN=${NMT_BIN:-work/mmte/data-bin/spm8k}
KINDS=${KINDS:-top elmo bow gru nopre static}
TASKS=${TASKS:-ner pos}
SEEDS=${SEEDS:-1 2}
MAX_EPOCH=${MAX_EPOCH:-15}
PATIENCE=${PATIENCE:-2}
PEAK_LR=${PEAK_LR:-0.01}
JOBS_AT_ONCE=${JOBS:-2}
[[ $JOBS_AT_ONCE =~ ^[1-9][0-9]*$ ]] || { echo "error: JOBS=$JOBS_AT_ONCE: expected a positive number" >&2; exit 2; }
CACHE_GB=${CACHE_GB:-5}
MAX_TRAIN=${MAX_TRAIN:-}
BATCH=32
BIN="$WORK/data-bin"
WORD_BIN="$WORK/data-bin-words"  # the same splits as words (lowercased, the JMT model's dictionary): `static`
JMT_BIN="$WORK/jmt/data-bin"
JMT="$WORK/jmt/checkpoints/checkpoint_last.pt"
JMT_UPDATES=${JMT_UPDATES:-6000}
JMT_THREADS=${JMT_THREADS:-2}
UD="$DATA/udpos_xtreme"

NER_LANGS=${NER_LANGS:-en nl es de}  # the NER training sets: WikiANN en/de, CoNLL-2002 nl/es (English first)
POS_LANGS=${POS_LANGS:-en nl}        # the UD POS training sets here

ner_train() {  # LANG -> conll.sh arguments of its NER training and dev data
    case "$1" in
        en|de) echo "--format wikiann --train $DATA/wikiann/$1/train --valid $DATA/wikiann/$1/dev" ;;
        nl) echo "--format conll2002 --train $DATA/conll2002/ned.train --valid $DATA/conll2002/ned.testa" ;;
        es) echo "--format conll2002 --repair --train $DATA/conll2002/esp.train --valid $DATA/conll2002/esp.testa" ;;
    esac
}

pos_train() { echo "--format udpos --train $UD/train-$1.tsv --valid $UD/dev-$1.tsv"; }

prepare() {  # every training set split by the LASER model's sub-words, whole and its first quarter (scenario A)
    [[ -f "$NMT_BIN/preprocess.json" ]] || { echo "error: $NMT_BIN: no data-bin (make it and the LASER model:" \
        "VARIANTS=laser bash examples/mmte/run.sh prepare train)" >&2; exit 1; }
    tagging_data "$BIN" "$WORK/dicts" --subword-from "$NMT_BIN"
}

tagging_data() {  # DEST DICTS CONLL_OPTIONS...: the data-bins of every task and language, whole and first quarter;
                  # one tag dictionary per task over all its languages (two passes: each alone, then with the union)
    local dest=$1 dicts=$2 task l tags n
    shift 2
    for task in ner pos; do
        local langs=$NER_LANGS
        [[ $task == pos ]] && langs=$POS_LANGS
        tags=()
        for l in $langs; do
            # shellcheck disable=SC2046  # the *_train words are options
            bash preprocess/conll.sh --lang "$l" --task "$task" $("${task}_train" "$l") --dest "$dicts/${task}_$l" \
                "$@" --no-text
            tags+=(--tag-dict "$dicts/${task}_$l/dict.tag.txt")
        done
        for l in $langs; do
            # shellcheck disable=SC2046
            bash preprocess/conll.sh --lang "$l" --task "$task" $("${task}_train" "$l") --dest "$dest/${task}_$l" \
                "$@" "${tags[@]}" ${MAX_TRAIN:+--max-sentences "$MAX_TRAIN"} --no-text
            n=$("$PYTHON" -c "import json, sys; print(json.load(open(sys.argv[1]))['counts']['train'] // 4)" \
                "$dest/${task}_$l/preprocess.json")
            # shellcheck disable=SC2046
            bash preprocess/conll.sh --lang "$l" --task "$task" $("${task}_train" "$l") --dest "$dest/${task}_${l}_q" \
                "$@" "${tags[@]}" --max-sentences "$n" --no-text
        done
    done
}

jmt() {  # the static baseline: a JMT model on the five languages, then the tagging data as its words
    local l pairs="" mono=""
    # words (Moses-tokenised, lowercased, min count 2), one dictionary for every language (so a tagger trained on
    # English reads Dutch words with the same table); the LASER model's corpora, each side also monolingual text
    # for the skip-gram
    parallel_corpora "$DATA"
    bash preprocess/multilingual.sh --dest "$JMT_BIN" --subword none --joined --lowercase --min-count 2 \
        "${PARALLEL_CORPORA[@]}" "${MONO_SIDES[@]}"
    for l in de es fr nl; do pairs="$pairs${pairs:+,}similarity:$l-en:margin=1"; done
    for l in en de es fr nl; do mono="$mono,skipgram:$l:batch_size=64"; done
    local done_mark
    done_mark="$(dirname "$JMT")/trained_$JMT_UPDATES"  # a stopped run leaves a checkpoint; fairseq-train resumes it
    if [[ ! -f "$done_mark" ]]; then
        local start=$SECONDS
        mkdir -p "$(dirname "$JMT")"
        # Sent-Avg (the sentence vector is the mean of the word vectors): the similarity objective aligns the word
        # vectors across languages directly, which is what a static cross-lingual baseline is for; 300-d as MUSE
        OMP_NUM_THREADS=$JMT_THREADS fairseq-train "$JMT_BIN" --user-dir fairseq_xling --task xling_multitask \
            --objectives "$pairs$mono" --schedule alternate --arch xling_sent_avg_128 --embed-dim 300 \
            --optimizer adam --lr 0.001 --batch-size 50 --max-update "$JMT_UPDATES" \
            --save-dir "$(dirname "$JMT")" --no-epoch-checkpoints --save-interval-updates 3000 \
            --keep-interval-updates 1 --validate-interval-updates 3000 --cpu --log-format simple --log-interval 100 \
            --num-workers 0 --seed 1 >> "$(dirname "$JMT")/train.log" 2>&1
        echo "jmt: $((SECONDS - start)) s" >> "$WORK/times.txt"
        touch "$done_mark"
    fi
    tagging_data "$WORD_BIN" "$WORK/dicts-words" --word-dict "$JMT_BIN/dict.en.txt" --lowercase
}

updates_per_epoch() {  # DATA_BIN...: training batches of one epoch over these data-bins (BATCH sentences each)
    "$PYTHON" - "$BATCH" "$@" <<'PY'
import json, sys
batch = int(sys.argv[1])
print(sum(-(-json.load(open(f"{d}/preprocess.json"))["counts"]["train"] // batch) for d in sys.argv[2:]))
PY
}

train_run() {  # NAME KIND TASK SEED OBJECTIVE_DATA...: one tagger (the first data-bin's language selects the model)
    local name=$1 kind=$2 task=$3 seed=$4 start=$SECONDS
    shift 4
    local features=${kind/nopre/elmo}
    features=${features/static/bow}  # static: the JMT model's word vector (one token per word: nothing to average)
    local head="task=$task:features=$features:tagger=transformer:feature_dropout=0.25" objectives="" d l
    [[ $kind == static ]] && set -- "${@/#$BIN\//$WORD_BIN/}"  # its data-bins: the same splits as words
    for d in "$@"; do
        l=$(basename "$d"); l=${l#*_}; l=${l%_q}
        objectives="$objectives${objectives:+,}tagging:$l:$head:data=$d"
    done
    local encoder=(--restore-encoder "$LASER" --freeze-encoder) optim arch=(--arch xling_laser_lstm_cpu)
    local cycle=(--optimizer sgd --momentum 0.9 --lr "$PEAK_LR" --clip-norm 5 --lr-scheduler one_cycle
                 --total-num-update $(( $(updates_per_epoch "$@") * MAX_EPOCH )))
    case "$kind" in
        top|elmo) optim=("${cycle[@]}"); encoder+=(--frozen-encoder-cache-gb "$CACHE_GB") ;;
        bow|gru) optim=(--optimizer adam --lr 0.001 --weight-decay 0.001) ;;
        static) optim=(--optimizer adam --lr 0.001 --weight-decay 0.001)
                encoder=(--restore-encoder "$JMT" --freeze-encoder); arch=(--arch xling_sent_avg_128 --embed-dim 300) ;;
        nopre) encoder=(--encoder-layers 2); optim=("${cycle[@]}") ;;
    esac
    local score=f1 select="${task}_$l"
    [[ $task == pos ]] && score=accuracy
    [[ $# == 1 ]] || select=mean  # joint: the mean over the languages' dev sets, each counting once
    local metric=(--best-checkpoint-metric "$select:$score" --maximize-best-checkpoint-metric)
    mkdir -p "$WORK/checkpoints/$name"
    OMP_NUM_THREADS=1 fairseq-train "$1" --user-dir fairseq_xling --task xling_multitask --objectives "$objectives" \
        --schedule temperature:t=1 "${arch[@]}" --decoder none --no-lang-specific-layer \
        "${encoder[@]}" "${optim[@]}" --batch-size $BATCH --max-epoch "$MAX_EPOCH" --patience "$PATIENCE" \
        "${metric[@]}" --save-dir "$WORK/checkpoints/$name" --no-epoch-checkpoints --no-last-checkpoints --cpu \
        --log-format simple --log-interval 100 --num-workers 0 --seed "$seed" > "$WORK/checkpoints/$name/train.log" 2>&1
    echo "$name: $((SECONDS - start)) s" >> "$WORK/times.txt"
    evaluate "$name" "$task"
}

evaluate() {  # NAME TASK: xling-eval tagging on every dev set of the task, one JSON line each in results.jsonl
    local name=$1 task=$2 test file l format
    local tests="$DATA/wikiann/en/dev:en:wikiann $DATA/conll2002/ned.testa:nl:conll2002 \
$DATA/conll2002/esp.testa:es:conll2002 $DATA/wikiann/de/dev:de:wikiann"
    [[ $task == pos ]] && tests="$UD/dev-en.tsv:en:udpos $UD/dev-nl.tsv:nl:udpos $UD/dev-es.tsv:es:udpos \
$UD/dev-de.tsv:de:udpos $UD/dev-fr.tsv:fr:udpos"
    for test in $tests; do
        IFS=: read -r file l format <<< "$test"
        OMP_NUM_THREADS=1 xling-eval tagging --checkpoint "$WORK/checkpoints/$name/checkpoint_best.pt" \
            --input "$file" --format "$format" --lang "$l" --repair | sed "s/^{/{\"model\": \"$name\", /" \
            >> "$WORK/results.jsonl"
    done
}

queue() {  # NAME ARGS...: train_run unless NAME has results; at most JOBS side by side
    grep -q "\"model\": \"$1\"" "$WORK/results.jsonl" 2>/dev/null && return 0
    start_at_most "$JOBS_AT_ONCE" train_run "$@"
}

zeroshot() {  # Table 2: trained on English (zero-shot to the others), and each language on its own data
    local kind task seed l langs
    for seed in $SEEDS; do for task in $TASKS; do for kind in $KINDS; do
        langs=$NER_LANGS
        [[ $task == pos ]] && langs=$POS_LANGS
        for l in $langs; do
            queue "$task-mono_$l-$kind-seed$seed" "$kind" "$task" "$seed" "$BIN/${task}_$l"
        done
    done; done; done
    wait_jobs
}

joint() {  # Table 3: scenario A = a quarter of each language's training set; B = all of English + those quarters
    local kind task seed l langs quarters
    for seed in $SEEDS; do for task in $TASKS; do for kind in $KINDS; do
        langs=$NER_LANGS
        [[ $task == pos ]] && langs=$POS_LANGS
        quarters=()
        for l in ${langs#en }; do quarters+=("$BIN/${task}_${l}_q"); done
        queue "$task-jointA-$kind-seed$seed" "$kind" "$task" "$seed" "$BIN/${task}_en_q" "${quarters[@]}"
        queue "$task-jointB-$kind-seed$seed" "$kind" "$task" "$seed" "$BIN/${task}_en" "${quarters[@]}"
    done; done; done
    wait_jobs
}

table() {
    touch "$WORK/times.txt"  # empty when no run was timed here
    "$PYTHON" examples/contextual/table.py "$WORK/results.jsonl" --times "$WORK/times.txt" \
        --out examples/contextual/results.md --plot examples/contextual/zeroshot.png
}

mkdir -p "$WORK"
for step in "${@:-all}"; do  # every step known before any runs
    [[ $step =~ ^(prepare|jmt|zeroshot|joint|table|all)$ ]] || {
        echo "usage: $0 [prepare|jmt|zeroshot|joint|table|all]... (not: $step)" >&2; exit 2; }
done
for step in "${@:-all}"; do  # the steps named, in order
    case "$step" in
        prepare) prepare ;;
        jmt) jmt ;;
        zeroshot) zeroshot ;;
        joint) joint ;;
        table) table ;;
        all) prepare; jmt; zeroshot; joint; table ;;
    esac
done
