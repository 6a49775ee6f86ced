#!/usr/bin/env bash
# Builds the docker image ctxswitch-trixie-bpftrace: Debian trixie (debootstrap --variant=minbase,
# from the mirror apt already uses), trixie's bpftrace (0.23), and this machine's JDK to run the
# jar. The tree is cached in /var/tmp/ctxswitch-trixie (CTXSWITCH_TRIXIE); no registry is used.
# Prints the image's name. Needs root, debootstrap and a running docker daemon.
set -euo pipefail
tag=${1:-ctxswitch-trixie-bpftrace}
tree=${CTXSWITCH_TRIXIE:-/var/tmp/ctxswitch-trixie}
if docker image inspect "$tag" >/dev/null 2>&1; then
	echo "$tag"
	exit 0
fi
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
if [ ! -x "$tree/usr/bin/bpftrace" ]; then
	echo "trixie-bpftrace-image: debootstrap trixie from $mirror into $tree (once, about two minutes)" >&2
	rm -rf "$tree.tmp"
	debootstrap --variant=minbase trixie "$tree.tmp" "$mirror" >"${tree}.log" 2>&1 || { tail -5 "${tree}.log" >&2; exit 1; }
	chroot "$tree.tmp" apt-get install -y -qq --no-install-recommends bpftrace >>"${tree}.log" 2>&1 \
		|| { tail -5 "${tree}.log" >&2; exit 1; }
	mv "$tree.tmp" "$tree"
fi
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
mkdir -p "$tree$(dirname "$jdk")"
[ -x "$tree$jdk/bin/java" ] || cp -rL "$jdk" "$tree$(dirname "$jdk")/" 2>/dev/null || true
ln -sf "$jdk/bin/java" "$tree/usr/local/bin/java"
tar -C "$tree" --exclude=./proc --exclude=./sys --exclude=./dev -c . | docker import - "$tag" >/dev/null
echo "$tag"
