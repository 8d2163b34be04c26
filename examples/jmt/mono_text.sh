#!/usr/bin/env bash
# Monolingual German and English text from ../shared/data, Moses-tokenised, one sentence per line:
# WikiANN sentences (already tokenised), Multi30k captions and the UDHR. None of it overlaps ComTrans.
#   bash examples/jmt/mono_text.sh DATA_DIR OUT_DIR   ->  OUT_DIR/mono.de, OUT_DIR/mono.en
set -euo pipefail
data=${1:?usage: mono_text.sh DATA_DIR OUT_DIR}
out=${2:?usage: mono_text.sh DATA_DIR OUT_DIR}
PYTHON=${PYTHON:-python}
[[ -f "$out/mono.de" && -f "$out/mono.en" ]] && { echo "mono_text: $out already has mono.de and mono.en"; exit 0; }
mkdir -p "$out"
tmp=$(mktemp -d "$out/.mono.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
declare -A udhr=([de]=deu [en]=eng)
for lang in de en; do
    for f in "$data/wikiann/$lang/train" "$data/multi30k/train.$lang" "$data/udhr2/${udhr[$lang]}.txt"; do
        [[ -f "$f" ]] || { echo "mono_text: missing $f (set XLING_DATA to ../shared/data)" >&2; exit 1; }
    done
    # WikiANN: `lang:token<TAB>tag` lines, a blank line between sentences
    awk -F'\t' 'NF == 0 || $0 == "" { if (s != "") print s; s = ""; next }
                { sub(/^[a-z][a-z]:/, "", $1); s = (s == "" ? $1 : s " " $1) }
                END { if (s != "") print s }' "$data/wikiann/$lang/train" > "$tmp/wikiann.$lang"
    cat "$data/multi30k/train.$lang" <(sed 's/^[[:space:]]*//; /^$/d' "$data/udhr2/${udhr[$lang]}.txt") \
        | "$PYTHON" -m fairseq_xling.text.tokenize --lang "$lang" > "$tmp/raw.$lang"
    cat "$tmp/wikiann.$lang" "$tmp/raw.$lang" | sed '/^[[:space:]]*$/d' > "$tmp/mono.$lang"
    echo "mono_text: $lang: $(wc -l < "$tmp/mono.$lang") sentences"
done
mv "$tmp/mono.de" "$tmp/mono.en" "$out/"
