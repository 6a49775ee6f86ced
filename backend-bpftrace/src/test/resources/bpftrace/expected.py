#!/usr/bin/env python3
"""Expected figures of each fixture, computed independently of the Java parser: reads bpftrace's
JSON (one object per line) or text output of ctxswitch's script and writes NAME.expected.json.
Run from this directory: python3 expected.py"""
import glob, json, re

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
    expected = {
        "probe": next((p.split("probe ", 1)[1] for p in printed if p.startswith("ctxswitch bpftrace script: probe ")), None),
        "elapsed_ns": next((int(p.rsplit(" ", 1)[1]) for p in printed if p.startswith("ctxswitch: elapsed ns ")), None),
        "count": count,
        "sum_ns": sum(maps.get("@ctxsw_sum", {}).values()),
        "min_ns": min(maps.get("@ctxsw_min", {}).values()) if count else None,
        "max_ns": max(maps.get("@ctxsw_max", {}).values()) if count else None,
        "cpus": len([c for c in n.values() if c > 0]),
        "histogram_count": sum(maps.get("@ctxsw_hist", {}).values()),
        "unpaired": maps.get("@ctxsw_unpaired", {}).get("", 0),
        "no_switch": maps.get("@ctxsw_no_switch", {}).get("", 0),
        "tasks": len(tasks),
        "top_task_count": sum(c for c, _ in top) if top else 0,
        "top_task_comm": max(top)[1] if top else None,
    }
    with open(path.rsplit(".txt", 1)[0] + ".expected.json", "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(path, expected)
