#!/usr/bin/env bash
# Traces one pooler under pgbench load: who wakes whom, how often the pooler is preempted, and the order of its I/O.
#
# usage: bench/sched-trace.sh PORT POOLER_PID [CLIENTS=500] [SECONDS=2]
#   Runs pgbench -S (user bench, database bench, as the harness sets them up) against 127.0.0.1:PORT, records
#   sched_wakeup/sched_switch system-wide and the pooler's socket syscalls with perf for SECONDS in the middle
#   of the run, and prints per transaction:
#   - wakeups and context switches by kind of task (pgbench, postgres, pooler, idle);
#   - how often a woken PostgreSQL backend was placed on the pooler's own CPU (the wake-affine decision);
#   - the pooler's I/O per epoll_wait: r = server read, C = client write, q = client read, S = server write;
#   - the pooler's time on a CPU and waiting on a run queue, and whether it shares pgbench's scheduling group.
# Run it once per pooler (PgBouncer's pid is in its pidfile) and compare. Needs root for perf's tracepoints.
set -euo pipefail
PORT=${1:?usage: bench/sched-trace.sh PORT POOLER_PID [CLIENTS] [SECONDS]}
PID=${2:?usage: bench/sched-trace.sh PORT POOLER_PID [CLIENTS] [SECONDS]}
CLIENTS=${3:-500}
SECS=${4:-2}
command -v perf >/dev/null || { echo "sched-trace: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
work=$(mktemp -d /tmp/sched-trace.XXXXXX)
PGPASSWORD=${BENCH_PASSWORD:-bench-throwaway} pgbench -h 127.0.0.1 -p "$PORT" -U bench -n -S -c "$CLIENTS" -j 2 \
    -P 1 -T $((SECS + 10)) bench >"$work/pgbench.log" 2>&1 &
bench=$!
sleep 5 # past the logins
# the pooler's threads, on a CPU and waiting on a run queue (ns), over seconds 5-7, before perf slows everything
schedstat() { cat /proc/"$PID"/task/*/schedstat 2>/dev/null | awk '{ run += $1; wait += $2 } END { print run, wait }'; }
before=$(schedstat)
sleep 2
after=$(schedstat)
perf record -q -a -e sched:sched_wakeup,sched:sched_switch -o "$work/sched.data" -- sleep "$SECS" >/dev/null 2>&1
# a pooler in pgbench's scheduling group competes with it for one group's CPU share (bench/own-session.sh)
group() { cat "/proc/$1/autogroup" 2>/dev/null | awk '{ print $1 }' || true; }
pooler_group=$(group "$PID") bench_group=$(group "$bench")
perf record -q -e syscalls:sys_exit_epoll_pwait2,syscalls:sys_exit_epoll_wait,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom \
    -p "$PID" -o "$work/io.data" -- sleep 1 >/dev/null 2>&1
wait $bench
tps=$(awk '/^tps/ {print $3}' "$work/pgbench.log")
[[ -n $tps ]] || { echo "sched-trace: pgbench failed: $(tail -3 "$work/pgbench.log")" >&2; exit 1; }
perf script -i "$work/sched.data" -F comm,pid,cpu,event,trace >"$work/sched.txt" 2>/dev/null
perf script -i "$work/io.data" -F event,trace >"$work/io.txt" 2>/dev/null
# transactions in that window, from pgbench's progress lines for seconds 6 and 7
window=$(awk '/^progress: [67]\.0 s/ { t += $4 } END { print t + 0 }' "$work/pgbench.log")
[[ $window != 0 ]] || window=$(awk -v t="$tps" 'BEGIN { print 2 * t }')
awk -v b="$before" -v a="$after" -v n="$window" 'BEGIN {
    split(b, x, " "); split(a, y, " ")
    printf "pooler: %.1f us on a CPU and %.1f us waiting on a run queue per transaction\n", (y[1] - x[1]) / n / 1000, (y[2] - x[2]) / n / 1000
}'
if [[ -n $pooler_group ]]; then
    echo "scheduling groups (autogroup): pooler $pooler_group, pgbench ${bench_group:-?}"
    [[ $pooler_group == "$bench_group" ]] && echo "  warning: the pooler shares pgbench's group; start it in a session of its own (setsid)"
fi
python3 - "$work/sched.txt" "$work/io.txt" "$tps" "$SECS" <<'EOF'
import collections, re, sys

sched, io, tps, secs = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
txns = tps * secs

def kind(comm):
    for prefix, name in (('pgbench', 'pgbench'), ('postgres', 'postgres'), ('swapper', 'idle'),
                         ('epoll', 'pooler'), ('pgbouncer', 'pooler')):
        if comm.startswith(prefix):
            return name
    return 'other'

wakes, switches = collections.Counter(), collections.Counter()
running, placed = {}, collections.Counter()
for line in open(sched):
    m = re.match(r'\s*(\S+)\s+\d+\s+\[(\d+)\]\s+sched:(\w+): (.*)', line)
    if not m:
        continue
    comm, cpu, event, rest = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    if event == 'sched_switch':
        prev, nxt = re.search(r'prev_comm=(\S+)', rest).group(1), re.search(r'next_comm=(\S+)', rest).group(1)
        state = re.search(r'prev_state=(\S+)', rest).group(1)
        switches[(kind(prev), 'preempted' if state.startswith('R') else 'sleeps', kind(nxt))] += 1
        running[cpu] = kind(nxt)
    elif event == 'sched_wakeup':
        target = kind(re.search(r'comm=(\S+)', rest).group(1))
        wakes[(kind(comm), target)] += 1
        if kind(comm) == 'pooler' and target == 'postgres':
            placed['own' if int(re.search(r'target_cpu=(\d+)', rest).group(1)) == cpu else 'other'] += 1

print(f"tps {tps:.0f}; per transaction, over {secs:.0f} s:")
for (waker, wakee), n in wakes.most_common(6):
    print(f"  {waker:>8} wakes {wakee:<8} {n / txns:.3f}")
for (prev, how, nxt), n in switches.most_common(10):
    print(f"  {prev:>8} {how:<9} -> {nxt:<8} {n / txns:.3f}")
if placed:
    print(f"  woken backends placed on the pooler's own CPU: {placed['own'] / sum(placed.values()):.0%}")

events = []
for line in open(io):
    m = re.search(r'sys_(?:enter|exit)_(\w+): (.*)', line)
    if not m:
        continue
    call, rest = m.groups()
    if call.startswith('epoll'):
        events.append(('wait', None))
    else:
        events.append(('write' if call in ('write', 'sendto') else 'read',
                       int(re.search(r'fd: (0x[0-9a-f]+)', rest).group(1), 16)))
# a server socket gets a write every pool_size-th transaction, a client socket every CLIENTS-th: the busy ones are servers
writes = collections.Counter(fd for what, fd in events if what == 'write')
servers = {fd for fd, n in writes.items() if n > max(writes.values()) / 4}
loops, cur = [], []
for what, fd in events:
    if what == 'wait':
        if cur:
            loops.append(''.join(cur))
        cur = []
    else:
        cur.append(('S' if fd in servers else 'C') if what == 'write' else ('r' if fd in servers else 'q'))
if loops:
    replies = sum(l.count('C') for l in loops)
    print(f"  pooler I/O: {len(servers)} server sockets, {replies / len(loops):.1f} replies per epoll_wait; "
          f"a typical loop: {sorted(loops, key=len)[len(loops) // 2][:60]}")
EOF
rm -rf "$work"
