#!/usr/bin/env python3
"""Writes ctxswitch's --format=json --interval output for a synthetic run: SECONDS intervals of 1 s,
each a ping-pong's histogram (about 80,000 switches around 0.9 us with a tail to a few hundred us,
drawn afresh each second; the tail is heavier than a real run's, for more cells), then the summary. Only the fields the heat map reads are realistic;
this is input for bench/heatmap-hour.sh, not a measurement.

With CPUS, as --per-cpu prints it: each of CPUS CPUs gets a ping-pong's histogram of its own (each
drawn as above, so every CPU's panel has as many cells as the all-CPU one: the largest file), in its
per_cpu entry, and the interval's histogram is their sum.

usage: heatmap-synth.py SECONDS [CPUS] > run.ndjson
"""
import json, math, random, sys

def bins_of(samples):
    """ctxswitch's report bins: four per power of two (edges 1, 1.25, 1.5, 1.75 x 2^k)."""
    counts = {}
    for v in samples:
        k = v.bit_length() - 1
        q = 1 << (k - 2)
        start = (v // q) * q
        counts[start] = counts.get(start, 0) + 1
    out = []
    for start in sorted(counts):
        k = start.bit_length() - 1
        out.append({"from_ns": start, "to_ns": start + (1 << (k - 2)), "count": counts[start]})
    return out

def ping_pong(rnd):
    """One second of a ping-pong in bins: a body of a few thousand representative samples, scaled to
    about 80,000 switches, and a sparse tail."""
    body = [int(900 * math.exp(rnd.gauss(0, 0.25))) for _ in range(2000)]
    tail = [int(2000 * math.exp(rnd.expovariate(0.6))) for _ in range(rnd.randint(20, 60))]
    bins = bins_of(body)
    for b in bins:
        b["count"] *= 40
    return merge(bins, bins_of(tail))

def merge(bins, more):
    bins = [dict(b) for b in bins]
    for b in more:
        match = next((x for x in bins if x["from_ns"] == b["from_ns"]), None)
        if match:
            match["count"] += b["count"]
        else:
            bins.append(dict(b))
    bins.sort(key=lambda b: b["from_ns"])
    return bins

def cpu_entry(cpu, bins):
    count = sum(b["count"] for b in bins)
    return {"cpu": cpu, "count": count, "min_ns": bins[0]["from_ns"], "max_ns": bins[-1]["to_ns"] - 1,
            "mean_ns": None, "histogram": bins}

def main():
    seconds = int(sys.argv[1])
    cpus = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rnd = random.Random(16)
    total = 0
    lo, hi = None, None
    for s in range(seconds):
        per_cpu = [ping_pong(rnd) for _ in range(cpus)]
        bins = ping_pong(rnd) if cpus == 0 else []
        for b in per_cpu:
            bins = merge(bins, b)
        count = sum(b["count"] for b in bins)
        total += count
        mn, mx = bins[0]["from_ns"], bins[-1]["to_ns"] - 1
        lo = mn if lo is None else min(lo, mn)
        hi = mx if hi is None else max(hi, mx)
        print(json.dumps({"kind": "interval", "backend": "libbpf", "probe": "sched-tp (synthetic)", "host": "synthetic",
                          "kernel": "none", "duration_ns": 1_000_000_000 + rnd.randint(0, 2_000_000), "count": count,
                          "min_ns": mn, "max_ns": mx, "histogram": bins,
                          "per_cpu": [cpu_entry(c, b) for c, b in enumerate(per_cpu)]}, separators=(",", ":")))
    print(json.dumps({"kind": "summary", "backend": "libbpf", "probe": "sched-tp (synthetic)", "host": "synthetic",
                      "kernel": "none", "duration_ns": seconds * 1_000_000_000, "count": total, "min_ns": lo,
                      "max_ns": hi, "histogram": []}, separators=(",", ":")))

main()
