#!/usr/bin/env bash
# All benchmarks, on the demo's data-bin and checkpoint (made by `make demo` when missing) and the LASER, dual
# encoder and MMTE examples' data-bins (made by `bash examples/{laser,dual_encoder,mmte}/run.sh prepare` when missing).
# Prints markdown tables; 2 threads, our code and the peer back to back in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-work/demo}
BIN="$WORK/data-bin/comtrans.de-en"
CKPT="$WORK/checkpoints/jmt_sent_lstm/checkpoint_last.pt"
[[ -f "$CKPT" ]] || bash examples/demo/run.sh
PYTHON=${PYTHON:-python}
echo "## JMT throughput and skip-gram vs gensim"
"$PYTHON" -m benchmarks.jmt_throughput "$BIN" --threads 2
echo
echo "## hub encode vs bare forward"
"$PYTHON" -m benchmarks.hub_overhead "$CKPT" "$BIN/text/valid.de" --lang de --threads 2
echo
echo "## CRF against pytorch-crf"
"$PYTHON" -m benchmarks.crf --threads 2
echo
echo "## tagger training throughput, CoNLL-2002 Dutch NER"
DATA=${XLING_DATA:-../shared/data}
NER="$WORK/data-bin/ner_nl"
bash preprocess/conll.sh --format conll2002 --lang nl --task ner --train "$DATA/conll2002/ned.train" \
    --valid "$DATA/conll2002/ned.testa" --dest "$NER"
"$PYTHON" -m benchmarks.tagger_throughput "$NER" --threads 2
example_benchmark() {  # TITLE EXAMPLE DATA_BIN MODULE: a benchmark on an example's data-bin (prepared when missing)
    echo
    echo "## $1"
    [[ -f "$3/preprocess.json" ]] || WORK="work/$2" PYTHON="$PYTHON" bash "examples/$2/run.sh" prepare
    "$PYTHON" -m "benchmarks.$4" "$3" --threads 2
}
example_benchmark "LASER training throughput against fairseq's examples/laser" \
    laser work/laser/data-bin/spm8k laser_throughput
example_benchmark "ranking training throughput against sentence-transformers' MultipleNegativesRankingLoss" \
    dual_encoder work/dual_encoder/data-bin/words ranking_throughput
example_benchmark "MMTE training and generation throughput against fairseq's translation_multi_simple_epoch" \
    mmte work/mmte/data-bin/spm8k mmte_throughput
