#!/usr/bin/env bash
# The overhead of the libbpf backend's schedule() modes (fentry, kprobe), which this machine's
# kernel does not allow: bench/overhead.sh run inside the Linux 6.1 VM of vm/linux61.sh. The VM is
# emulated (TCG), so the ratios say how the modes compare with each other there, not what they
# cost on hardware.
#   sudo bench/linux61-overhead.sh [PAIRS] [LOOPS]     (defaults 9 and 20000)
# Writes bench/results/overhead-linux61-tcg.md.
set -euo pipefail
pairs=${1:-9}
loops=${2:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/guest.sh" <<GUEST
PROBES="fentry kprobe" OUT=/mnt/overhead.md RERUN="sudo bench/linux61-overhead.sh $pairs $loops" \\
	bash $root/bench/overhead.sh $pairs $loops
GUEST
"$root/vm/linux61.sh" "$work/guest.sh" "$work/out" || { cat "$work/out/guest.log" >&2; exit 1; }
{
	sed "s/^Machine: /Machine: Linux 6.1 under QEMU TCG (vm\/linux61.sh, ${CTXSWITCH_VM_CPUS:-1} vCPU) on this host: /" "$work/out/overhead.md"
} >"$root/bench/results/overhead-linux61-tcg.md"
cat "$root/bench/results/overhead-linux61-tcg.md"
