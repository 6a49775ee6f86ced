#!/usr/bin/env bash
# debian-tree.sh SUITE DIR PACKAGE...
#
# A Debian root file system for a container image, made without any registry: debootstrap
# --variant=minbase of SUITE from the mirror apt already uses, with the suite's updates and security
# archives, then PACKAGEs from Debian (apt-get, without recommends). The one way this project makes
# an image's tree: deploy/container/build-image.sh (the exporter's image) and the trixie bpftrace
# image of the tests both use it; each then gives the tree to `docker import`.
#
# DIR is a cache: kept when every PACKAGE is already installed in it, rebuilt from scratch otherwise
# (in DIR.tmp, renamed when complete, so a half-made tree is never used). Needs root and debootstrap.
# The log of the last build is DIR.log.
set -euo pipefail
if [ $# -lt 3 ]; then
	echo "usage: debian-tree.sh SUITE DIR PACKAGE..." >&2
	exit 2
fi
suite=$1 tree=$2
shift 2
if [ -f "$tree/var/lib/dpkg/status" ] && chroot "$tree" dpkg-query -W "$@" >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null; then
	echo "debian-tree.sh: needs root and debootstrap (apt-get install debootstrap)" >&2
	exit 3
fi
# The mirror apt already uses (deb822 or one-line sources), else Debian's own.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {sub(/\/$/, "", $2); print $2; exit}' /etc/apt/sources.list 2>/dev/null)
mirror=${mirror:-http://deb.debian.org/debian}
security=${mirror%/debian}/debian-security
log=$tree.log
echo "debian-tree.sh: debootstrap $suite from $mirror into $tree, with $* (once; a few minutes)" >&2
rm -rf "$tree.tmp"
fail() { tail -5 "$log" >&2; exit 1; }
debootstrap --variant=minbase "$suite" "$tree.tmp" "$mirror" >"$log" 2>&1 || fail
cat >"$tree.tmp/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
# Package scripts (a JRE's certificate store, for one) may want /proc.
mount -t proc proc "$tree.tmp/proc"
trap 'umount "$tree.tmp/proc" 2>/dev/null || true' EXIT
export DEBIAN_FRONTEND=noninteractive
{ chroot "$tree.tmp" apt-get update -qq \
	&& chroot "$tree.tmp" apt-get upgrade -y -qq \
	&& chroot "$tree.tmp" apt-get install -y -qq --no-install-recommends "$@" \
	&& chroot "$tree.tmp" apt-get clean; } >>"$log" 2>&1 || fail
umount "$tree.tmp/proc"
rm -rf "$tree.tmp/var/lib/apt/lists/"*
rm -rf "$tree"
mv "$tree.tmp" "$tree"
