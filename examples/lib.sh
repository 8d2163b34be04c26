# Shell functions of the examples' run.sh scripts (sourced after `cd` to the repository root).

JOBS=()

start() {  # COMMAND ARGS...: run it as a background job (wait_jobs waits for it)
    "$@" &
    JOBS+=($!)
}

wait_jobs() {  # wait for every started job, then fail when any of them failed (a bare `wait` returns 0 whatever
               # its jobs did, and the next step would run on missing results)
    local failed=0 pid
    for pid in "${JOBS[@]}"; do wait "$pid" || failed=1; done
    JOBS=()
    return $failed
}
