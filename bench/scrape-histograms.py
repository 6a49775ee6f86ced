#!/usr/bin/env python3
"""bpftool map dump -j of ctxswitch's "cpus" map (struct cpu_agg[], offsets as KernelLayout's) to
ScrapeBenchmark's sparse fixture: per CPU "cpu N count C sum_ns S", then "BUCKET COUNT" per non-empty bucket."""
import json, struct, sys

SLOTS, SLOT_SIZE, HIST, NBUCKETS = 80, 40, 160, 3840
for e in json.load(open(sys.argv[1])):
    raw = bytes(int(b, 16) for b in e["value"])
    if len(raw) < HIST + 8 * NBUCKETS:
        sys.exit(f"scrape-histograms: a value of {len(raw)} bytes is no struct cpu_agg (its histogram ends at {HIST + 8 * NBUCKETS})")
    key = bytes(int(b, 16) for b in e["key"])
    cpu = struct.unpack("<I", key)[0]
    q = lambda off: struct.unpack_from("<Q", raw, off)[0]
    # the open interval's slot (--serve drains only at stop): the higher epoch
    epoch, count, sum_ns = max((q(SLOTS + i * SLOT_SIZE), q(SLOTS + i * SLOT_SIZE + 8), q(SLOTS + i * SLOT_SIZE + 16)) for i in range(2))
    hist = [q(HIST + 8 * b) for b in range(NBUCKETS)]
    total = sum(hist)
    # the dump is no snapshot: a few switches may land between the slot and the buckets; the
    # buckets rule, the sum scaled to them (the mean kept)
    print(f"cpu {cpu} count {total} sum_ns {sum_ns * total // count if count else 0}")
    for b, n in enumerate(hist):
        if n:
            print(b, n)
