# Sourced by the bench scripts: starts Sluice in a session of its own, as PgBouncer's -d (daemonize) does for itself.
#
# Why it matters: with autogroup scheduling (CONFIG_SCHED_AUTOGROUP, /proc/sys/kernel/sched_autogroup_enabled = 1,
# the default of Debian's and most distributions' kernels) every session is one scheduling group, and the CPU is
# shared between groups before it is shared between tasks. A pooler started in the benchmark's own session lands
# in pgbench's group and competes with pgbench for one group's share, while PgBouncer (its own session after -d)
# has a whole group's share to itself. At 500 clients on 2 cores that alone cost Sluice 10-20% of throughput
# against PgBouncer (its loop waited 21-37 us per transaction on the run queue against PgBouncer's 15-25 us, and
# 0.06 more cores stood idle). In production a pooler runs as a service or a container: a session of its own.

# start_sluice LOG PIDFILE JAVA_ARGS...: sets SLUICE_PID to the java process
start_sluice() {
    local log=$1 pidfile=$2
    shift 2
    rm -f "$pidfile"
    # --fork: the new session's leader is a fresh child whatever this shell's job control does; it writes its own
    # pid, then becomes java
    setsid --fork sh -c 'echo $$ >"$0"; exec java "$@"' "$pidfile" "$@" >"$log" 2>&1 </dev/null
    local _
    for _ in $(seq 1 50); do
        [[ -s $pidfile ]] && break
        sleep 0.1
    done
    [[ -s $pidfile ]] || { echo "bench: sluice did not start (no $pidfile)" >&2; return 1; }
    SLUICE_PID=$(cat "$pidfile")
}

# stop_sluice: SIGTERM (Sluice drains and exits), then waits up to 10 s; not this shell's child, so no `wait`
stop_sluice() {
    [[ -n ${SLUICE_PID:-} ]] || return 0
    kill "$SLUICE_PID" 2>/dev/null || return 0
    local _
    for _ in $(seq 1 100); do
        kill -0 "$SLUICE_PID" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$SLUICE_PID" 2>/dev/null || true
}
