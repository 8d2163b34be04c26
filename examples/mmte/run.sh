#!/usr/bin/env bash
# The MMTE experiment of examples/mmte/README.md (Siddhant et al. 2020): a multilingual Transformer NMT model on
# en<->{de, es, fr, nl} (8 directions, the paper's "4x4" setting), in its two variants (the <2xx> token prepended
# to the source, or encoded separately so that the source states never see it), trained side by side for the same
# wall time, then sacreBLEU per direction on the LibreOffice help dev set through fairseq-generate.
#
#   bash examples/mmte/run.sh [prepare|train|evaluate|all]   (default all)
#
# Environment: XLING_DATA (default ../shared/data), WORK (default work/mmte), MINUTES (per model, default 40),
# THREADS (per model, default 1: the two variants train side by side on 2 cores), SEED (default 1),
# VARIANTS (default "source separate").
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/mmte}
MINUTES=${MINUTES:-40}
THREADS=${THREADS:-1}
SEED=${SEED:-1}
VARIANTS=${VARIANTS:-source separate}
PYTHON=${PYTHON:-python}
HOURS=$("$PYTHON" -c "print($MINUTES / 60)")
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
}

directions() {  # label smoothing 0.1 in every direction
    local out=""
    for l in $LANGS; do out="$out${out:+,}translation:$l-en:label_smoothing=0.1,translation:en-$l:label_smoothing=0.1"; done
    echo "$out"
}

model() {  # variant: <2xx> in the source, or encoded separately
    local start=$SECONDS name="$1-seed$SEED"
    OMP_NUM_THREADS=$THREADS fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask \
        --objectives "$(directions)" --schedule temperature:t=5 --arch xling_mmte_cpu --target-token "$1" \
        --optimizer adam --adam-betas '(0.9, 0.98)' --lr 0.001 --lr-scheduler inverse_sqrt --warmup-updates 1000 \
        --clip-norm 1 --max-tokens 4000 --stop-time-hours "$HOURS" \
        --save-dir "$WORK/checkpoints/$name" --save-interval-updates 1000 --keep-interval-updates 1 \
        --no-epoch-checkpoints --validate-interval-updates 1000 --cpu --log-format simple --log-interval 100 \
        --num-workers 0 --seed "$SEED" > "$WORK/train_$name.log" 2>&1
    echo "$name: $((SECONDS - start)) s" >> "$WORK/times.txt"
}

train() {
    for v in $VARIANTS; do model "$v" & done
    wait
}

evaluate_variant() {  # sacreBLEU per direction on the dev split, through fairseq-generate (beam 5)
    local name="$1-seed$SEED" out="$WORK/results/$1-seed$SEED"
    mkdir -p "$out"
    for l in $LANGS; do for dir in "$l-en" "en-$l"; do
        OMP_NUM_THREADS=$THREADS fairseq-generate "$BIN" --user-dir fairseq_xling --task xling_multitask \
            --objectives "translation:$dir" --path "$WORK/checkpoints/$name/checkpoint_best.pt" --gen-subset valid \
            --beam 5 --batch-size 64 --post-process sentencepiece --scoring sacrebleu --cpu \
            > "$out/generate.$dir.txt" 2> "$out/generate.$dir.log"
        "$PYTHON" - "$name" "$dir" "$out/generate.$dir.txt" "$out/generate.$dir.log" >> "$out/bleu.jsonl" <<'PY'
import json, re, sys
name, direction, text, log = sys.argv[1:]
out = open(text, encoding="utf-8").read() + open(log, encoding="utf-8").read()
bleu = re.search(r"BLEU = ([\d.]+)", out)
speed = re.search(r"Translated (\d+) sentences .* \(([\d.]+) sentences/s", out)
if not bleu or not speed:
    sys.exit(f"{log}: no BLEU score or speed line; fairseq-generate failed?")
print(json.dumps({"task": "bleu", "model": name, "direction": direction, "bleu": float(bleu.group(1)),
                  "sentences": int(speed.group(1)), "sentences_per_s": float(speed.group(2))}))
PY
    done; done
}

evaluate() {
    for v in $VARIANTS; do rm -f "$WORK/results/$v-seed$SEED/bleu.jsonl"; evaluate_variant "$v" & done
    wait
}

mkdir -p "$WORK"
case "${1:-all}" in
    prepare) prepare ;;
    train) train ;;
    evaluate) evaluate ;;
    all) prepare; train; evaluate ;;
    *) echo "usage: $0 [prepare|train|evaluate|all]" >&2; exit 2 ;;
esac
