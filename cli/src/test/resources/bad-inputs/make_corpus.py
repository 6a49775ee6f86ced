#!/usr/bin/env python3
"""Writes the bad-input corpus and its manifest (cases.tsv) from the perf fixtures.

    cd cli/src/test/resources/bad-inputs && python3 make_corpus.py

Outputs of other real tools (perf sched latency, perf stat, bpftrace, perf script of cpu-clock
samples, the first 400 bytes of a perf.data) were recorded by hand: see README.md. For damaged
traces, the expected figures come from backend-perf's expected.py, never from ctxswitch.
"""
import gzip
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "../../../../../backend-perf/src/test/resources/perf")
EXPECTED_PY = os.path.join(FIXTURES, "expected.py")

def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()

def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)

pipe = fixture("pipe.txt")
lines = pipe.split(b"\n")[:400]  # enough to pair, small enough to keep
rng = random.Random(5)


def joined_(ls):
    return b"\n".join(ls) + b"\n"

# Unusable: exit 4 and one line naming why. (file, fragment of the message)
unusable = [
    ("empty.txt", b"", "is empty"),
    ("only-newlines.txt", b"\n\n\n\n", "is not a trace ctxswitch can read"),
    ("only-comments.txt", b"# ========\n# captured on    : Thu Nov 26 16:00:00 2026\n# ========\n#\n", "is not a trace ctxswitch can read"),
    ("trace.txt.xz", b"\xfd7zXZ\x00" + bytes(64), "compressed with xz"),
    ("random.bin", bytes(rng.randrange(256) for _ in range(4096)), "is not a trace ctxswitch can read"),
    ("elf.bin", b"\x7fELF\x02\x01\x01\x00" + bytes(120), "is not a trace ctxswitch can read"),
    ("pipe.txt.gz", gzip.compress(joined_(lines), mtime=0), "compressed with gzip"),
    ("summary.json", b'{"kind":"summary","backend":"libbpf","count":3,"min_ns":100}\n', "is not a trace ctxswitch can read"),
    ("intervals.ndjson", b'{"kind":"interval","count":1}\n{"kind":"interval","count":2}\n', "is not a trace ctxswitch can read"),
    ("table.csv", b"cpu,count,min_ns\n0,100,300\n1,50,280\n", "is not a trace ctxswitch can read"),
    ("page.html", b"<!doctype html><html><body>trace</body></html>\n", "is not a trace ctxswitch can read"),
    ("utf16.txt", joined_(lines[:30]).decode("utf-8").encode("utf-16"), "is not a trace ctxswitch can read"),
    ("partial-first-line.txt", lines[0][:40], "is not a trace ctxswitch can read"),
    ("schedonly.txt", fixture("schedonly.txt"), "--switch-events"),
]
for name, data, _ in unusable:
    write(name, data)
unusable += [
    ("perf-sched-latency.txt", None, "is not a trace ctxswitch can read"),
    ("perf-stat.txt", None, "is not a trace ctxswitch can read"),
    ("bpftrace-hist.txt", None, "is not a trace ctxswitch can read"),
    ("perf-script-cpu-clock.txt", None, "no usable switch record"),
    ("truncated-perf.data", None, "perf script could not read"),
]

# Damaged: the figures of the good records, and the count of skipped lines.
def joined(ls):
    return b"\n".join(ls) + b"\n"

half = len(lines) // 2
damaged = {
    "truncated-last-line.txt": joined(lines[:-1]) + lines[-1][:40],  # cut mid-timestamp, no newline
    "crlf.txt": joined(lines).replace(b"\n", b"\r\n"),
    "long-line.txt": joined(lines[:half] + [b"x" * 200_000] + lines[half:]),
    "junk-lines.txt": joined([l for i, l in enumerate(lines) for l in ([l, b"%%% not a record %%%"] if i % 50 == 0 else [l])]),
    "nul-in-line.txt": joined(lines[:half] + [lines[half][:20] + b"\x00" + lines[half][21:]] + lines[half + 1:]),
    "time-backwards.txt": joined(lines[half:] + lines[:half]),
    "duplicated.txt": joined([l for l in lines for l in (l, l)]),
    "in-records-only.txt": joined([l for l in lines if b"SWITCH_CPU_WIDE IN" in l]),
    "shuffled.txt": joined(rng.sample(lines, len(lines))),
}
# The perf fixtures that are themselves damaged or unusual, used where they are (prefix "perf:").
fixtures = ["names.txt", "lost.txt", "pipe-us.txt", "pipe-6.12.txt", "names-6.12.txt", "idle.txt"]
manifest = ["# file\texit\tstderr fragment, or the expected figures (count unpaired skipped_lines)"]
for name, _, fragment in unusable:
    manifest.append(f"{name}\t4\t{fragment}")
def figures(path):
    out = subprocess.run([sys.executable, EXPECTED_PY, path], check=True, capture_output=True).stdout
    e = json.loads(out)
    return f"{e['count']} {e['unpaired']} {e['skipped_lines']}"

for name, data in damaged.items():
    write(name, data)
    manifest.append(f"{name}\t0\t{figures(os.path.join(HERE, name))}")
for name in fixtures:
    manifest.append(f"perf:{name}\t0\t{figures(os.path.join(FIXTURES, name))}")
write("cases.tsv", ("\n".join(manifest) + "\n").encode())
print(f"{len(unusable) + len(damaged) + len(fixtures)} cases")
