#!/usr/bin/env bash
# Compiles ctxswitch.bpf.c into the object that the backend embeds.
#   build.sh check   compile into target/ and fail if the committed object differs (CI, and every
#                    Maven build where clang exists)
#   build.sh update  compile and replace the committed object (after editing the C source)
# The object is committed so that a build without clang still works; it is stripped of DWARF
# (BTF stays: CO-RE needs it) and compiled from this directory with relative paths, so the bytes
# depend only on the source and the compiler, not on where the checkout lives.
set -euo pipefail
mode=${1:-check}
here=$(cd "$(dirname "$0")" && pwd)
module=$(cd "$here/../../.." && pwd)
committed=$module/src/main/resources/io/ctxswitch/libbpf/ctxswitch.bpf.o
fresh=$module/target/bpf/ctxswitch.bpf.o
mkdir -p "$(dirname "$fresh")"
cd "$here"
clang -O2 -g -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -fdebug-prefix-map="$here"=. \
	-c ctxswitch.bpf.c -o "$fresh"
llvm-strip -g "$fresh"
case $mode in
check)
	if ! cmp -s "$fresh" "$committed"; then
		echo "ctxswitch: the committed BPF object is stale or was built by another clang ($(clang --version | head -1));" >&2
		echo "  run backend-libbpf/src/main/bpf/build.sh update and commit $committed" >&2
		exit 1
	fi
	echo "BPF object is up to date with ctxswitch.bpf.c ($(clang --version | head -1))"
	;;
update)
	mkdir -p "$(dirname "$committed")"
	cp "$fresh" "$committed"
	echo "updated $committed"
	;;
*)
	echo "usage: build.sh check|update" >&2
	exit 2
	;;
esac
