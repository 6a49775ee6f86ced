#!/usr/bin/env bash
# Builds the docker image ctxswitch-trixie-bpftrace: Debian trixie with trixie's bpftrace (0.23), made
# as the exporter's image is (deploy/container/debian-tree.sh: debootstrap from the mirror apt already
# uses), and this machine's JDK to run the jar. The tree is cached in /var/tmp/ctxswitch-trixie
# (CTXSWITCH_TRIXIE); no registry is used.
# Prints the image's name. Needs root, debootstrap and a running docker daemon.
set -euo pipefail
tag=${1:-ctxswitch-trixie-bpftrace}
tree=${CTXSWITCH_TRIXIE:-/var/tmp/ctxswitch-trixie}
if docker image inspect "$tag" >/dev/null 2>&1; then
	echo "$tag"
	exit 0
fi
"$(dirname "$0")/../../../../deploy/container/debian-tree.sh" trixie "$tree" bpftrace
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
mkdir -p "$tree$(dirname "$jdk")"
[ -x "$tree$jdk/bin/java" ] || cp -rL "$jdk" "$tree$(dirname "$jdk")/" 2>/dev/null || true
ln -sf "$jdk/bin/java" "$tree/usr/local/bin/java"
tar -C "$tree" --exclude=./proc --exclude=./sys --exclude=./dev -c . | docker import - "$tag" >/dev/null
echo "$tag"
