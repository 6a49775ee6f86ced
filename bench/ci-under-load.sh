#!/usr/bin/env bash
# The test suite on a busy machine: runs .ci/run RUNS times in a row on fresh clones of this
# repository's HEAD while a CPU-bound process spins on one CPU, as users' machines are busy.
#   sudo bench/ci-under-load.sh [RUNS] [CPU]       (defaults 3 and the last CPU)
# Prints one line per run (exit code, seconds, the Surefire/Failsafe totals) and writes each run's
# log to bench/results/ci-under-load-<host>-<n>.log (not committed: large) and the printed lines, with each
# failed test's first lines, to bench/results/ci-under-load-<host>.md. Exit code: 0 if every run passed.
set -euo pipefail
runs=${1:-3}
cpu=${2:-$(( $(nproc) - 1 ))}
root=$(cd "$(dirname "$0")/.." && pwd)
host=$(hostname -s)
work=$(mktemp -d /var/tmp/ctxswitch-ci-under-load.XXXXXX)
hog=
trap '[ -n "$hog" ] && kill "$hog" 2>/dev/null; rm -rf "$work"' EXIT
# .ci/run is given ../shared beside the clone by CI; give it the same when it is here.
[ -d "$root/../shared" ] && ln -s "$(cd "$root/../shared" && pwd)" "$work/shared"
taskset -c "$cpu" sh -c 'while :; do :; done' &
hog=$!
summary=$root/bench/results/ci-under-load-$host.md
exec > >(tee "$summary")
echo "ci-under-load: $(git -C "$root" log -1 --format='%h %s'); $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(date -u +%FT%TZ); hog pid $hog on CPU $cpu"
failed=0
for n in $(seq "$runs"); do
	rm -rf "$work/repo"
	git clone -q "$root" "$work/repo"
	log=$root/bench/results/ci-under-load-$host-$n.log
	start=$(date +%s)
	rc=0
	(cd "$work/repo" && CI=true bash .ci/run </dev/null >"$log" 2>&1) || rc=$?
	totals=$(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run: [0-9]+, Failures' "$log" | grep -v ' -- in ' | awk '{r+=$4; f+=$6; e+=$8; s+=$10} END {printf "%d tests, %d failures, %d errors, %d skipped", r, f, e, s}' FS='[ ,]+')
	echo "run $n: exit $rc in $(( $(date +%s) - start )) s; $totals"
	# each failed test and its message (up to the stack trace), indented
	grep -A8 -E '^\[ERROR\] [A-Za-z0-9.$]+\.[A-Za-z0-9_]+ -- Time elapsed.*<<< (FAILURE|ERROR)' "$log" | grep -v -E '^\s+at |^--$' | sed 's/^/    /' || true
	[ "$rc" -eq 0 ] || failed=1
done
exit "$failed"
