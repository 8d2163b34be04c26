# Shared helpers for the preprocess/ pipelines. Source it, don't run it:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Environment:
#   PYTHON              Python with fairseq_xling's dependencies (default: python3)
#   FAIRSEQ_PREPROCESS  fairseq-preprocess command (default: on PATH, else next to $PYTHON)

XLING_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
# the pipelines run the Python half from this checkout, installed or not
export PYTHONPATH="$XLING_REPO${PYTHONPATH:+:$PYTHONPATH}"
XLING_SCRIPT="$(basename "$0")"

log() { echo "[$XLING_SCRIPT] $*" >&2; }

die() {
    echo "[$XLING_SCRIPT] error: $*" >&2
    exit 1
}

# require_file FILE OPTION: stop unless FILE is a readable file
require_file() {
    [[ -f "$1" && -r "$1" ]] || die "$1: no such file (given by $2)"
}

# require_int OPTION VALUE [MIN]: stop unless VALUE is an integer >= MIN (default 0)
require_int() {
    local expected="an integer >= ${3:-0}"
    [[ "${3:-0}" != 0 ]] || expected="a non-negative integer"
    [[ "$2" =~ ^[0-9]+$ ]] && (($2 >= ${3:-0})) || die "$1 $2: expected $expected"
}

# require_number OPTION VALUE CONDITION WHAT: stop unless VALUE is a number for which the awk CONDITION on x
# holds, e.g. require_number --valid-ratio "$R" 'x > 0 && x < 1' "a number in (0, 1)"
require_number() {
    local number='^([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$'
    [[ "$2" =~ $number ]] && awk -v x="$2" "BEGIN { exit !($3) }" || die "$1 $2: expected $4"
}

# require_encoding OPTION NAME: stop unless Python knows the text encoding NAME (utf-8, latin-1, cp1252, ...)
require_encoding() {
    "$PYTHON" -c 'import codecs, sys; codecs.lookup(sys.argv[1])' "$2" 2>/dev/null \
        || die "$1 $2: unknown text encoding; expected a Python codec name such as utf-8, latin-1 or cp1252"
}

# fairseq_preprocess ARGS...: run fairseq-preprocess quietly, show its log when it fails
fairseq_preprocess() {
    local cmd="${FAIRSEQ_PREPROCESS:-}"
    if [[ -z "$cmd" ]]; then
        if command -v fairseq-preprocess >/dev/null 2>&1; then
            cmd=fairseq-preprocess
        else
            cmd="$(dirname "$(command -v "$PYTHON")")/fairseq-preprocess"
        fi
    fi
    local out
    if ! out="$("$cmd" "$@" 2>&1)"; then
        echo "$out" >&2
        die "fairseq-preprocess failed (arguments: $*)"
    fi
}

# source_url CORPUS: the download address of CORPUS, from preprocess/sources.tsv (every corpus's URL, one place)
source_url() {
    awk -F'\t' -v c="$1" '$1 == c { print $2; found = 1 } END { exit !found }' \
        "$(dirname "${BASH_SOURCE[0]}")/sources.tsv" || die "preprocess/sources.tsv has no corpus $1"
}

# require_corpus DATA CORPUS FILE...: stop unless every FILE (relative to DATA) exists, naming what to download
# and where to put it (preprocess/sources.tsv)
require_corpus() {
    local data="$1" corpus="$2" missing=() f
    shift 2
    for f in "$@"; do [[ -f "$data/$f" ]] || missing+=("$data/$f"); done
    ((${#missing[@]} == 0)) && return 0
    local row
    row=$(awk -F'\t' -v c="$corpus" '$1 == c' "$(dirname "${BASH_SOURCE[0]}")/sources.tsv")
    die "missing ${missing[*]}: download $corpus from $(cut -f2 <<< "$row") and put it in" \
        "$data/$(cut -f3 <<< "$row") ($(cut -f4 <<< "$row")); or set XLING_DATA to a folder that has it"
}

# fetch_url URL OUT: download URL to OUT (atomically: OUT appears only when complete)
fetch_url() {
    local url="$1" out="$2"
    mkdir -p "$(dirname "$out")"
    log "downloading $url"
    if command -v curl >/dev/null 2>&1; then
        curl -fL --retry 3 -o "$out.part" "$url" || { rm -f "$out.part"; die "$url: download failed"; }
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$out.part" "$url" || { rm -f "$out.part"; die "$url: download failed"; }
    else
        die "$url: neither curl nor wget is installed; download it yourself and pass local files"
    fi
    mv "$out.part" "$out"
}

# Destination handling: every pipeline writes into a temporary directory next to DEST and renames it
# at the very end, so DEST either is complete or does not exist.
#
#   dest_begin DEST      exits 0 if DEST is already complete (has preprocess.json), stops if DEST exists
#                        but is incomplete, else sets XLING_TMP_DEST and removes it again on any failure
#   dest_finish DEST     renames XLING_TMP_DEST to DEST
XLING_TMP_DEST=""

_dest_cleanup() {
    if [[ -n "$XLING_TMP_DEST" && -d "$XLING_TMP_DEST" ]]; then
        rm -rf "$XLING_TMP_DEST"
    fi
}

dest_begin() {
    local dest="$1"
    if [[ -e "$dest" ]]; then
        if [[ -f "$dest/preprocess.json" ]]; then
            log "$dest is already complete (preprocess.json exists): nothing to do"
            exit 0
        fi
        die "$dest exists but is not a complete data-bin (no preprocess.json); remove it or choose another destination"
    fi
    mkdir -p "$(dirname "$dest")"
    XLING_TMP_DEST="$(mktemp -d "$(dirname "$dest")/.$(basename "$dest").tmp.XXXXXX")"
    chmod "$(printf '%o' $((0777 & ~$(umask))))" "$XLING_TMP_DEST"  # mktemp makes it private
    trap _dest_cleanup EXIT
    trap 'exit 130' INT TERM
}

dest_finish() {
    local dest="$1"
    mv -T "$XLING_TMP_DEST" "$dest"
    XLING_TMP_DEST=""
}
