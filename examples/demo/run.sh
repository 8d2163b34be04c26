#!/usr/bin/env bash
# The main job (`make demo`): JMT-Sent-LSTM (dim 128, Singla et al. 2018) trained on real German-English text
# available offline, then cross-lingual retrieval on held-out pairs, printed as a table.
#   data:  ComTrans (word-aligned Europarl, 17,580 pairs + alignments) from $XLING_DATA/comtrans_de_en,
#          monolingual de/en text from WikiANN, Multi30k and the UDHR in $XLING_DATA
#   eval:  P@1 / P@5 of the true translation among 999 distractors on comtrans-dev (2,963 pairs), both ways
# Re-running reuses what is done (data-bin, finished checkpoints). Outputs in $WORK (default work/demo).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${XLING_DATA:-../shared/data}
WORK=${WORK:-work/demo}
UPDATES=${UPDATES:-3000}
export PYTHON=${PYTHON:-python}
. preprocess/lib.sh  # require_corpus: a missing corpus stops the demo, naming where to download it
require_corpus "$DATA" comtrans comtrans_de_en/comtrans.{g,e,a} comtrans_de_en/comtrans-dev.{g,e}
require_corpus "$DATA" wikiann wikiann/{de,en}/train
require_corpus "$DATA" multi30k multi30k/train.{de,en}
require_corpus "$DATA" udhr2 udhr2/{deu,eng}.txt
mkdir -p "$WORK"

echo "== 1/4 monolingual text"
bash examples/jmt/mono_text.sh "$DATA" "$WORK/mono"
echo "== 2/4 data-bin (preprocess/europarl.sh, comtrans layout)"
BIN="$WORK/data-bin/comtrans.de-en"
bash preprocess/europarl.sh --layout comtrans --data-dir "$DATA/comtrans_de_en" --src de --tgt en --lowercase \
    --mono-src-file "$WORK/mono/mono.de" --mono-tgt-file "$WORK/mono/mono.en" --dest "$BIN"

train() {  # name objectives updates
    echo "== training $1 ($2, $3 updates)"
    fairseq-train "$BIN" --user-dir fairseq_xling --task xling_multitask --objectives "$2" \
        --arch xling_sent_lstm_128 --optimizer adam --lr 0.001 \
        --lr-scheduler step --lr-deacy-period 10000 --lr-decay 0.98 --batch-size 50 --max-update "$3" \
        --validate-interval-updates 1000 --save-interval-updates 1000 --keep-interval-updates 1 \
        --no-epoch-checkpoints --save-dir "$WORK/checkpoints/$1" --cpu --num-workers 0 --seed 1 \
        --log-format simple --log-interval 500 2>&1 | grep --line-buffered -E "\| (valid|train) \||train_inner|done training"
}
echo "== 3/4 training"
# JMT alternates the two objectives, so Sent-LSTM gets the same number of similarity updates
train jmt_sent_lstm "similarity:de-en:margin=1,skipgram:de-en:batch_size=64" "$UPDATES"
train sent_lstm "similarity:de-en:margin=1" "$((UPDATES / 2))"

echo "== 4/4 retrieval on comtrans-dev"
results="$WORK/retrieval.jsonl"
: > "$results"
for model in sent_lstm jmt_sent_lstm; do
    xling-eval retrieval --checkpoint "$WORK/checkpoints/$model/checkpoint_last.pt" \
        --src-file "$BIN/text/valid.de" --tgt-file "$BIN/text/valid.en" --src-lang de --tgt-lang en \
        --num-distractors 999 | sed "s/^{/{\"model\": \"$model\", /" >> "$results"
done
"$PYTHON" - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("\nRetrieval on comtrans-dev: P@1 / P@5 (%) of the true translation among 999 distractors (cosine)\n")
print("| model | de->en P@1 | de->en P@5 | en->de P@1 | en->de P@5 | queries |")
print("|---|---|---|---|---|---|")
for model in dict.fromkeys(r["model"] for r in rows):
    by = {r["direction"]: r for r in rows if r["model"] == model and r.get("scoring", "cosine") == "cosine"}
    a, b = by["de->en"], by["en->de"]
    print(f"| {model} | {100*a['p@1']:.1f} | {100*a['p@5']:.1f} | {100*b['p@1']:.1f} | {100*b['p@5']:.1f} | {a['n']} |")
PY
