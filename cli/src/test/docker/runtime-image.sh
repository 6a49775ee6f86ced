#!/usr/bin/env bash
# Builds the docker image ctxswitch-test-runtime from this machine's own files: the JDK, sh, libbpf
# and every shared library they need (ldd). No registry, no network, seconds to build. Tests run the
# jar in it, bind-mounted, with chosen capabilities.
set -euo pipefail
tag=${1:-ctxswitch-test-runtime}
jdk=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
# awk reads to the end: exiting at the first match would end ldconfig with SIGPIPE (exit 141 under pipefail)
libbpf=$(ldconfig -p | awk '/libbpf\.so\.1 / && !found {print $NF; found = 1}')
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
copy() { mkdir -p "$root$(dirname "$1")" && cp -aL "$1" "$root$1"; }
copy /bin/sh
copy "$libbpf"
# -L: the JDK's conf and security files are links into /etc
mkdir -p "$root$(dirname "$jdk")" && cp -rL "$jdk" "$root$(dirname "$jdk")/" 2>/dev/null || true
for f in /bin/sh "$libbpf" "$jdk/bin/java" $(find "$jdk/lib" -name '*.so'); do
	ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'
done | sort -u | while read -r lib; do copy "$lib"; done
mkdir -p "$root/tmp" "$root/etc" "$root/usr/bin" "$root/sys" "$root/proc"
chmod 1777 "$root/tmp"
ln -s "$jdk/bin/java" "$root/usr/bin/java"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
tar -C "$root" -c . | docker import - "$tag" >/dev/null
echo "$tag"
