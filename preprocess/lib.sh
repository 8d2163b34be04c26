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
    out="$(mktemp "${XLING_TMP_DEST:-${TMPDIR:-/tmp}}/.fairseq-preprocess.XXXXXX.log")"
    "$cmd" "$@" > "$out" 2>&1 &  # as run_step, with the output kept for an error
    if ! wait $!; then
        cat "$out" >&2
        rm -f "$out"
        die "fairseq-preprocess failed (arguments: $*)"
    fi
    rm -f "$out"
}

# source_url CORPUS: the download address of CORPUS, from preprocess/sources.tsv (every corpus's URL, one place)
binarize_mono() {  # binarize_mono LANG WORK: WORK/text/mono.LANG -> WORK/mono.LANG.{bin,idx} with WORK/dict.LANG.txt
    local lang="$1" work="$2" out="$2/.mono.$1" ext found
    log "fairseq-preprocess mono.$lang"
    fairseq_preprocess --only-source --source-lang "$lang" --trainpref "$work/text/mono" \
        --srcdict "$work/dict.$lang.txt" --destdir "$out" --workers "${WORKERS:-1}" --dataset-impl mmap
    for ext in bin idx; do
        found=("$out"/train.*"$lang".$ext)
        [[ -f "${found[0]}" ]] || die "$out: fairseq-preprocess wrote no train.*.$ext"
        mv "${found[0]}" "$work/mono.$lang.$ext"
    done
    rm -rf "$out"
}

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
# at the very end, so DEST either is complete or does not exist. DEST/request.txt records what was asked
# (the pipeline, its arguments, the size and SHA-256 of every input file named in them), so a
# re-run is a no-op only when it asks the same; a different request stops and says what differs, unless
# --force (then DEST is rebuilt and replaced only once the new one is complete).
#
#   XLING_ARGS=("$@")    every pipeline saves its arguments first; --force among them sets XLING_FORCE
#   dest_begin DEST      exits 0 if DEST is complete and made by the same request, stops if it differs (or
#                        is incomplete), else sets XLING_TMP_DEST (.DEST.tmp.PID.XXXXXX) and removes it again
#                        on any failure or signal, stopping the pipeline's child processes too; temporary
#                        directories of DEST left by a killed run are removed first
#   run_step CMD ARGS... runs a long step so that a signal stops it at once (bash waits for a foreground
#                        command before it runs a trap; it does not wait for `wait`)
#   dest_finish DEST     writes DEST/request.txt, renames XLING_TMP_DEST to DEST
XLING_TMP_DEST=""
XLING_ARGS=()
XLING_REQUEST="request.txt"

# request_text: the request of this run, one line per item, the same for the same request from any folder; a file
# is known by its content (a data folder copied again, with new modification times, is the same request)
request_text() {
    echo "pipeline $XLING_SCRIPT"
    local i arg skip=0
    for ((i = 0; i < ${#XLING_ARGS[@]}; i++)); do
        arg="${XLING_ARGS[$i]}"
        if ((skip)); then skip=0; continue; fi
        case "$arg" in
            --force) continue ;;
            --dest) skip=1; continue ;;  # DEST itself is where the request is kept, not part of it
        esac
        if [[ -f "$arg" ]]; then
            echo "file $(realpath "$arg") size $(stat -c %s "$arg") sha256 $(sha256sum < "$arg" | cut -d' ' -f1)"
        elif [[ -d "$arg" ]]; then
            echo "folder $(realpath "$arg")"
        else
            echo "argument $arg"
        fi
    done
}

_kill_tree() {  # _kill_tree PID: TERM the process and everything it started
    local child
    for child in $(pgrep -P "$1" 2>/dev/null); do _kill_tree "$child"; done
    kill -TERM "$1" 2>/dev/null || true
}

_dest_cleanup() {
    if [[ -n "$XLING_TMP_DEST" && -d "$XLING_TMP_DEST" ]]; then
        rm -rf "$XLING_TMP_DEST"
    fi
}

_on_signal() {
    trap - INT TERM
    local child
    for child in $(pgrep -P $$ 2>/dev/null); do _kill_tree "$child"; done
    wait 2>/dev/null || true
    log "stopped by a signal; $DEST_FOR_LOG left as it was"
    exit 130
}

# _remove_stale_tmp DEST: remove .DEST.tmp.* folders whose run has ended; stop if one is still running
_remove_stale_tmp() {
    local dest="$1" tmp pid
    for tmp in "$(dirname "$dest")/.$(basename "$dest").tmp."*; do
        [[ -d "$tmp" ]] || continue
        pid="${tmp##*.tmp.}"
        pid="${pid%%.*}"
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            die "$dest: another run (process $pid) is writing it now (into $tmp); wait for it or stop it"
        fi
        log "removing $tmp, left by an interrupted run"
        rm -rf "$tmp"
    done
}

dest_begin() {
    local dest="$1" arg
    DEST_FOR_LOG="$dest"
    XLING_FORCE=0
    for arg in ${XLING_ARGS[@]+"${XLING_ARGS[@]}"}; do [[ "$arg" != --force ]] || XLING_FORCE=1; done
    if [[ -e "$dest" ]]; then
        [[ -f "$dest/preprocess.json" || $XLING_FORCE == 1 ]] \
            || die "$dest exists but is not a complete data-bin (no preprocess.json); remove it, choose another" \
                "destination, or add --force to replace it"
        if [[ $XLING_FORCE == 0 ]]; then
            [[ -f "$dest/$XLING_REQUEST" ]] || die "$dest was made without a record of its request" \
                "($XLING_REQUEST; an earlier version of the pipelines), so this run cannot tell whether it asks the" \
                "same: remove it, choose another destination, or add --force to rebuild it"
            local differs
            differs="$({ diff "$dest/$XLING_REQUEST" <(request_text) || true; } | sed -n 's/^< /    was: /p; s/^> /    now: /p')"
            if [[ -z "$differs" ]]; then
                log "$dest is already complete and made by the same request: nothing to do"
                exit 0
            fi
            die "$dest was made by another request; what differs:"$'\n'"$differs"$'\n'"remove it, choose another" \
                "destination, or add --force to rebuild it"
        fi
        log "--force: rebuilding $dest (the old one stays until the new one is complete)"
    fi
    mkdir -p "$(dirname "$dest")"
    _remove_stale_tmp "$dest"
    XLING_TMP_DEST="$(mktemp -d "$(dirname "$dest")/.$(basename "$dest").tmp.$$.XXXXXX")"
    chmod "$(printf '%o' $((0777 & ~$(umask))))" "$XLING_TMP_DEST"  # mktemp makes it private
    trap _dest_cleanup EXIT
    trap _on_signal INT TERM
}

run_step() {
    "$@" &
    wait $!
}

dest_finish() {
    local dest="$1" old=""
    request_text > "$XLING_TMP_DEST/$XLING_REQUEST"
    if [[ -e "$dest" ]]; then  # --force: swap, then remove the old one
        old="$(mktemp -d "$(dirname "$dest")/.$(basename "$dest").old.XXXXXX")"
        mv -T "$dest" "$old"
    fi
    mv -T "$XLING_TMP_DEST" "$dest"
    XLING_TMP_DEST=""
    [[ -z "$old" ]] || rm -rf "$old"
}
