#!/usr/bin/env bash
# bench/tls.sh: pgbench select-only over TLS through Sluice and through PgBouncer, and new TLS connections per second (-C).
#
# Run by hand (as root, beside the machine's PostgreSQL on 127.0.0.1:5432), after `make bench` has run once:
# that created the database "bench", its pgbench tables and the roles bench / bench_i1 of
# ../shared/bench/userlist.txt (password bench-throwaway). This script starts its own Sluice and its own
# PgBouncer on free ports with client_tls_sslmode = require and throwaway EC P-256 certificates, runs the
# scenarios interleaved, prints a table and stops both by PID. Knobs (env): DURATION=10 ROUNDS=2 CLIENTS=20
# CONNECT_CLIENTS=8 THREADS=2 WARMUP=5 (seconds per target before measuring) HANDSHAKE_SECONDS=5 (openssl
# s_time against Sluice's direct TLS; 0 = skip).
#   s   select-only (-S), simple protocol, CLIENTS clients, sslmode=require
#   C   connect per transaction (-C), select-only, CONNECT_CLIENTS clients, user bench_i1 (1 SCRAM iteration,
#       so pgbench's own PBKDF2 does not dominate): new TLS connections per second, handshake + login included
#   h   (Sluice only) bare TLS handshakes per second with `openssl s_time -new` over direct TLS; PgBouncer
#       1.18 has no direct TLS to compare with
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10} ROUNDS=${ROUNDS:-2} CLIENTS=${CLIENTS:-20} CONNECT_CLIENTS=${CONNECT_CLIENTS:-8}
THREADS=${THREADS:-2} HANDSHAKE_SECONDS=${HANDSHAKE_SECONDS:-5} WARMUP=${WARMUP:-5}
USERLIST=${USERLIST:-$(cd ../shared/bench 2>/dev/null && pwd)/userlist.txt}
JAR=proxy/target/sluice.jar
die() { echo "tls-bench: $*" >&2; exit 1; }
[[ -f $USERLIST ]] || die "no userlist at $USERLIST (set USERLIST)"
[[ -f $JAR ]] || make build
command -v pgbouncer >/dev/null || die "pgbouncer is not installed (apt-get install pgbouncer)"
export PGPASSWORD=bench-throwaway PGCONNECT_TIMEOUT=10 PGGSSENCMODE=disable
PGSSLMODE=disable psql -X -q -h 127.0.0.1 -p 5432 -U bench -d bench -c "select 1 from pgbench_accounts limit 1" \
    >/dev/null 2>&1 || die "database bench with pgbench tables and role bench needed: run make bench once"

work=$(mktemp -d /tmp/sluice-tls-bench.XXXXXX)
chmod 755 "$work"
mkdir "$work/pgb" && chown postgres: "$work/pgb" # PgBouncer runs as postgres and writes its log and pid here
SLUICE_PID= PGB_PID=
. bench/own-session.sh
cleanup() {
    stop_sluice
    [[ -z $PGB_PID && -f $work/pgb/pgbouncer.pid ]] && PGB_PID=$(cat "$work/pgb/pgbouncer.pid")
    [[ -n $PGB_PID ]] && kill "$PGB_PID" 2>/dev/null
    true
}
trap cleanup EXIT

ssl() { openssl "$@" >>"$work/openssl.log" 2>&1; }
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" \
    -days 2 -subj "/CN=tls bench CA"
ssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/server.key" \
    -out "$work/server.csr" -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/ext"
ssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -set_serial 1 -days 2 -sha256 \
    -extfile "$work/ext" -out "$work/server.crt"
chmod 644 "$work"/*.key # throwaway; PgBouncer runs as postgres and must read it

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SP=$(free_port) BP=$(free_port)
common() {
    cat <<INI
[databases]
bench = host=127.0.0.1 port=5432 dbname=bench
INI
}
{ common; cat <<INI; } >"$work/sluice.ini"
[sluice]
listen_addr = 127.0.0.1
listen_port = $SP
pool_mode = transaction
default_pool_size = 20
max_client_conn = 2000
auth_type = scram-sha-256
auth_file = $USERLIST
log_connections = 0
log_disconnections = 0
client_tls_sslmode = require
client_tls_cert_file = $work/server.crt
client_tls_key_file = $work/server.key
server_tls_sslmode = disable
INI
{ common; cat <<INI; } >"$work/pgbouncer.ini"
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BP
unix_socket_dir =
pool_mode = transaction
default_pool_size = 20
max_client_conn = 2000
auth_type = scram-sha-256
auth_file = $USERLIST
log_connections = 0
log_disconnections = 0
logfile = $work/pgb/pgbouncer.log
pidfile = $work/pgb/pgbouncer.pid
client_tls_sslmode = require
client_tls_cert_file = $work/server.crt
client_tls_key_file = $work/server.key
server_tls_sslmode = disable
INI
# each pooler in a session of its own (PgBouncer's -d makes one): bench/own-session.sh says why
# shellcheck disable=SC2086 # SLUICE_JAVA_OPTS is a list of JVM options
start_sluice "$work/sluice.log" "$work/sluice.pid" ${SLUICE_JAVA_OPTS:--Xms256m -Xmx512m -XX:+UseParallelGC} \
    -jar "$JAR" --config "$work/sluice.ini" || die "sluice did not start"
runuser -u postgres -- pgbouncer -d "$work/pgbouncer.ini" >"$work/pgbouncer.out" 2>&1 || die "pgbouncer: $(cat "$work/pgbouncer.out")"
for _ in $(seq 1 100); do
    [[ -f $work/pgb/pgbouncer.pid ]] && grep -q "listening on" "$work/sluice.log" 2>/dev/null && break
    kill -0 "$SLUICE_PID" 2>/dev/null || die "sluice did not start: $(cat "$work/sluice.log")"
    sleep 0.1
done
[[ -f $work/pgb/pgbouncer.pid ]] || die "pgbouncer did not start: $(tail -5 "$work/pgb/pgbouncer.log" 2>&1)"
PGB_PID=$(cat "$work/pgb/pgbouncer.pid")
echo "tls-bench: sluice pid $SLUICE_PID port $SP, pgbouncer pid $PGB_PID port $BP, files in $work" >&2

# tps of one pgbench run, or FAIL
run() { # name port label args...
    local name=$1 port=$2 label=$3; shift 3
    local out="$work/$label.$name.log"
    if PGSSLMODE=require pgbench -n -h 127.0.0.1 -p "$port" -T "$DURATION" -j "$THREADS" "$@" bench >"$out" 2>&1; then
        awk '/^tps = /{printf "%.0f", $3; exit}' "$out"
    else
        echo FAIL
    fi
}
declare -A results
if [[ ${WARMUP:-5} -gt 0 ]]; then # the JVM compiles its hot paths during the first seconds; do not measure that
    for t in sluice:$SP pgbouncer:$BP; do
        DURATION=$WARMUP run "${t%%:*}" "${t##*:}" warmup -S -c "$CLIENTS" -U bench >/dev/null
        DURATION=$WARMUP run "${t%%:*}" "${t##*:}" warmupC -S -C -c "$CONNECT_CLIENTS" -U bench_i1 >/dev/null
    done
fi
for r in $(seq 1 "$ROUNDS"); do
    for t in sluice:$SP pgbouncer:$BP; do
        name=${t%%:*} port=${t##*:}
        results[s.$name]+="$(run "$name" "$port" "s.r$r" -S -c "$CLIENTS" -U bench) "
        results[C.$name]+="$(run "$name" "$port" "C.r$r" -S -C -c "$CONNECT_CLIENTS" -U bench_i1) "
    done
done
handshakes=skipped
if [[ $HANDSHAKE_SECONDS -gt 0 ]]; then
    # each connection: TLS handshake over direct TLS, then Sluice refuses the missing ALPN and closes
    ticks() { awk '{print $14 + $15}' "/proc/$SLUICE_PID/stat"; }
    t0=$(ticks)
    # s_time's "connections/user sec" is per second of its own CPU; the wall-clock rate is N / real seconds
    read -r n secs < <(openssl s_time -connect 127.0.0.1:$SP -new -time "$HANDSHAKE_SECONDS" 2>/dev/null \
        | awk '/connections in [0-9.]+ real seconds/{print $1, $4; exit}') || true
    t1=$(ticks)
    if [[ -n ${n:-} && ${n:-0} -gt 0 ]]; then # and Sluice's CPU per handshake, JIT and its refusal log line included
        handshakes=$(awk -v n="$n" -v s="$secs" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
            'BEGIN {printf "%.0f (%.1f ms CPU each)", n / s, t * 1000 / hz / n}')
    fi
    handshakes=${handshakes:-FAIL}
fi
printf '\n%-34s %-24s %-24s\n' "scenario (tps per round)" sluice pgbouncer
printf '%-34s %-24s %-24s\n' "s  select-only over TLS, $CLIENTS clients" "${results[s.sluice]}" "${results[s.pgbouncer]}"
printf '%-34s %-24s %-24s\n' "C  new TLS connections/s (-C)" "${results[C.sluice]}" "${results[C.pgbouncer]}"
printf '%-34s %-24s %-24s\n' "h  TLS handshakes/s (s_time)" "$handshakes" "n/a"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (nproc $(nproc))"
