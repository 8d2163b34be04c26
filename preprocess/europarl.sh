#!/usr/bin/env bash
# Europarl v7 (or ComTrans) parallel text -> tokenized, split, word-aligned -> fairseq data-bin.
#
#   preprocess/europarl.sh --src de --tgt en --dest data-bin/europarl_de_en [options]
#
# Steps: check the inputs (line counts, encodings, alignments) -> drop pairs with an empty side ->
# tokenize (sacremoses, or none with --pretokenized) -> optional lowercasing -> first N pairs, split
# train/valid -> monolingual text after the parallel range and/or from extra files -> dictionaries
# counted over train + monolingual text -> word alignments (given, or eflomal / IBM1) ->
# fairseq-preprocess. See preprocess/README.md for the options and the data-bin layout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EUROPARL_URL=$(source_url europarl)

usage() {
    cat >&2 <<'EOF'
usage: europarl.sh --src L1 --tgt L2 --dest DIR [options]

inputs (europarl layout: --src-file/--tgt-file, else --data-dir, else download)
  --layout europarl|comtrans   release layout (default europarl)
  --data-dir DIR               europarl: holds europarl-v7.{L1-L2|L2-L1}.{L1,L2}
                               comtrans: holds comtrans.{g,e,a} and comtrans-dev.{g,e,a}
  --src-file F --tgt-file F    line-aligned text files
  --align-file F               Pharaoh i-j alignments of --src-file/--tgt-file (needs --pretokenized)
  --align-langs L1-L2          order of the indices in the alignment files (default SRC-TGT)
  --valid-src-file F --valid-tgt-file F [--valid-align-file F]
                               validation files (default: split off the parallel range)
  --valid-pairs M              use the first M pairs of the validation files (default all)
  --split-valid                comtrans: split valid off comtrans.* instead of using comtrans-dev.*
  --valid-ratio R              valid share of the first N pairs when split (default 0.1)
  --drop-overlap               drop valid pairs with a side that is also a training line (always counted)
  --src-encoding E --tgt-encoding E   input encodings (default utf-8; comtrans: .e is latin-1)
  --download-dir DIR           where the release .tgz goes (default: next to --dest)
selection and text
  --max-pairs N                first N non-empty pairs (default: all)
  --max-len N                  drop training pairs with more than N tokens on a side (default 250; 0 = no limit)
  --max-len-ratio R            drop training pairs whose longer side has more than R times the tokens of the
                               shorter (default 0 = no ratio filter; LASER and Moses use 1.5-3)
  --mono-lines K               K monolingual lines per language after the parallel range
  --mono-src-file F --mono-tgt-file F   extra monolingual UTF-8 text (repeatable)
  --pretokenized               skip tokenization (whitespace split only)
  --lowercase                  lowercase after tokenizing
vocabulary and output
  --min-count C                dictionary min count (default 5)
  --joined                     one dictionary for both languages (dict.L1.txt == dict.L2.txt)
  --aligner auto|eflomal|ibm1|none   aligner when no alignment files are given (default auto)
  --force                      rebuild DEST when it was made by another request
  --no-text                    do not keep the tokenized plain text in DEST/text/
  --workers N                  worker processes (default 2)
EOF
    exit 2
}

# download_europarl PAIR DIR: fetch and unpack Europarl v7 PAIR (e.g. de-en) into DIR once
download_europarl() {
    local pair="$1" dir="$2"
    local url="${EUROPARL_URL//\{pair\}/$pair}"
    if [[ ! -f "$dir/europarl-v7.$pair.${pair%-*}" ]]; then
        fetch_url "$url" "$dir/$pair.tgz"
        tar -xzf "$dir/$pair.tgz" -C "$dir" || die "$dir/$pair.tgz: not a readable .tgz archive"
        # some archives hold the files in a sub-folder: bring them to the top
        find "$dir" -mindepth 2 -name "europarl-v7.$pair.*" -exec mv -t "$dir" {} +
    fi
}

SRC="" TGT="" DEST="" LAYOUT=europarl DATA_DIR="" DOWNLOAD_DIR=""
SRC_FILE="" TGT_FILE="" ALIGN_FILE="" ALIGN_LANGS=""
VALID_SRC="" VALID_TGT="" VALID_ALIGN="" VALID_PAIRS=0 VALID_RATIO=0.1 SPLIT_VALID=0
SRC_ENC="" TGT_ENC="" MAX_PAIRS=0 MAX_LEN=250 MAX_RATIO=0 MONO_LINES=0 MONO_ARGS=()
PRETOKENIZED=0 LOWERCASE=0 DROP_OVERLAP=0 MIN_COUNT=5 JOINED=0 ALIGNER=auto KEEP_TEXT=1 WORKERS=2

XLING_ARGS=("$@")
while [[ $# -gt 0 ]]; do
    opt="$1"
    case "$opt" in
        --pretokenized) PRETOKENIZED=1; shift; continue ;;
        --lowercase) LOWERCASE=1; shift; continue ;;
        --joined) JOINED=1; shift; continue ;;
        --split-valid) SPLIT_VALID=1; shift; continue ;;
        --drop-overlap) DROP_OVERLAP=1; shift; continue ;;
        --no-text) KEEP_TEXT=0; shift; continue ;;
        --force) shift; continue ;;  # read by dest_begin
        -h|--help) usage ;;
    esac
    [[ $# -ge 2 ]] || die "$opt: missing value"
    val="$2"
    case "$opt" in
        --src) SRC="$val" ;;
        --tgt) TGT="$val" ;;
        --dest) DEST="$val" ;;
        --layout) LAYOUT="$val" ;;
        --data-dir) DATA_DIR="$val" ;;
        --download-dir) DOWNLOAD_DIR="$val" ;;
        --src-file) SRC_FILE="$val" ;;
        --tgt-file) TGT_FILE="$val" ;;
        --align-file) ALIGN_FILE="$val" ;;
        --align-langs) ALIGN_LANGS="$val" ;;
        --valid-src-file) VALID_SRC="$val" ;;
        --valid-tgt-file) VALID_TGT="$val" ;;
        --valid-align-file) VALID_ALIGN="$val" ;;
        --valid-pairs) VALID_PAIRS="$val" ;;
        --valid-ratio) VALID_RATIO="$val" ;;
        --src-encoding) SRC_ENC="$val" ;;
        --tgt-encoding) TGT_ENC="$val" ;;
        --max-pairs) MAX_PAIRS="$val" ;;
        --max-len) MAX_LEN="$val" ;;
        --max-len-ratio) MAX_RATIO="$val" ;;
        --mono-lines) MONO_LINES="$val" ;;
        --mono-src-file) require_file "$val" "$opt"; MONO_ARGS+=(--mono-src-file "$val") ;;
        --mono-tgt-file) require_file "$val" "$opt"; MONO_ARGS+=(--mono-tgt-file "$val") ;;
        --min-count) MIN_COUNT="$val" ;;
        --aligner) ALIGNER="$val" ;;
        --workers) WORKERS="$val" ;;
        *) echo "unknown option: $opt" >&2; usage ;;
    esac
    shift 2
done

[[ -n "$SRC" && -n "$TGT" && -n "$DEST" ]] || usage
require_int --max-pairs "$MAX_PAIRS"
require_int --max-len "$MAX_LEN"
require_number --max-len-ratio "$MAX_RATIO" 'x == 0 || x >= 1' "0 (no ratio filter) or a number >= 1"
require_int --mono-lines "$MONO_LINES"
require_int --valid-pairs "$VALID_PAIRS"
require_int --min-count "$MIN_COUNT"
require_int --workers "$WORKERS" 1
require_number --valid-ratio "$VALID_RATIO" 'x > 0 && x < 1' "a number in (0, 1)"
[[ -z "$SRC_ENC" ]] || require_encoding --src-encoding "$SRC_ENC"
[[ -z "$TGT_ENC" ]] || require_encoding --tgt-encoding "$TGT_ENC"
case "$ALIGNER" in auto|eflomal|ibm1|none) ;; *) die "--aligner $ALIGNER: expected auto, eflomal, ibm1 or none" ;; esac

dest_begin "$DEST"  # exits 0 here when DEST is complete and made by the same request
WORK="$XLING_TMP_DEST"

# ---- resolve the input files for the layout
case "$LAYOUT" in
    comtrans)
        [[ -n "$DATA_DIR" ]] || die "--layout comtrans: expected --data-dir holding comtrans.{g,e,a}"
        comtrans_file() {  # comtrans_file LANG PREFIX
            case "$1" in
                de) echo "$DATA_DIR/$2.g" ;;
                en) echo "$DATA_DIR/$2.e" ;;
                *) die "--layout comtrans: language $1; expected de and en (ComTrans is German-English)" ;;
            esac
        }
        comtrans_encoding() { [[ "$1" == en ]] && echo latin-1 || echo utf-8; }
        SRC_FILE="$(comtrans_file "$SRC" comtrans)"
        TGT_FILE="$(comtrans_file "$TGT" comtrans)"
        ALIGN_FILE="$DATA_DIR/comtrans.a"
        ALIGN_LANGS=de-en  # .a: i indexes the German (.g) word, j the English (.e) word
        SRC_ENC="${SRC_ENC:-$(comtrans_encoding "$SRC")}"
        TGT_ENC="${TGT_ENC:-$(comtrans_encoding "$TGT")}"
        if [[ $SPLIT_VALID == 0 ]]; then
            VALID_SRC="$(comtrans_file "$SRC" comtrans-dev)"
            VALID_TGT="$(comtrans_file "$TGT" comtrans-dev)"
            VALID_ALIGN="$DATA_DIR/comtrans-dev.a"
        fi
        PRETOKENIZED=1  # ComTrans is tokenized, and its alignments index those tokens
        ;;
    europarl)
        if [[ -z "$SRC_FILE" && -z "$TGT_FILE" ]]; then
            if [[ -z "$DATA_DIR" ]]; then
                # the release has one archive per non-English language, paired with English
                "$PYTHON" -m fairseq_xling.text.corpus check-langs "$SRC" "$TGT"
                if [[ "$SRC" == en ]]; then pair="$TGT-en"; elif [[ "$TGT" == en ]]; then pair="$SRC-en"
                else die "--src $SRC --tgt $TGT: Europarl v7 only has pairs with English; pass local files"; fi
                DATA_DIR="${DOWNLOAD_DIR:-$(dirname "$DEST")/europarl-v7}"
                download_europarl "$pair" "$DATA_DIR"
            fi
            pair="$SRC-$TGT"
            [[ -f "$DATA_DIR/europarl-v7.$pair.$SRC" ]] || pair="$TGT-$SRC"
            SRC_FILE="$DATA_DIR/europarl-v7.$pair.$SRC"
            TGT_FILE="$DATA_DIR/europarl-v7.$pair.$TGT"
        fi
        ;;
    *) die "--layout $LAYOUT: expected europarl or comtrans" ;;
esac

[[ -n "$SRC_FILE" && -n "$TGT_FILE" ]] || die "--src-file and --tgt-file go together"
require_file "$SRC_FILE" --src-file
require_file "$TGT_FILE" --tgt-file
[[ -z "$ALIGN_FILE" ]] || require_file "$ALIGN_FILE" --align-file
if [[ -n "$VALID_SRC$VALID_TGT" ]]; then
    require_file "$VALID_SRC" --valid-src-file
    require_file "$VALID_TGT" --valid-tgt-file
    [[ -z "$VALID_ALIGN" ]] || require_file "$VALID_ALIGN" --valid-align-file
fi

# ---- check, select, tokenize, split, count, dictionaries, preprocess.json
prepare_args=(
    --src-lang "$SRC" --tgt-lang "$TGT" --src-file "$SRC_FILE" --tgt-file "$TGT_FILE"
    --src-encoding "${SRC_ENC:-utf-8}" --tgt-encoding "${TGT_ENC:-utf-8}"
    --max-pairs "$MAX_PAIRS" --max-len "$MAX_LEN" --max-len-ratio "$MAX_RATIO"
    --mono-lines "$MONO_LINES" --valid-ratio "$VALID_RATIO"
    --min-count "$MIN_COUNT" --layout "$LAYOUT" --workers "$WORKERS" --out-dir "$WORK"
    --aligner "$ALIGNER" ${MONO_ARGS[@]+"${MONO_ARGS[@]}"}
)
[[ -z "$ALIGN_FILE" ]] || prepare_args+=(--align-file "$ALIGN_FILE")
[[ $DROP_OVERLAP == 0 ]] || prepare_args+=(--drop-overlap)
[[ -z "$ALIGN_LANGS" ]] || prepare_args+=(--align-langs "$ALIGN_LANGS")
[[ -z "$VALID_SRC" ]] || prepare_args+=(--valid-src-file "$VALID_SRC" --valid-tgt-file "$VALID_TGT" --valid-pairs "$VALID_PAIRS")
[[ -z "$VALID_ALIGN" ]] || prepare_args+=(--valid-align-file "$VALID_ALIGN")
[[ $PRETOKENIZED == 1 ]] && prepare_args+=(--tokenizer none) || prepare_args+=(--tokenizer moses)
[[ $LOWERCASE == 0 ]] || prepare_args+=(--lowercase)
[[ $JOINED == 0 ]] || prepare_args+=(--joined)
run_step "$PYTHON" -m fairseq_xling.text.corpus prepare "${prepare_args[@]}"

TEXT="$WORK/text"
# ---- word alignments: given ones were checked and written by prepare; otherwise produce them
if [[ -z "$ALIGN_FILE" && "$ALIGNER" != none ]]; then
    run_step "$PYTHON" -m fairseq_xling.text.align --method "$ALIGNER" \
        --src "$TEXT/train.$SRC" "$TEXT/valid.$SRC" --tgt "$TEXT/train.$TGT" "$TEXT/valid.$TGT" \
        --out "$TEXT/train.align" "$TEXT/valid.align" --meta-dir "$WORK"
fi

# ---- binarise with our dictionaries (the same file twice with --joined)
log "fairseq-preprocess $SRC-$TGT"
align_args=()
[[ ! -f "$TEXT/train.align" ]] || align_args=(--align-suffix align)
fairseq_preprocess --source-lang "$SRC" --target-lang "$TGT" \
    --trainpref "$TEXT/train" --validpref "$TEXT/valid" ${align_args[@]+"${align_args[@]}"} \
    --srcdict "$WORK/dict.$SRC.txt" --tgtdict "$WORK/dict.$TGT.txt" \
    --destdir "$WORK" --workers "$WORKERS" --dataset-impl mmap

for lang in "$SRC" "$TGT"; do
    [[ ! -f "$TEXT/mono.$lang" ]] || binarize_mono "$lang" "$WORK"
done
rm -f "$WORK/preprocess.log"
[[ $KEEP_TEXT == 1 ]] || rm -rf "$TEXT"

dest_finish "$DEST"
log "wrote $DEST: $("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"])' "$DEST/preprocess.json")"
