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
echo "$out"
