#!/usr/bin/env bash
# `make dist`: target/sluice-VERSION.tar.gz with the jar, the start script, example config and systemd unit.
#
# Layout (extract into /opt/sluice with --strip-components=1 to match the unit file):
#   sluice-VERSION/bin/sluice, bin/sluice-healthcheck   start script and HTTP health probe
#   sluice-VERSION/lib/sluice.jar                       the shaded jar (only a JRE 17+ needed)
#   sluice-VERSION/etc/sluice.ini, etc/userlist.txt     example configuration
#   sluice-VERSION/systemd/sluice.service               unit file (ExecReload sends SIGHUP)
#   sluice-VERSION/README.md                            the project README
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${1:-proxy/target/sluice.jar}
[[ -f $jar ]] || { echo "dist: $jar not found; run 'make build' first" >&2; exit 1; }
# The version the jar itself reports (from the pom, written into its manifest by the build).
version=$(java -jar "$jar" --version | awk '{ print $2 }')
[[ -n $version ]] || { echo "dist: could not read the version from $jar" >&2; exit 1; }
name=sluice-$version
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/$name
install -d "$root/bin" "$root/lib" "$root/etc" "$root/systemd"
install -m 755 deploy/bin/sluice deploy/bin/sluice-healthcheck "$root/bin/"
install -m 644 "$jar" "$root/lib/sluice.jar"
install -m 644 deploy/config/sluice.ini "$root/etc/sluice.ini"
install -m 600 deploy/config/userlist.txt "$root/etc/userlist.txt"
install -m 644 deploy/systemd/sluice.service "$root/systemd/sluice.service"
install -m 644 README.md "$root/README.md"
mkdir -p target
out=target/$name.tar.gz
# Fixed owner and sorted names so two builds of the same jar give the same listing.
tar --owner=0 --group=0 --numeric-owner --sort=name -C "$stage" -czf "$out" "$name"

# Check what was packed: unpack it elsewhere and start the unpacked script the way a user would.
check=$stage/check
mkdir "$check"
tar -C "$check" -xzf "$out"
got=$("$check/$name/bin/sluice" --version)
[[ $got == "sluice $version" ]] || { echo "dist: unpacked bin/sluice --version said '$got'" >&2; exit 1; }

# The script must exec java (so SIGTERM reaches java itself, also as PID 1 in the image), and SIGTERM must end
# Sluice with exit 0. No backend is needed to start; a free port, and the metrics endpoint off.
log=$stage/run.log
DATABASE_URL=postgres://check@127.0.0.1:1/check SLUICE_METRICS_LISTEN= \
    "$check/$name/bin/sluice" --listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
    grep -q "listening on" "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
grep -q "listening on" "$log" || { kill "$pid" 2>/dev/null; cat "$log" >&2; echo "dist: bin/sluice did not start" >&2; exit 1; }
comm=$(ps -o comm= -p "$pid")
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[[ $comm == java ]] || { echo "dist: bin/sluice runs as '$comm', not exec'd java" >&2; exit 1; }
[[ $status == 0 ]] || { cat "$log" >&2; echo "dist: bin/sluice exited $status on SIGTERM" >&2; exit 1; }
echo "$out"
