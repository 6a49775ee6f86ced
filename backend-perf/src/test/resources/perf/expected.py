#!/usr/bin/env python3
"""Expected figures of a perf script fixture, computed independently of ctxswitch's Java parser.

    python3 expected.py FIXTURE.txt > FIXTURE.expected.json

A separate implementation of the perf pairing rule (docs/probes.md, "Pairing rules", "perf"), with
regular expressions instead of a byte scanner: an OUT (task A, next B) at t1 and the next IN on that
CPU at t2 make a sample if the IN's task is B, its prev is A and t2 >= t1; everything else is
unpaired, and so are OUTs left at the end. Exact percentiles come from the sorted samples (nearest
rank); "percentiles_ns" has those of CUSTOM, which tests ask for with --percentiles.

"by_kind" (--by=kind): each sample's kind, from the sched_switch line just before its OUT on that CPU
(same task in the line's header, same next): from-idle if prev is pid 0, to-idle if next is, else by prev_state: R (R+ too)
preempted, Z or X exit, any other letter blocked; without such a line, the OUT's "preempt" mark:
preempted if it has it, else blocked.
"""
import json
import math
from fractions import Fraction
import re
import sys

HEADER = re.compile(rb"^\s*(?P<comm>.*?)\s+(?:-?\d+/)?(?P<tid>-?\d+)\s+\[(?P<cpu>\d+)\]\s+(?P<sec>\d+)\.(?P<frac>\d{1,9}):\s+(?P<rest>.*)$")
SWITCH = re.compile(rb"^PERF_RECORD_SWITCH_CPU_WIDE (?P<dir>OUT|IN)\b.*?(?:next|prev) pid/tid:\s*(?P<pid>-?\d+)/(?P<tid>-?\d+)")
CUSTOM = ["5", "25", "75", "99.5", "99.95"]
SCHED_KERNEL = re.compile(rb"prev_pid=(?P<prev>\d+) prev_prio=-?\d+ prev_state=(?P<state>\S+) ==> next_comm=.* next_pid=(?P<next>\d+) next_prio=-?\d+$")
SCHED_TRACEEVENT = re.compile(rb":(?P<prev>\d+) \[-?\d+\] (?P<state>\S+) ==> .*:(?P<next>\d+) \[-?\d+\]$")
LOST = re.compile(rb"^PERF_RECORD_LOST(?:_SAMPLES)? lost (?P<n>\d+)")
# --slower: A's state, from the sched_switch line before the OUT record (the kernel's form, then libtraceevent's)
STATE = [re.compile(rb"prev_pid=(?P<pid>\d+) .*prev_state=(?P<state>\S+) ==>"),
         re.compile(rb":(?P<pid>\d+) \[-?\d+\] (?P<state>\S+) ==>")]
SLOWER_NS = 2048


def main(path):
    pending = {}
    samples, per_task, unpaired, lost, skipped = [], {}, 0, 0, 0
    last_switch, by_kind, last_state, outliers = {}, {}, {}, []
    with open(path, "rb") as f:
        for raw in f:
            line = raw.rstrip(b"\n").rstrip(b"\r").rstrip(b" ")
            if not line.strip() or line.lstrip().startswith(b"#"):
                continue
            h = HEADER.match(line)
            if not h:
                skipped += 1
                continue
            rest = h["rest"]
            if rest.startswith(b"PERF_RECORD_LOST"):
                m = LOST.match(rest)
                if m:
                    lost += int(m["n"])
                else:
                    skipped += 1
                continue
            if rest.startswith(b"sched:sched_switch:"):
                if b"==>" not in rest:  # a tracepoint line cut short
                    skipped += 1
                    continue
                m = SCHED_KERNEL.search(rest) or SCHED_TRACEEVENT.search(rest)
                if m:
                    # prev as the line's own header names it, like the OUT's (perf prints -1 for both once a thread is gone)
                    last_switch[int(h["cpu"])] = (int(h["tid"]), int(m["next"]), m["state"].decode())
                for form in STATE:
                    m = form.search(rest)
                    if m:
                        last_state[int(h["cpu"])] = (int(m["pid"]), m["state"].decode())
                        break
                continue
            if not rest.startswith(b"PERF_RECORD_SWITCH_CPU_WIDE "):
                continue
            m = SWITCH.match(rest)
            if not m:
                skipped += 1
                continue
            cpu, tid = int(h["cpu"]), int(h["tid"])
            t = int(h["sec"]) * 10**9 + int(h["frac"]) * 10 ** (9 - len(h["frac"]))
            other_pid, other_tid = int(m["pid"]), int(m["tid"])
            if m["dir"] == b"OUT":
                if cpu in pending:
                    unpaired += 1
                ss = last_switch.pop(cpu, None)
                if ss and ss[0] == tid and ss[1] == other_tid:
                    state = ss[2]
                    leaving = "preempted" if state.startswith("R") else "exit" if state[0] in "ZX" else "blocked"
                else:
                    leaving = "preempted" if b" OUT preempt " in rest else "blocked"
                prev = last_state.pop(cpu, None)
                pending[cpu] = (t, tid, other_tid, leaving, prev[1] if prev and prev[0] == tid else None)
            else:
                out = pending.pop(cpu, None)
                if out and tid == out[2] and other_tid == out[1] and t >= out[0]:
                    d = t - out[0]
                    samples.append(d)
                    kind = "from-idle" if out[1] == 0 else "to-idle" if tid == 0 else out[3]
                    k = by_kind.setdefault(kind, {"count": 0, "min_ns": d, "max_ns": d, "sum_ns": 0})
                    k["count"] += 1
                    k["sum_ns"] += d
                    k["min_ns"] = min(k["min_ns"], d)
                    k["max_ns"] = max(k["max_ns"], d)
                    name = h["comm"].decode("utf-8", errors="replace")
                    key = tid if tid != 0 else ("idle", cpu)
                    entry = per_task.setdefault(key, {"pid": tid, "comm": name, "count": 0})
                    entry["count"] += 1
                    entry["comm"] = name
                    if d >= SLOWER_NS:
                        outliers.append({"cpu": cpu, "trace_time_ns": t, "latency_ns": d, "prev_pid": out[1],
                                         "prev_state": out[4], "next_pid": tid, "next_comm": name, "switch_kind": kind})
                else:
                    unpaired += 1
    unpaired += len(pending)
    samples.sort()

    def rank(p):  # p as a string, in exact arithmetic: 5 % of 400 is rank 20, never 21 by rounding
        return samples[max(0, math.ceil(Fraction(p) * len(samples) / 100) - 1)] if samples else None

    tasks = sorted(per_task.values(), key=lambda e: (-e["count"], e["pid"]))
    json.dump({
        "count": len(samples),
        "min_ns": samples[0] if samples else None,
        "max_ns": samples[-1] if samples else None,
        "sum_ns": sum(samples),
        "p50_ns": rank("50"),
        "p99_ns": rank("99"),
        "percentiles_ns": {p: rank(p) for p in CUSTOM},
        "unpaired": unpaired,
        "lost": lost,
        "skipped_lines": skipped,
        "top_tasks": tasks[:5],
        "by_kind": {k: by_kind[k] for k in sorted(by_kind)},
        "slower_ns": SLOWER_NS,
        "outliers": outliers,
    }, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
