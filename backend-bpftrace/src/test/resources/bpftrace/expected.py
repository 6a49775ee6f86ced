#!/usr/bin/env python3
"""Expected figures of each fixture, computed independently of the Java parser: reads bpftrace's
JSON (one object per line) or text output of ctxswitch's script and writes NAME.expected.json.
Run from this directory: python3 expected.py"""
import glob, json, math, re
from fractions import Fraction

# The percentiles tests ask for with --percentiles: for each, the bucket that holds its sample.
CUSTOM = ["5", "25", "75", "99.5", "99.95"]

def maps_of(path):
    """The maps' last values. A snapshot's values (between "ctxswitch: snapshot" and its end line)
    count only once its end line is seen; after END ("elapsed ns"), values count as they come."""
    maps, printed, staged = {}, [], None

    def put(name, key, value):
        (staged if staged is not None else maps).setdefault(name, {})[key] = value

    def said(text):
        nonlocal staged
        printed.append(text)
        if text == "ctxswitch: snapshot":
            staged = {}
        elif text.startswith("ctxswitch: snapshot end") and staged is not None:
            for name, values in staged.items():
                maps.setdefault(name, {}).update(values)
            staged = None
        elif text.startswith("ctxswitch: elapsed ns "):
            staged = None

    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if line.startswith("{"):
            o = json.loads(line)
            if o["type"] == "map":
                for name, value in o["data"].items():
                    for key, v in (value.items() if isinstance(value, dict) else [("", value)]):
                        put(name, key, v)
            elif o["type"] == "printf":
                for l in o["data"].splitlines():
                    if l:
                        said(l.strip())
            continue
        m = re.match(r"^(@\w+)(?:\[(.*)\])?: (-?\d+)$", line)
        if m:
            key = "" if m.group(2) is None else ",".join(p.strip() for p in m.group(2).split(", ", 2))
            put(m.group(1), key, int(m.group(3)))
        elif line.startswith("ctxswitch"):
            said(line)
    return maps, printed

SUB_BITS = 7  # the log-linear buckets of DESIGN.md §3: exact below 2^7 ns, then 2^7 buckets per power of two

def bucket_bounds(b):
    """[low, high) of the latencies bucket b holds."""
    if b < (1 << SUB_BITS):
        return b, b + 1
    e = (b >> SUB_BITS) + SUB_BITS - 1
    low = ((1 << SUB_BITS) + (b & ((1 << SUB_BITS) - 1))) << (e - SUB_BITS)
    return low, low + (1 << (e - SUB_BITS))

def p50_bucket(hist):
    """The bucket that holds the median sample: where the running count first reaches half the total
    (HdrHistogram's rule: the count at percentile P is P/100 * total + 0.5, at least 1)."""
    total = sum(hist.values())
    if total == 0:
        return None, None
    wanted = max(1, int(0.5 * total + 0.5))
    running = 0
    for b in sorted(hist, key=int):
        running += hist[b]
        if running >= wanted:
            return bucket_bounds(int(b))

def rank_bucket(hist, p):
    """The bucket that holds the sample of nearest rank ceil(p/100 * total), at least 1 (HdrHistogram
    2.2's rule for any percentile), in exact arithmetic."""
    total = sum(hist.values())
    if total == 0:
        return None
    wanted = max(1, math.ceil(Fraction(p) * total / 100))
    running = 0
    for b in sorted(hist, key=int):
        running += hist[b]
        if running >= wanted:
            return list(bucket_bounds(int(b)))

KINDS = ["preempted", "blocked", "yield", "exit", "from-idle", "to-idle"]  # the script's kind numbers, in order

def kinds_of(maps):
    """With --by=kind the exact maps are keyed "cpu,kind" and the histogram "bucket,kind": per kind its count,
    sum, min, max (over its CPUs) and how many samples its buckets hold."""
    out = {}
    for i, name in enumerate(KINDS):
        keys = [k for k in maps.get("@ctxsw_n", {}) if k.split(",")[1] == str(i) and maps["@ctxsw_n"][k] > 0]
        out[name] = {
            "count": sum(maps["@ctxsw_n"][k] for k in keys),
            "sum_ns": sum(maps["@ctxsw_sum"][k] for k in keys),
            "min_ns": min((maps["@ctxsw_min"][k] for k in keys), default=None),
            "max_ns": max((maps["@ctxsw_max"][k] for k in keys), default=None),
            "histogram_count": sum(c for k, c in maps.get("@ctxsw_hist", {}).items() if k.split(",")[1] == str(i)),
        }
    return out

for path in sorted(glob.glob("*.txt")):
    maps, printed = maps_of(path)
    n = maps.get("@ctxsw_n", {})
    count = sum(n.values())
    tasks = {}
    for key, c in maps.get("@ctxsw_task_n", {}).items():
        tid, pid, comm = key.split(",", 2)
        k = (int(tid), comm) if tid == "0" else (int(tid), "")
        tasks.setdefault(k, []).append((c, comm))
    top = max(tasks.values(), key=lambda names: sum(c for c, _ in names)) if tasks else None
    hist = {}  # by bucket; with --by=kind its keys are "bucket,kind": summed over the kinds
    for key, c in maps.get("@ctxsw_hist", {}).items():
        hist[key.split(",")[0]] = hist.get(key.split(",")[0], 0) + c
    p50_low, p50_high = p50_bucket(hist)
    expected = {
        "probe": next((p.split("probe ", 1)[1] for p in printed if p.startswith("ctxswitch bpftrace script: probe ")), None),
        "elapsed_ns": next((int(p.rsplit(" ", 1)[1]) for p in printed if p.startswith("ctxswitch: elapsed ns ")), None),
        "count": count,
        "sum_ns": sum(maps.get("@ctxsw_sum", {}).values()),
        "min_ns": min(maps.get("@ctxsw_min", {}).values()) if count else None,
        "max_ns": max(maps.get("@ctxsw_max", {}).values()) if count else None,
        "cpus": len({key.split(",")[0] for key, c in n.items() if c > 0}),
        "histogram_count": sum(hist.values()),
        "p50_bucket_low_ns": p50_low,
        "p50_bucket_high_ns": p50_high,
        "percentile_buckets_ns": {p: rank_bucket(hist, p) for p in CUSTOM},
        "unpaired": maps.get("@ctxsw_unpaired", {}).get("", 0),
        "no_switch": maps.get("@ctxsw_no_switch", {}).get("", 0),
        "tasks": len(tasks),
        "top_task_count": sum(c for c, _ in top) if top else 0,
        "top_task_comm": max(top)[1] if top else None,
        "kinds": kinds_of(maps) if "ctxswitch: by kind" in printed else None,
    }
    with open(path.rsplit(".txt", 1)[0] + ".expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(path, expected)
