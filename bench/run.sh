#!/usr/bin/env bash
# `make bench`: Sluice beside direct PostgreSQL and PgBouncer with ../shared/bench/pgbench-compare.sh, one run.
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench/pgbench-compare.sh}
[[ -x $HARNESS ]] || { echo "bench: $HARNESS not found (the shared bench folder sits beside this repo)" >&2; exit 1; }
JAR=proxy/target/sluice.jar
[[ -f $JAR ]] || make build
if ! command -v pgbouncer >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get install -y pgbouncer >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y pgbouncer >/dev/null; }
    else
        echo "bench: pgbouncer is not installed (apt-get install pgbouncer)" >&2; exit 1
    fi
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "bench: no PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }

work=$(mktemp -d /tmp/sluice-bench.XXXXXX)
chmod 755 "$work" # the harness runs PgBouncer as the postgres user, writing below here
userlist=$(cd "$(dirname "$HARNESS")" && pwd)/userlist.txt
{ cat bench/sluice-bench.ini; echo "auth_file = $userlist"; } >"$work/sluice.ini"
# the harness creates the roles and database; Sluice only needs to be listening when it starts
# in a session of its own, as the harness's PgBouncer (-d): own-session.sh says why this decides the 500-client figures
. bench/own-session.sh
trap stop_sluice EXIT
# shellcheck disable=SC2086 # SLUICE_JAVA_OPTS is a list of JVM options
start_sluice "$work/sluice.log" "$work/sluice.pid" ${SLUICE_JAVA_OPTS:--Xms256m -Xmx512m -XX:+UseParallelGC} \
    -jar "$JAR" --config "$work/sluice.ini"
for _ in $(seq 1 100); do
    grep -q "listening on" "$work/sluice.log" 2>/dev/null && break
    kill -0 $SLUICE_PID 2>/dev/null || { cat "$work/sluice.log" >&2; exit 1; }
    sleep 0.1
done
echo "bench: sluice pid $SLUICE_PID, log $work/sluice.log" >&2
# RAISE_MAX_CONNECTIONS=0: never restart the machine's shared PostgreSQL for scenario f (direct is then a probe only)
# WARMUP=30: every target gets 30 s of select-only before the first round (the harness's 5 s leave a fresh
# JVM still compiling its relay path; a pooler in service has long passed that)
# ROUNDS=5: on a shared 2-core machine one 10 s round of the same target swings by 10-20%; the median of three
# could not tell a 5% difference, which is the size of the margins this benchmark is asked to show
results=${RESULTS_DIR:-$work/results}
rc=0
ROUNDS=${ROUNDS:-5} WARMUP=${WARMUP:-30} RAISE_MAX_CONNECTIONS=${RAISE_MAX_CONNECTIONS:-0} "$HARNESS" direct=127.0.0.1:5432 pgbouncer=127.0.0.1:6432 \
    sluice=127.0.0.1:6433 --pid sluice=$SLUICE_PID --results "$results" "$@" || rc=$?
# the medians above hide how much rounds disagree; the paired ratios say how sure a difference is
echo
echo "Sluice against PgBouncer, round by round (geometric mean of the per-round TPS ratios, 95% interval):"
[[ -f $results/results.tsv ]] && bench/paired.sh "$results/results.tsv" | tee "$results/paired.md"
exit $rc
