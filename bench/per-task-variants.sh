#!/usr/bin/env bash
# Where the per-task table's (--top's) cost goes: alternatives of the exit program's per-task work
# (bench/pertask/variants.bpf.c: a hash table as before, without the name copy, with a second
# bpf_get_current_pid_tgid(), BPF_F_NO_PREALLOC, a per-CPU hash, an LRU hash, task-local storage; the
# name copy alone; the pid helper alone) and ctxswitch's own programs, plain and with --top, now and at
# commit BEFORE, all attached at once: every switch runs every one of them, and the kernel's bpf_stats
# (run_time_ns / run_cnt) gives each one's cost per run over the same switches.
#   sudo bench/per-task-variants.sh [ROUNDS] [LOOPS] [BEFORE]     (defaults 5, 100000, none)
# The workload: taskset -c 0 perf bench sched pipe -l LOOPS, ROUNDS times; the median per program.
# Writes bench/results/per-task-variants-<host>.md. Needs clang, gcc, libbpf-dev, bpftool, jq, perf;
# Linux 6.15+ (sched_entry_tp/sched_exit_tp). Compare within one run only.
set -euo pipefail
rounds=${1:-5}
loops=${2:-100000}
before=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/bench/results/per-task-variants-$(hostname -s).md}
build=$root/target/pertask
object=backend-libbpf/src/main/resources/io/ctxswitch/libbpf/ctxswitch.bpf.o
mkdir -p "$build"
clang -O2 -g -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$root/bench/pertask/variants.bpf.c" -o "$build/variants.bpf.o"
gcc -O2 -Wall -o "$build/loader" "$root/bench/pertask/loader.c" -lbpf
cp "$root/$object" "$build/now.bpf.o"
[ -z "$before" ] || git -C "$root" show "$before:$object" >"$build/before.bpf.o"

tmp=$(mktemp -d)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
	rm -rf "$tmp"
}
trap cleanup EXIT
sysctl -q -w kernel.bpf_stats_enabled=1

# label|object|programs|per_task ("" = the object's own .rodata)
instances=(
	"ctxswitch plain|$build/now.bpf.o|ctxsw_entry,ctxsw_exit|0"
	"ctxswitch --top|$build/now.bpf.o|ctxsw_rename,ctxsw_entry,ctxsw_exit|1"
)
[ -z "$before" ] || instances+=(
	"ctxswitch plain at $before|$build/before.bpf.o|ctxsw_entry,ctxsw_exit|0"
	"ctxswitch --top at $before|$build/before.bpf.o|ctxsw_entry,ctxsw_exit|1"
)
instances+=("variants|$build/variants.bpf.o|v_entry,v_plain,v_hash,v_hash_nocomm,v_hash_2pid,v_noprealloc,v_percpu_hash,v_lru,v_task_storage,v_comm_only,v_pid_only|")

declare -A label_of # program id -> "instance: program"
i=0
for inst in "${instances[@]}"; do
	IFS='|' read -r label obj progs per_task <<<"$inst"
	bpftool prog show --json | jq -r '.[].id' | sort >"$tmp/ids.before"
	# shellcheck disable=SC2086
	"$build/loader" "$obj" "$progs" $per_task >"$tmp/loader.$i" 2>&1 &
	pids+=($!)
	for _ in $(seq 200); do
		grep -q attached "$tmp/loader.$i" && break
		kill -0 "${pids[-1]}" 2>/dev/null || { cat "$tmp/loader.$i" >&2; exit 1; }
		sleep 0.05
	done
	while read -r id name; do
		label_of[$id]="$label: $name"
	done < <(bpftool prog show --json | jq -r '.[] | "\(.id) \(.name)"' | sort | join -v1 - "$tmp/ids.before")
	i=$((i + 1))
done

declare -A costs
for r in $(seq "$rounds"); do
	bpftool prog show --json >"$tmp/b.json"
	taskset -c 0 perf bench sched pipe -l "$loops" >/dev/null 2>&1
	bpftool prog show --json >"$tmp/a.json"
	while read -r id ns; do
		costs[$id]+="$ns "
	done < <(jq -rn --slurpfile b "$tmp/b.json" --slurpfile a "$tmp/a.json" '
		$a[0][] | . as $p | ($b[0][] | select(.id == $p.id)) as $q
		| select(($p.run_cnt // 0) > ($q.run_cnt // 0))
		| "\(.id) \((($p.run_time_ns - $q.run_time_ns) / ($p.run_cnt - $q.run_cnt)))"')
	echo "round $r done" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
{
	echo "# Where the per-task table's cost goes: exit-program variants, all attached at once"
	echo
	echo "Machine: Linux $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(date -u +%F)."
	echo "Workload: \`taskset -c 0 perf bench sched pipe -l $loops\`, $rounds rounds, every program below attached at once; kernel.bpf_stats_enabled=1."
	echo "Rerun: \`sudo bench/per-task-variants.sh $rounds $loops${before:+ $before}\`."
	echo
	echo "| program | ns per run (median) | each round |"
	echo "|---|---|---|"
	for id in $(printf '%s\n' "${!label_of[@]}" | sort -n); do
		[ -n "${costs[$id]:-}" ] || continue
		echo "| ${label_of[$id]} | $(echo "${costs[$id]}" | median) | $(echo "${costs[$id]}" | tr ' ' '\n' | grep -v '^$' | xargs printf '%.0f ') |"
	done
} | tee "$out"
