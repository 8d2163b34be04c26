#!/usr/bin/env bash
# Tagging corpora (CoNLL-2002/2003 NER, WikiANN / PAN-X, UD CoNLL-U, XTREME UD-POS) -> fairseq data-bin
# with three aligned streams per split: words, characters and tags; with --subword-from DATA_BIN: the words'
# sub-words (DATA_BIN's model and dictionary), the number of sub-words of each word, and tags.
#
#   preprocess/conll.sh --format conll2002 --lang nl --train ned.train --valid ned.testa --dest DIR [options]
#
# Steps: read and check every file (columns, empty tags, encoding, language prefixes) -> convert NER tags
# to the output scheme (BIOES by default; an I- tag that cannot follow stops the run unless --repair)
# -> first N training sentences -> dictionaries (or the given ones) -> text/{split}.tsv -> fairseq-preprocess
# per stream. See preprocess/README.md (conll.sh) for the options and the data-bin layout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat >&2 <<'EOF'
usage: conll.sh --format FMT --lang L --train F --dest DIR [options]

inputs
  --format conll2002|conll2003|wikiann|conllu|udpos   release format of the files
  --lang L                     ISO 639-1/639-3 code of the corpus (checked against WikiANN 'lang:' prefixes)
  --train F [--valid F] [--test F]   the splits to binarise
  --encoding utf-8|latin-1|auto      input encoding (default utf-8; auto = UTF-8, else Latin-1, logged)
tags
  --task ner|pos               default: the format's (ner for conll2002/conll2003/wikiann, pos otherwise)
  --scheme BIOES|BIO           output scheme for NER tags (default BIOES, as in Lin et al. 2018)
  --input-scheme IOB1|IOB2|BIOES     scheme of the files (default: conll2003 IOB1, others IOB2)
  --repair                     an I- tag that cannot follow the previous tag becomes B- (counted)
  --drop-overlap               drop valid/test sentences whose words are a training sentence's (always counted)
selection and vocabulary
  --max-sentences N            first N training sentences (default all); the whole file is still checked
  --min-count C                word dictionary min count (default 1)
  --lowercase                  lowercase the word stream (characters keep their case)
  --word-dict F --char-dict F --tag-dict F   reuse dictionaries (e.g. from another language's DEST);
                               repeat an option to use the union of several (counts summed)
  --add-words VECTORS          word2vec text file (e.g. the run's --pretrained-word-vectors): its words join
                               the word dictionary with count 0, so dev words with a vector are not <unk>
sub-words (for encoders trained on a data-bin of preprocess/multilingual.sh --subword spm|bpe)
  --subword-from DATA_BIN      split each word on its own into DATA_BIN's sub-words; DEST gets
                               {split}.{subword,pieces,tag} (pieces = sub-words per word), DATA_BIN's joined
                               dictionary as dict.subword.txt and its model; no word/char streams (--tag-dict only)
output
  --dest DIR                   the data-bin to create
  --force                      rebuild DEST when it was made by another request
  --no-text                    do not keep DEST/text/
  --workers N                  fairseq-preprocess workers (default 1)
EOF
    exit 2
}

FORMAT="" LANG_CODE="" TASK="" DEST="" ENCODING=utf-8 SCHEME=BIOES INPUT_SCHEME=""
MAX_SENTENCES=0 MIN_COUNT=1 REPAIR=0 DROP_OVERLAP=0 LOWERCASE=0 KEEP_TEXT=1 WORKERS=1 SUBWORD_FROM=""
declare -A SPLIT_FILE=()
DICT_ARGS=()

XLING_ARGS=("$@")
while [[ $# -gt 0 ]]; do
    opt="$1"
    case "$opt" in
        --repair) REPAIR=1; shift; continue ;;
        --drop-overlap) DROP_OVERLAP=1; shift; continue ;;
        --lowercase) LOWERCASE=1; shift; continue ;;
        --no-text) KEEP_TEXT=0; shift; continue ;;
        --force) shift; continue ;;  # read by dest_begin
        -h|--help) usage ;;
    esac
    [[ $# -ge 2 ]] || die "$opt: missing value"
    val="$2"
    case "$opt" in
        --format) FORMAT="$val" ;;
        --lang) LANG_CODE="$val" ;;
        --task) TASK="$val" ;;
        --dest) DEST="$val" ;;
        --train|--valid|--test) require_file "$val" "$opt"; SPLIT_FILE[${opt#--}]="$val" ;;
        --encoding) ENCODING="$val" ;;
        --scheme) SCHEME="$val" ;;
        --input-scheme) INPUT_SCHEME="$val" ;;
        --max-sentences) MAX_SENTENCES="$val" ;;
        --min-count) MIN_COUNT="$val" ;;
        --word-dict|--char-dict|--tag-dict|--add-words) require_file "$val" "$opt"; DICT_ARGS+=("$opt" "$val") ;;
        --subword-from) [[ -d "$val" ]] || die "$val: no such directory (given by $opt)"; SUBWORD_FROM="$val" ;;
        --workers) WORKERS="$val" ;;
        *) echo "unknown option: $opt" >&2; usage ;;
    esac
    shift 2
done

[[ -n "$FORMAT" && -n "$LANG_CODE" && -n "$DEST" && -n "${SPLIT_FILE[train]:-}" ]] || usage
for number in "$MAX_SENTENCES" "$MIN_COUNT" "$WORKERS"; do
    [[ "$number" =~ ^[0-9]+$ ]] || die "$number: expected a non-negative integer option value"
done
case "$FORMAT" in
    conll2002|conll2003|wikiann|conllu|udpos) ;;
    *) die "--format $FORMAT: expected conll2002, conll2003, wikiann, conllu or udpos" ;;
esac
case "$ENCODING" in utf-8|latin-1|auto) ;; *) die "--encoding $ENCODING: expected utf-8, latin-1 or auto" ;; esac

dest_begin "$DEST"  # exits 0 here when DEST is complete and made by the same request
WORK="$XLING_TMP_DEST"

# ---- read, check, convert tags, select; text streams, dictionaries and preprocess.json
prepare_args=(
    --format "$FORMAT" --lang "$LANG_CODE" --scheme "$SCHEME" --encoding "$ENCODING"
    --max-sentences "$MAX_SENTENCES" --min-count "$MIN_COUNT" --out-dir "$WORK"
    ${DICT_ARGS[@]+"${DICT_ARGS[@]}"}
)
for split in train valid test; do
    [[ -z "${SPLIT_FILE[$split]:-}" ]] || prepare_args+=(--"$split" "${SPLIT_FILE[$split]}")
done
[[ -z "$TASK" ]] || prepare_args+=(--task "$TASK")
[[ -z "$INPUT_SCHEME" ]] || prepare_args+=(--input-scheme "$INPUT_SCHEME")
[[ $REPAIR == 0 ]] || prepare_args+=(--repair)
[[ $DROP_OVERLAP == 0 ]] || prepare_args+=(--drop-overlap)
[[ $LOWERCASE == 0 ]] || prepare_args+=(--lowercase)
[[ -z "$SUBWORD_FROM" ]] || prepare_args+=(--subword-from "$SUBWORD_FROM")
run_step "$PYTHON" -m fairseq_xling.text.conll prepare "${prepare_args[@]}"

# ---- binarise each stream with its dictionary: {split}.{word,char,tag}.{bin,idx} (or {split}.{subword,tag}: the
# pieces-per-word stream {split}.pieces is binarised by prepare), aligned by sentence, in one process
# (fairseq-preprocess's own binariser, without its start-up once per stream)
TEXT="$WORK/text"
STREAMS=(word char tag)
[[ -z "$SUBWORD_FROM" ]] || STREAMS=(subword tag)
stream_args=()
for split in train valid test; do
    [[ -n "${SPLIT_FILE[$split]:-}" ]] || continue
    for stream in "${STREAMS[@]}"; do
        stream_args+=(--stream "$split.$stream=dict.$stream.txt")
    done
done
log "binarise ${stream_args[*]}"
run_step "$PYTHON" -m fairseq_xling.text.binarize "$WORK" "${stream_args[@]}" --workers "$WORKERS"
# the streams were only fairseq-preprocess input; text/{split}.tsv stays as the readable copy
for split in train valid test; do
    for stream in "${STREAMS[@]}"; do rm -f "$TEXT/$split.$stream"; done
done
[[ $KEEP_TEXT == 1 ]] || rm -rf "$TEXT"

dest_finish "$DEST"
log "wrote $DEST: $("$PYTHON" -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["counts"], "repaired", m["repaired"])' "$DEST/preprocess.json")"
