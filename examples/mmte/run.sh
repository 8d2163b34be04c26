#!/usr/bin/env bash
# The MMTE experiment of examples/mmte/README.md (Siddhant et al. 2020): a multilingual Transformer NMT model on
# en<->{de, es, fr, nl} (8 directions, the paper's "4x4" setting), in its two variants (the <2xx> token prepended
# to the source, or encoded separately so that the source states never see it), trained side by side for the same
# wall time, then sacreBLEU per direction on the LibreOffice help dev set through fairseq-generate; then each
# encoder is fine-tuned on English (UD POS with MMTE's first-sub-word head, full and frozen; SICK NLI with its
# max-pool pair classifier; WikiANN NER) and tested zero-shot on the other languages' dev sets; POS also few-shot
# (+ 10 Dutch sentences upsampled to 1,000) and joint (+ all of Dutch UD).
#
#   bash examples/mmte/run.sh [prepare|train|evaluate|finetune|transfer|all]   (default all)
#
# Environment:
#   XLING_DATA (default ../shared/data), WORK (default work/mmte), PYTHON (default python)
#   MINUTES      training time per model (default 40); `train` again with a larger one continues from
#                checkpoint_last.pt (fairseq counts the training time across restarts)
#   MAX_UPDATE   updates per model (default 0: no limit): a second seed trains as many updates as the first
#   THREADS      per model (default 1: the two variants train side by side on 2 cores)
#   SEED         of the translation model (default 1)
#   VARIANTS     default "source separate"; "laser" is the LASER BiLSTM encoder-decoder (xling_laser_lstm_cpu)
#                on the same data with the same schedule, for the side by side
#   RUNS         the fine-tuning runs of `finetune` and `transfer` (default "pos-full pos-frozen pos-fewshot
#                pos-joint ner-full nli-full")
#   FT_MINUTES   per fine-tuning run (default 6)
#   FT_SEED      of `finetune` (default SEED; another one names the models RUN-VARIANT-seedSEED-ftFT_SEED)
#   BEAM         of `evaluate` (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
. examples/lib.sh
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/mmte}
MINUTES=${MINUTES:-40}
MAX_UPDATE=${MAX_UPDATE:-0}
FT_MINUTES=${FT_MINUTES:-6}
THREADS=${THREADS:-1}
SEED=${SEED:-1}
FT_SEED=${FT_SEED:-$SEED}
VARIANTS=${VARIANTS:-source separate}
RUNS=${RUNS:-pos-full pos-frozen pos-fewshot pos-joint ner-full nli-full}
BEAM=${BEAM:-5}
PYTHON=${PYTHON:-python}
HOURS=$("$PYTHON" -c "print($MINUTES / 60)")
FT_HOURS=$("$PYTHON" -c "print($FT_MINUTES / 60)")
UD="$DATA/udpos_xtreme"
BIN="$WORK/data-bin/spm8k"
LANGS="de es fr nl"

prepare() {  # the pairs of every corpus we have; dev = LibreOffice help valid (5-way parallel); SICK for NLI later
    local L="$DATA/libreoffice_help" M="$DATA/multi30k" C="$DATA/comtrans_de_en" E="$DATA/europarl_samples"
    local T="$WORK/text_in"
    mkdir -p "$T"
    [[ -f "$T/sick.train.en" ]] || "$PYTHON" -m fairseq_xling.text.sick "$DATA/sick/SICK.txt" \
        --train-out "$T/sick.train.en" --valid-out "$T/sick.valid.en"
    local args=()
    for l in $LANGS; do
        args+=(--train "$l-en" "$L/train.$l" "$L/train.en" --valid "$l-en" "$L/valid.$l" "$L/valid.en")
    done
    bash preprocess/multilingual.sh --dest "$BIN" --subword spm --vocab-size 8000 --sample-temperature 5 "${args[@]}" \
        --train de-en "$M/train.de" "$M/train.en" --train fr-en "$M/train.fr" "$M/train.en" \
        --train de-en "$C/comtrans.g" "$C/comtrans.e" --encoding "$C/comtrans.e=latin-1" \
        --train fr-en "$E/fr-en/europarl-v7.fr-en.fr" "$E/fr-en/europarl-v7.fr-en.en" \
        --train es-en "$E/en-es/train.es" "$E/en-es/train.en" \
        --nli en "$T/sick.train.en" --valid-nli en "$T/sick.valid.en"
    # English UD POS as words split by the same SentencePiece model (dev: English, for model selection); Dutch
    # with the same tag dictionary: all of it (joint) and its first 10 sentences (few-shot, no dev)
    bash preprocess/conll.sh --format udpos --lang en --train "$UD/train-en.tsv" --valid "$UD/dev-en.tsv" \
        --dest "$WORK/data-bin/pos_en" --subword-from "$BIN"
    bash preprocess/conll.sh --format udpos --lang nl --train "$UD/train-nl.tsv" --valid "$UD/dev-nl.tsv" \
        --dest "$WORK/data-bin/pos_nl" --subword-from "$BIN" --tag-dict "$WORK/data-bin/pos_en/dict.tag.txt"
    bash preprocess/conll.sh --format udpos --lang nl --train "$UD/train-nl.tsv" --max-sentences 10 \
        --dest "$WORK/data-bin/pos_nl10" --subword-from "$BIN" --tag-dict "$WORK/data-bin/pos_en/dict.tag.txt"
    # English NER: WikiANN (PER, LOC, ORG; BIOES), for zero-shot CoNLL-2002 Dutch and Spanish
    bash preprocess/conll.sh --format wikiann --lang en --train "$DATA/wikiann/en/train" \
        --valid "$DATA/wikiann/en/dev" --dest "$WORK/data-bin/ner_en" --subword-from "$BIN"
}

directions() {  # label smoothing 0.1 in every direction
    local out=""
    for l in $LANGS; do out="$out${out:+,}translation:$l-en:label_smoothing=0.1,translation:en-$l:label_smoothing=0.1"; done
    echo "$out"
}

arch() {  # VARIANT: its architecture options (one word each)
    case "$1" in
        laser) echo "--arch xling_laser_lstm_cpu" ;;
        *) echo "--arch xling_mmte_cpu --target-token $1" ;;
    esac
}

model() {  # variant: <2xx> in the source, or encoded separately (or the LASER model)
    local start=$SECONDS name="$1-seed$SEED"
    # shellcheck disable=SC2046  # arch's words are options
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask \
        --objectives "$(directions)" --schedule temperature:t=5 $(arch "$1") \
        --optimizer adam --adam-betas '(0.9, 0.98)' --lr 0.001 --lr-scheduler inverse_sqrt --warmup-updates 1000 \
        --clip-norm 1 --max-tokens 4000 --stop-time-hours "$HOURS" --max-update "$MAX_UPDATE" \
        --save-dir "$WORK/checkpoints/$name" --save-interval-updates 1000 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 1000 --cpu --log-format simple --log-interval 100 \
        --num-workers 0 --seed "$SEED" >> "$WORK/train_$name.log" 2>&1
    local limit="$MINUTES min"
    [[ $MAX_UPDATE == 0 ]] || limit="$limit or $MAX_UPDATE updates"
    echo "$name: $((SECONDS - start)) s (up to $limit of training in all)" >> "$WORK/times.txt"
}

train() {
    each_variant model
}

evaluate_variant() {  # sacreBLEU per direction on the dev split, through fairseq-generate (beam BEAM)
    local name="$1-seed$SEED" out="$WORK/results/$1-seed$SEED"
    mkdir -p "$out"
    for l in $LANGS; do for dir in "$l-en" "en-$l"; do
        OMP_NUM_THREADS=$THREADS fairseq-generate "$BIN" --user-dir fairseq_xling --task xling_multitask \
            --objectives "translation:$dir" --path "$WORK/checkpoints/$name/checkpoint_best.pt" --gen-subset valid \
            --beam "$BEAM" --max-len-a 1.5 --max-len-b 10 --batch-size 64 --post-process sentencepiece \
            --scoring sacrebleu --cpu \
            > "$out/generate.$dir.txt" 2> "$out/generate.$dir.log"
        "$PYTHON" - "$name" "$dir" "$out/generate.$dir.txt" "$out/generate.$dir.log" "$BEAM" >> "$out/bleu.jsonl" <<'PY'
import json, re, sys
name, direction, text, log, beam = sys.argv[1:]
out = open(text, encoding="utf-8").read() + open(log, encoding="utf-8").read()
bleu = re.search(r"BLEU = ([\d.]+)", out)
speed = re.search(r"Translated ([\d,]+) sentences .* \(([\d.]+) sentences/s", out)
if not bleu or not speed:
    sys.exit(f"{log}: no BLEU score or speed line; fairseq-generate failed?")
print(json.dumps({"task": "bleu", "model": name, "direction": direction, "beam": int(beam),
                  "bleu": float(bleu.group(1)), "sentences": int(speed.group(1).replace(",", "")),
                  "sentences_per_s": float(speed.group(2))}))
PY
    done; done
}

evaluate() {
    for v in $VARIANTS; do rm -f "$WORK/results/$v-seed$SEED/bleu.jsonl"; done
    each_variant evaluate_variant
}

model_name() {  # RUN VARIANT: the fine-tuned model's name
    if [[ $FT_SEED == "$SEED" ]]; then echo "$1-$2-seed$SEED"; else echo "$1-$2-seed$SEED-ft$FT_SEED"; fi
}

fine_tune() {  # variant name data objectives [options]: the variant's NMT encoder fine-tuned on English
    local variant=$1 run=$2 name data=$3 objectives=$4 start=$SECONDS
    name=$(model_name "$run" "$variant")
    shift 4
    [[ " $RUNS " == *" $run "* ]] || return 0
    # shellcheck disable=SC2046  # arch's words are options
    OMP_NUM_THREADS=$THREADS fairseq-train "$data" --user-dir fairseq_xling --task xling_multitask \
        --objectives "$objectives" $(arch "$variant") --decoder none \
        --restore-encoder "$WORK/checkpoints/$variant-seed$SEED/checkpoint_best.pt" "$@" \
        --optimizer adam --clip-norm 1 --stop-time-hours "$FT_HOURS" --max-epoch 20 \
        --save-dir "$WORK/checkpoints/$name" --no-epoch-checkpoints --no-last-checkpoints --cpu \
        --log-format simple --log-interval 100 --num-workers 0 --seed "$FT_SEED" > "$WORK/train_$name.log" 2>&1
    echo "$name: $((SECONDS - start)) s" >> "$WORK/times.txt"
}

fine_tune_variant() {  # the paper's heads: POS = first sub-word -> 784 ReLU -> softmax; NLI = max-pool classifier
    local head="task=pos:pool=first:hidden=784" v=$1
    local pos="tagging:en:$head" few="tagging:nl:$head:data=$WORK/data-bin/pos_nl10:upsample=100"
    local nl="tagging:nl:$head:data=$WORK/data-bin/pos_nl"
    fine_tune "$v" pos-full "$WORK/data-bin/pos_en" "$pos" --tag-head softmax --no-lang-specific-layer \
        --lr 0.0001 --batch-size 32
    fine_tune "$v" pos-frozen "$WORK/data-bin/pos_en" "$pos" --tag-head softmax --no-lang-specific-layer \
        --freeze-encoder --lr 0.001 --batch-size 32
    # few-shot: English + 10 Dutch sentences upsampled to 1,000, updates drawn in proportion to the data
    fine_tune "$v" pos-fewshot "$WORK/data-bin/pos_en" "$pos,$few" --schedule temperature:t=1 --tag-head softmax \
        --no-lang-specific-layer --lr 0.0001 --batch-size 32
    # joint: one model on English and all of Dutch
    fine_tune "$v" pos-joint "$WORK/data-bin/pos_en" "$pos,$nl" --schedule temperature:t=1 --tag-head softmax \
        --no-lang-specific-layer --lr 0.0001 --batch-size 32
    fine_tune "$v" ner-full "$WORK/data-bin/ner_en" "tagging:en:task=ner:pool=first:hidden=784" --tag-head softmax \
        --no-lang-specific-layer --lr 0.0001 --batch-size 32 --best-checkpoint-metric ner_en:f1 \
        --maximize-best-checkpoint-metric
    fine_tune "$v" nli-full "$BIN" nli:en:joint=true --lr 0.0001 --batch-size 32 \
        --best-checkpoint-metric nli_en:acc --maximize-best-checkpoint-metric
}

finetune() {
    each_variant fine_tune_variant
}

score() {  # OUT MODEL COMMAND ARGS...: `xling-eval COMMAND` on MODEL's checkpoint, rows added to its results file
    local out=$1 model=$2
    shift 2
    OMP_NUM_THREADS=$THREADS xling-eval "$@" --checkpoint "$WORK/checkpoints/$model/checkpoint_best.pt" \
        | sed "s/^{/{\"model\": \"$model\", /" >> "$out/transfer.$model.jsonl"
}

transfer_variant() {  # POS on every UD dev set, NER on CoNLL-2002 nl/es testa, NLI on XNLI dev (half) de/es/fr
    local v=$1 out="$WORK/results/$1-seed$SEED" run model test file l format X="$DATA/xnli_dev_half"
    mkdir -p "$out"
    for run in $RUNS; do
        model=$(model_name "$run" "$v")
        rm -f "$out/transfer.$model.jsonl"
        case "$run" in
            pos-*) for l in en de es fr nl; do
                       score "$out" "$model" tagging --input "$UD/dev-$l.tsv" --format udpos --lang "$l"
                   done ;;
            ner-*) for test in "$DATA/wikiann/en/dev:en:wikiann" "$DATA/conll2002/ned.testa:nl:conll2002" \
                               "$DATA/conll2002/esp.testa:es:conll2002"; do
                       IFS=: read -r file l format <<< "$test"
                       # --repair: esp.testa has chunks that begin with I- (counted as gold_repaired)
                       score "$out" "$model" tagging --input "$file" --format "$format" --lang "$l" --repair
                   done ;;
            nli-*) score "$out" "$model" nli --test "$X/dev-en.tsv:en" "$X/dev-de.tsv:de" "$X/dev-es.tsv:es" \
                       "$X/dev-fr.tsv:fr" ;;
        esac
    done
}

transfer() {
    each_variant transfer_variant
}

each_variant() {  # FUNCTION: run it for every variant side by side; fail when any of them failed
    for v in $VARIANTS; do start "$1" "$v"; done
    wait_jobs
}

mkdir -p "$WORK"
case "${1:-all}" in
    prepare) prepare ;;
    train) train ;;
    evaluate) evaluate ;;
    finetune) finetune ;;
    transfer) transfer ;;
    all) prepare; train; evaluate; finetune; transfer ;;
    *) echo "usage: $0 [prepare|train|evaluate|finetune|transfer|all]" >&2; exit 2 ;;
esac
