#!/usr/bin/env bash
# The bpftrace backend's coverage on a kernel before 6.15 (issue 13), with Debian 12's bpftrace 0.17
# and trixie's 0.23, in one VM boot: the figures README gives for the bpftrace backend per kernel.
#   sudo bench/bpftrace-coverage-vm.sh [PACKAGE [KERNEL_ARG...]]
#        default: linux-image-amd64 (Debian 12's 6.1) preempt=full; also linux-image-6.12-rt-amd64...
# Builds what is missing (the jar, the mixed load, the trixie tree of cli/src/test/docker/
# trixie-bpftrace-image.sh, without docker), boots PACKAGE under vm/kernel.sh and runs the coverage
# scenario (cli/src/test/vm/coverage.sh: the mixed load on CPU 0 for 5 s, the kernel's own switch
# counts per task) with --probe=auto and --probe=fentry for each bpftrace. 0.23 runs from its tree,
# which the guest sees read-only at the same path, through a chroot wrapper. Prints, per run, each
# task's measured switches against the kernel's count, and keeps that in
# bench/results/bpftrace-coverage-vm-PACKAGE.md; the raw files stay in OUTDIR (printed, not committed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
	set -- linux-image-amd64 preempt=full
fi
package=$1
shift
tree=${CTXSWITCH_TRIXIE:-/var/tmp/ctxswitch-trixie}
out=$root/bench/results/bpftrace-coverage-$package
jar=$root/cli/target/ctxswitch.jar
load=$root/cli/target/mixed-load

"$root/ctxswitch" --version >/dev/null # the launcher (re)builds the jar if the sources changed
[ -x "$load" ] || gcc -O2 -Wall -o "$load" "$root/cli/src/test/vm/mixed-load.c"
if [ ! -x "$tree/usr/bin/bpftrace" ]; then
	mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	echo "bpftrace-coverage-vm: debootstrap trixie into $tree (once, about two minutes)" >&2
	rm -rf "$tree.tmp"
	debootstrap --variant=minbase trixie "$tree.tmp" "${mirror:-http://deb.debian.org/debian}" >"$tree.log" 2>&1
	chroot "$tree.tmp" apt-get install -y -qq --no-install-recommends bpftrace >>"$tree.log" 2>&1
	mv "$tree.tmp" "$tree"
fi

rm -rf "$out" && mkdir -p "$out"
guest=$(mktemp)
trap 'rm -f "$guest"' EXIT
cat >"$guest" <<EOF
#!/bin/sh
# In the guest: the host's root read-only, /mnt is OUTDIR.
export CTXSWITCH_JAR=$jar CTXSWITCH_LOAD=$load OUT=/mnt BACKEND=bpftrace
uname -r >/mnt/kernel
cat /sys/kernel/debug/sched/preempt >/mnt/preempt 2>/dev/null
bpftrace --version >/mnt/bpftrace-0.17-version
sh $root/cli/src/test/vm/coverage.sh bpftrace-0.17-auto auto 5
sh $root/cli/src/test/vm/coverage.sh bpftrace-0.17-fentry fentry 5
# 0.23 from its own tree: the kernel's file systems mounted into it, a tmpfs for its /tmp.
t=$tree
mount -t proc proc \$t/proc && mount -t sysfs sys \$t/sys && mount -t tracefs nodev \$t/sys/kernel/tracing \\
	&& mount -t debugfs nodev \$t/sys/kernel/debug && mount --bind /dev \$t/dev && mount -t tmpfs tmpfs \$t/tmp
printf '#!/bin/sh\nexec chroot %s /usr/bin/bpftrace "\$@"\n' \$t >/tmp/bpftrace-0.23
chmod +x /tmp/bpftrace-0.23
/tmp/bpftrace-0.23 --version >/mnt/bpftrace-0.23-version 2>&1
export CTXSWITCH_ARGS=--bpftrace=/tmp/bpftrace-0.23
sh $root/cli/src/test/vm/coverage.sh bpftrace-0.23-auto auto 5
sh $root/cli/src/test/vm/coverage.sh bpftrace-0.23-fentry fentry 5
EOF
"$root/vm/kernel.sh" "$package" "$guest" "$out" "$@" || echo "bpftrace-coverage-vm: the guest script failed (see $out/guest.log)" >&2

exec > >(tee "$root/bench/results/bpftrace-coverage-vm-$package.md")
echo "bpftrace-coverage-vm: $(cat "$out/kernel" 2>/dev/null) ($*), preemption '$(cat "$out/preempt" 2>/dev/null)', host $(hostname -s), $(date -u +%FT%TZ); files in $out"
for run in bpftrace-0.17-auto bpftrace-0.17-fentry bpftrace-0.23-auto bpftrace-0.23-fentry; do
	[ -f "$out/$run.json" ] || { echo "$run: no summary (exit $(cat "$out/$run.exit" 2>/dev/null); $(head -c 300 "$out/$run.err" 2>/dev/null))"; continue; }
	python3 - "$out" "$run" <<'PY'
import json, sys
out, run = sys.argv[1], sys.argv[2]
summary = json.load(open(f"{out}/{run}.json"))
by_pid = {p["pid"]: p["count"] for p in summary["top_processes"]}
print(f"{run}: probe {summary['probe']}; count {summary['count']}, untimed {summary.get('untimed')}, unpaired {summary['unpaired']}")
for line in open(f"{out}/{run}.tasks"):
    role, pid, vol, nonvol = line.split()
    kernel = int(vol) + int(nonvol)
    measured = by_pid.get(int(pid), 0)
    print(f"  {role:<12} {measured:>8} measured / {kernel:>8} switches = {100 * measured / kernel if kernel else 100:6.2f} %")
PY
done
