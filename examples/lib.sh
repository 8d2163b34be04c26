# Shell functions of the examples' run.sh scripts (sourced after `cd` to the repository root).

STARTED=()  # the PIDs of the jobs `start` began (not JOBS: the scripts read a JOBS setting from the environment)

start() {  # COMMAND ARGS...: run it as a background job (wait_jobs waits for it)
    "$@" &
    STARTED+=($!)
}

start_at_most() {  # N COMMAND ARGS...: start it once fewer than N started jobs run (waiting for the oldest first;
                   # fails when a job waited for failed)
    local n=$1 pid
    shift
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "error: at most '$n' jobs side by side: expected a positive number" >&2
                                   return 2; }
    while (( ${#STARTED[@]} >= n )); do
        pid=${STARTED[0]}
        STARTED=("${STARTED[@]:1}")
        wait "$pid" || return 1
    done
    start "$@"
}

wait_jobs() {  # wait for every started job, then fail when any of them failed (a bare `wait` returns 0 whatever
               # its jobs did, and the next step would run on missing results)
    local failed=0 pid
    for pid in "${STARTED[@]}"; do wait "$pid" || failed=1; done
    STARTED=()
    return $failed
}

parallel_corpora() {  # DATA: PARALLEL_CORPORA = the multilingual.sh options of every en-X pair here (LibreOffice
                      # help de/es/fr/nl, Multi30k de/fr, ComTrans de, the Europarl samples es/fr; LibreOffice help
                      # valid as each pair's valid split), and MONO_SIDES = --mono options of each of their files
    local L="$1/libreoffice_help" M="$1/multi30k" C="$1/comtrans_de_en" E="$1/europarl_samples" i
    PARALLEL_CORPORA=(
        --train de-en "$L/train.de" "$L/train.en" --train de-en "$M/train.de" "$M/train.en"
        --train de-en "$C/comtrans.g" "$C/comtrans.e" --encoding "$C/comtrans.e=latin-1"
        --train fr-en "$L/train.fr" "$L/train.en" --train fr-en "$M/train.fr" "$M/train.en"
        --train fr-en "$E/fr-en/europarl-v7.fr-en.fr" "$E/fr-en/europarl-v7.fr-en.en"
        --train es-en "$L/train.es" "$L/train.en" --train es-en "$E/en-es/train.es" "$E/en-es/train.en"
        --train nl-en "$L/train.nl" "$L/train.en"
        --valid de-en "$L/valid.de" "$L/valid.en" --valid fr-en "$L/valid.fr" "$L/valid.en"
        --valid es-en "$L/valid.es" "$L/valid.en" --valid nl-en "$L/valid.nl" "$L/valid.en")
    MONO_SIDES=()
    for ((i = 0; i < ${#PARALLEL_CORPORA[@]}; i++)); do
        [[ ${PARALLEL_CORPORA[i]} == --train ]] || continue
        local pair=${PARALLEL_CORPORA[i + 1]} src=${PARALLEL_CORPORA[i + 2]} tgt=${PARALLEL_CORPORA[i + 3]}
        [[ " ${MONO_SIDES[*]} " == *" $src "* ]] || MONO_SIDES+=(--mono "${pair%-*}" "$src")
        [[ " ${MONO_SIDES[*]} " == *" $tgt "* ]] || MONO_SIDES+=(--mono "${pair#*-}" "$tgt")
    done
}

write_table() {  # OUT COMMAND...: COMMAND's output into OUT, replaced only when COMMAND succeeds (a failed table
                 # command leaves the last good table, not an emptied or half-written one)
    local out=$1
    shift
    if "$@" > "$out.tmp"; then mv "$out.tmp" "$out"; else rm -f "$out.tmp"; return 1; fi
}
