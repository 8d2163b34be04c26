#!/usr/bin/env bash
# Parallel text of several language pairs -> one joint sub-word model (SentencePiece or subword-nmt BPE)
# learned on temperature-sampled text -> one shared dictionary -> fairseq data-bin, translation layout.
# With --subword none: words, one dictionary per language. Beside the pairs, monolingual streams: quick-thought
# triplets of documents (--qt), response pairs (--response) and NLI pairs with labels (--nli).
#
#   preprocess/multilingual.sh --dest DIR --train de-en train.de train.en --train fr-en A.fr A.en \
#       [--valid de-en dev.de dev.en ...] [options]
#
# Steps: read and check every corpus (line counts, encodings) -> tokenize per language (Moses, or none for
# SentencePiece) -> optional lowercasing -> drop pairs with an empty side -> sample training text across
# languages with a temperature -> learn one sub-word model on it -> apply it to all text -> drop training
# pairs longer than --max-len sub-words -> one dictionary over all training text, dict.L.txt for every
# language -> fairseq-preprocess per pair; the streams binarised in one process (fairseq_xling.text.binarize).
# See preprocess/README.md for the options and the data-bin layout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat >&2 <<'EOF'
usage: multilingual.sh --dest DIR [--train PAIR SRC_FILE TGT_FILE ...] [--qt LANG FILE ...] [options]

inputs
  --train PAIR SRC_FILE TGT_FILE   a training corpus of PAIR (L1-L2, e.g. de-en); repeatable, the corpora of
                               a pair are concatenated in the given order; give a pair in one direction only
  --valid PAIR SRC_FILE TGT_FILE   a validation corpus of a --train pair; repeatable, optional per pair
  --mono LANG FILE             monolingual training text of LANG (of a --train pair or stream), one sentence a
                               line; repeatable -> mono.LANG (skip-gram, distill:LANG); it joins the sub-word
                               training text and the dictionary
  --qt LANG FILE               documents of LANG (one sentence a line, a blank line between documents): every
                               sentence with a predecessor and a successor in its document gives one triplet
                               -> train.qt.{prev,cur,next}.LANG; repeatable (python -m fairseq_xling.text.documents
                               converts WikiText, LibreOffice help pages and WikiExtractor output)
  --response LANG FILE         input<TAB>response lines -> train.rsp.{input,response}.LANG; repeatable
  --nli LANG FILE              premise<TAB>hypothesis<TAB>label lines (entailment|neutral|contradiction, any case)
                               -> train.nli.{premise,hypothesis,label}.LANG, labels with dict.nli_label.txt;
                               repeatable (python -m fairseq_xling.text.sick converts SICK)
  --valid-qt|--valid-response|--valid-nli LANG FILE   the same for valid.*; LANG needs training text
  at least one --train, --qt, --response or --nli is needed
  --encoding FILE=ENC          a non-UTF-8 input file (e.g. comtrans.e=latin-1); repeatable
  --drop-overlap               drop valid pairs with a side that is also a training line (always counted)
text
  --tokenizer moses|none       default: none with --subword spm (raw text), else moses
  --lowercase                  lowercase after tokenizing
  --max-len N                  drop training pairs (and triplets, stream pairs) with more than N sub-words (words
                               with --subword none) in a sentence (default 250; 0 = no limit)
  --max-len-ratio R            drop training pairs whose longer side has more than R times the sub-words of the
                               shorter (default 0 = no ratio filter; LASER and Moses use 1.5-3)
sub-words
  --subword spm|bpe|none       SentencePiece (default), subword-nmt BPE, or none: the (Moses-)tokenized words are
                               the tokens and each language has a dictionary of its own training text
  --joined                     --subword none: one dictionary over all languages (identical dict.L.txt)
  --vocab-size N               SentencePiece vocabulary size / number of BPE merges (default 8000)
  --character-coverage C       SentencePiece character coverage (default 1.0)
  --spm-model-type unigram|bpe SentencePiece model type (default unigram)
  --sample-temperature T       language sampling temperature of the sub-word training text (default 5)
  --subword-sample-lines S     lines of sub-word training text (default: all distinct lines, at most 2,000,000)
  --seed N                     seed of the sampling and of SentencePiece (default 1)
output
  --dest DIR                   the data-bin to create
  --min-count C                dictionary min count (default 1)
  --force                      rebuild DEST when it was made by another request
  --no-text                    do not keep the sub-word text in DEST/text/
  --workers N                  processes / threads (default 2)
EOF
    exit 2
}

DEST="" SUBWORD=spm TOKENIZER="" LOWERCASE=0 VOCAB_SIZE=8000 CHAR_COVERAGE=1.0 SPM_MODEL_TYPE=unigram
TEMPERATURE=5 SAMPLE_LINES=0 SEED=1 MAX_LEN=250 MAX_RATIO=0 MIN_COUNT=1 KEEP_TEXT=1 WORKERS=2 DROP_OVERLAP=0 JOINED=0
CORPUS_ARGS=() ENCODING_ARGS=() N_TRAIN=0

XLING_ARGS=("$@")
while [[ $# -gt 0 ]]; do
    opt="$1"
    case "$opt" in
        --lowercase) LOWERCASE=1; shift; continue ;;
        --no-text) KEEP_TEXT=0; shift; continue ;;
        --drop-overlap) DROP_OVERLAP=1; shift; continue ;;
        --joined) JOINED=1; shift; continue ;;
        --force) shift; continue ;;  # read by dest_begin
        -h|--help) usage ;;
        --mono|--qt|--response|--nli|--valid-qt|--valid-response|--valid-nli)
            [[ $# -ge 3 ]] || die "$opt: expected LANG FILE"
            require_file "$3" "$opt $2"
            CORPUS_ARGS+=("$opt" "$2" "$3")
            [[ "$opt" == --mono || "$opt" == --valid-* ]] || N_TRAIN=$((N_TRAIN + 1))
            shift 3
            continue ;;
        --train|--valid)
            [[ $# -ge 4 ]] || die "$opt: expected PAIR SRC_FILE TGT_FILE"
            require_file "$3" "$opt $2"
            require_file "$4" "$opt $2"
            CORPUS_ARGS+=("$opt" "$2" "$3" "$4")
            [[ "$opt" == --valid ]] || N_TRAIN=$((N_TRAIN + 1))
            shift 4
            continue ;;
    esac
    [[ $# -ge 2 ]] || die "$opt: missing value"
    val="$2"
    case "$opt" in
        --dest) DEST="$val" ;;
        --encoding)
            [[ "$val" == ?*=?* ]] || die "--encoding $val: expected FILE=ENCODING, e.g. comtrans.e=latin-1"
            require_file "${val%=*}" --encoding
            require_encoding --encoding "${val##*=}"
            ENCODING_ARGS+=(--encoding "$val") ;;
        --subword) SUBWORD="$val" ;;
        --tokenizer) TOKENIZER="$val" ;;
        --vocab-size) VOCAB_SIZE="$val" ;;
        --character-coverage) CHAR_COVERAGE="$val" ;;
        --spm-model-type) SPM_MODEL_TYPE="$val" ;;
        --sample-temperature) TEMPERATURE="$val" ;;
        --subword-sample-lines) SAMPLE_LINES="$val" ;;
        --seed) SEED="$val" ;;
        --max-len) MAX_LEN="$val" ;;
        --max-len-ratio) MAX_RATIO="$val" ;;
        --min-count) MIN_COUNT="$val" ;;
        --workers) WORKERS="$val" ;;
        *) echo "unknown option: $opt" >&2; usage ;;
    esac
    shift 2
done

[[ -n "$DEST" && $N_TRAIN -gt 0 ]] || usage
require_int --vocab-size "$VOCAB_SIZE" 1
require_int --subword-sample-lines "$SAMPLE_LINES"
require_int --seed "$SEED"
require_int --max-len "$MAX_LEN"
require_number --max-len-ratio "$MAX_RATIO" 'x == 0 || x >= 1' "0 (no ratio filter) or a number >= 1"
require_int --min-count "$MIN_COUNT"
require_int --workers "$WORKERS" 1
case "$SUBWORD" in spm|bpe|none) ;; *) die "--subword $SUBWORD: expected spm, bpe or none" ;; esac
[[ $JOINED == 0 || "$SUBWORD" == none ]] || die "--joined: sub-word data-bins always share one dictionary; expected" \
    "--joined only with --subword none"
case "$SPM_MODEL_TYPE" in unigram|bpe) ;; *) die "--spm-model-type $SPM_MODEL_TYPE: expected unigram or bpe" ;; esac
case "$TOKENIZER" in ""|moses|none) ;; *) die "--tokenizer $TOKENIZER: expected moses or none" ;; esac
require_number --sample-temperature "$TEMPERATURE" 'x > 0' "a positive number"
require_number --character-coverage "$CHAR_COVERAGE" 'x > 0 && x <= 1' "a number in (0, 1]"
TOKENIZER="${TOKENIZER:-$([[ "$SUBWORD" == spm ]] && echo none || echo moses)}"

dest_begin "$DEST"  # exits 0 here when DEST is complete and made by the same request
WORK="$XLING_TMP_DEST"
TEXT="$WORK/text"

# ---- check, tokenize, sample, learn and apply the sub-word model, count, preprocess.json
prepare_args=(
    ${CORPUS_ARGS[@]+"${CORPUS_ARGS[@]}"} ${ENCODING_ARGS[@]+"${ENCODING_ARGS[@]}"}
    --subword "$SUBWORD" --tokenizer "$TOKENIZER" --vocab-size "$VOCAB_SIZE"
    --character-coverage "$CHAR_COVERAGE" --spm-model-type "$SPM_MODEL_TYPE"
    --sample-temperature "$TEMPERATURE" --subword-sample-lines "$SAMPLE_LINES" --seed "$SEED"
    --max-len "$MAX_LEN" --max-len-ratio "$MAX_RATIO" --min-count "$MIN_COUNT" --workers "$WORKERS" --out-dir "$WORK"
)
[[ $LOWERCASE == 0 ]] || prepare_args+=(--lowercase)
[[ $DROP_OVERLAP == 0 ]] || prepare_args+=(--drop-overlap)
[[ $JOINED == 0 ]] || prepare_args+=(--joined)
run_step "$PYTHON" -m fairseq_xling.text.multilingual prepare "${prepare_args[@]}"

# ---- binarise each pair with the shared dictionary, up to WORKERS pairs at a time. Each run writes into
# its own folder (fairseq-preprocess also saves the dictionaries and a log there), so no run reads a
# dictionary another one is rewriting.
binarize_pair() {
    local pair="$1" src="${1%-*}" tgt="${1#*-}" out="$WORK/.bin.$1"
    local valid_args=()
    [[ ! -f "$TEXT/valid.$pair.$src" ]] || valid_args=(--validpref "$TEXT/valid.$pair")
    fairseq_preprocess --source-lang "$src" --target-lang "$tgt" \
        --trainpref "$TEXT/train.$pair" ${valid_args[@]+"${valid_args[@]}"} \
        --srcdict "$WORK/dict.$src.txt" --tgtdict "$WORK/dict.$tgt.txt" \
        --destdir "$out" --workers 1 --dataset-impl mmap
    mv "$out"/*."$pair".*.bin "$out"/*."$pair".*.idx "$WORK/"
    rm -rf "$out"
}

mapfile -t PAIRS < <("$PYTHON" -c 'import json, sys; [print(p) for p in json.load(open(sys.argv[1]))["pairs"]]' \
    "$WORK/preprocess.json")
((${#PAIRS[@]} == 0)) || log "fairseq-preprocess ${PAIRS[*]}"
running=() running_pairs=() failed=()
for pair in "${PAIRS[@]}"; do
    binarize_pair "$pair" &
    running+=($!) running_pairs+=("$pair")
    if ((${#running[@]} >= WORKERS)); then
        wait "${running[0]}" || failed+=("${running_pairs[0]}")
        running=("${running[@]:1}") running_pairs=("${running_pairs[@]:1}")
    fi
    ((${#failed[@]} == 0)) || break
done
for k in "${!running[@]}"; do
    wait "${running[$k]}" || failed+=("${running_pairs[$k]}")
done
((${#failed[@]} == 0)) || die "fairseq-preprocess failed for ${failed[*]}"
for lang in $("$PYTHON" -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["mono_langs"]))' \
        "$WORK/preprocess.json"); do
    binarize_mono "$lang" "$WORK"
done
# ---- the streams (quick-thought, response, NLI): text/NAME -> NAME.{bin,idx}, in one process
if [[ "$("$PYTHON" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["streams"]))' \
        "$WORK/preprocess.json")" != 0 ]]; then
    log "binarise the streams"
    run_step "$PYTHON" -m fairseq_xling.text.binarize "$WORK" --workers "$WORKERS"
fi
[[ $KEEP_TEXT == 1 ]] || rm -rf "$TEXT"

dest_finish "$DEST"
log "wrote $DEST: $("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"])' "$DEST/preprocess.json")"
