#!/usr/bin/env bash
# The ablation of Singla et al. (2018), Table 1, on ComTrans de-en: Sent-Avg, Sent-LSTM, JMT-Sent-Avg,
# JMT-Sent-LSTM and JMT-Sent-LSTM*no-mono, with all 17,580 training pairs and with the first 5,000.
# Checkpoints are chosen on the first 1,000 comtrans-dev pairs (similarity loss); retrieval P@1 among 999
# distractors is measured on the other 1,963 dev pairs (none of them a training pair), both directions.
# Appends one JSON row per run and direction to RESULTS (default examples/jmt/results.jsonl, kept in the repository so
# that a run resumes on another machine: finished runs are skipped) and writes examples/jmt/results.md.
#   bash examples/jmt/run_ablation.sh   (env: XLING_DATA, WORK=work/jmt, RESULTS, SIM_UPDATES=2000, SEEDS="1 2",
#                                        MODELS: the models to run, default all five)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/jmt}
SIM_UPDATES=${SIM_UPDATES:-2000}  # similarity updates of every model; JMT models make as many skip-gram ones
SEEDS=${SEEDS:-1 2}
MODELS=${MODELS:-sent_avg sent_lstm jmt_sent_avg jmt_sent_lstm jmt_sent_lstm_no_mono}
export PYTHON=${PYTHON:-python}
mkdir -p "$WORK"

bash examples/jmt/mono_text.sh "$DATA" "$WORK/mono"
for pairs in 17580 5000; do
    bash preprocess/europarl.sh --layout comtrans --data-dir "$DATA/comtrans_de_en" --src de --tgt en --lowercase \
        --max-pairs "$pairs" --valid-pairs 1000 --mono-src-file "$WORK/mono/mono.de" \
        --mono-tgt-file "$WORK/mono/mono.en" --dest "$WORK/data-bin/comtrans$pairs.de-en"
done
# held-out retrieval pairs: comtrans-dev after the 1,000 validation pairs (the hub lowercases like training)
if [[ ! -f "$WORK/test.en" ]]; then
    tail -n +1001 "$DATA/comtrans_de_en/comtrans-dev.g" | tr -d '\r' > "$WORK/test.de.tmp"
    tail -n +1001 "$DATA/comtrans_de_en/comtrans-dev.e" | iconv -f latin1 -t utf-8 | tr -d '\r' > "$WORK/test.en.tmp"
    mv "$WORK/test.de.tmp" "$WORK/test.de" && mv "$WORK/test.en.tmp" "$WORK/test.en"
fi

results=${RESULTS:-examples/jmt/results.jsonl}
touch "$results"
run() {  # model arch objectives updates pairs seed
    local name="$1-$5-seed$6" bin="$WORK/data-bin/comtrans$5.de-en"
    [[ " $MODELS " == *" $1 "* ]] || return 0
    if grep -q "\"model\": \"$name\"" "$results"; then echo "== $name: done"; return; fi
    echo "== $name: $3, $4 updates"
    local start=$SECONDS
    fairseq-train "$bin" --user-dir fairseq_xling --task xling_multitask --objectives "$3" \
        --arch "$2" --optimizer adam --lr 0.001 --lr-scheduler step \
        --lr-deacy-period 10000 --lr-decay 0.98 --batch-size 50 --max-update "$4" \
        --validate-interval-updates 500 --save-interval-updates 500 --keep-interval-updates 1 --no-epoch-checkpoints \
        --best-checkpoint-metric similarity_de-en:loss --save-dir "$WORK/checkpoints/$name" --cpu --num-workers 0 \
        --seed "$6" --log-format simple --log-interval 500 > "$WORK/$name.log" 2>&1
    local seconds=$((SECONDS - start))
    xling-eval retrieval --checkpoint "$WORK/checkpoints/$name/checkpoint_best.pt" \
        --src-file "$WORK/test.de" --tgt-file "$WORK/test.en" --src-lang de --tgt-lang en --num-distractors 999 \
        | sed "s/^{/{\"model\": \"$name\", \"train_seconds\": $seconds, /" >> "$results"
}
SIM="similarity:de-en:margin=1"
SG="skipgram:de-en:batch_size=64"
for seed in $SEEDS; do
    for pairs in 17580 5000; do
        run sent_avg xling_sent_avg_128 "$SIM" "$SIM_UPDATES" "$pairs" "$seed"
        run sent_lstm xling_sent_lstm_128 "$SIM" "$SIM_UPDATES" "$pairs" "$seed"
        run jmt_sent_avg xling_sent_avg_128 "$SIM,$SG" "$((2 * SIM_UPDATES))" "$pairs" "$seed"
        run jmt_sent_lstm xling_sent_lstm_128 "$SIM,$SG" "$((2 * SIM_UPDATES))" "$pairs" "$seed"
        run jmt_sent_lstm_no_mono xling_sent_lstm_128 "$SIM,$SG:mono=false" "$((2 * SIM_UPDATES))" "$pairs" "$seed"
    done
done
"$PYTHON" examples/jmt/table.py "$results" > examples/jmt/results.md
cat examples/jmt/results.md
