#!/usr/bin/env python3
"""Turns the output of `cargo bench` (criterion) into Markdown tables, one row per group.

    cargo bench --bench hot_path --bench stress --bench mixed | tee bench.txt
    scripts/bench-table.py bench.txt

Each cell is the time per element (ns) at the median throughput and, in parentheses, that contender's time over
PoolBox's in the same group: above 1.00x PoolBox is faster. The last column is PoolBox's time
over the hand-written free list's (the practical limit; the goal is at most 1.3x).
"""
import re
import sys

# Throughput units: elements per second.
UNITS = {"elem/s": 1.0, "Kelem/s": 1e3, "Melem/s": 1e6, "Gelem/s": 1e9}
ORDER = ["zokio-pool", "zokio-pool pool!", "zokio-pool recycle", "free list", "mimalloc", "glibc Box", "lockfree-object-pool",
         "object-pool", "sharded-slab", "opool Pool", "opool LocalPool"]
POOL, FREE = "zokio-pool", "free list"

text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
# "group/size/contender   time: [...]   thrpt: [lo unit med unit hi unit]", the name possibly
# on its own line. The median throughput gives the time per element (a group's iteration may
# hold many elements: a batch of 1,000 objects, 1,000 stress steps).
pattern = re.compile(
    r"^(\S+?/\S+?)/(\S[^\n]*?)\s+time:\s+\[[^\]]*\]\s+thrpt:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]",
    re.M)
groups = {}
for group, who, med, unit in pattern.findall(text):
    groups.setdefault(group, {})[who.strip()] = 1e9 / (float(med) * UNITS[unit])

def fmt(ns):
    return f"{ns:,.0f}" if ns >= 100 else f"{ns:.1f}" if ns >= 10 else f"{ns:.2f}"

cols = [c for c in ORDER if any(c in g for g in groups.values())]
print("| scenario | " + " | ".join(cols) + " | PoolBox / free list |")
print("|---|" + "---:|" * (len(cols) + 1))
for group, times in groups.items():
    pool = times.get(POOL)
    cells = []
    for c in cols:
        if c not in times:
            cells.append("n/a")
        elif c == POOL or pool is None:
            cells.append(fmt(times[c]))
        else:
            cells.append(f"{fmt(times[c])} ({times[c] / pool:.2f}x)")
    vs_free = f"{pool / times[FREE]:.2f}x" if pool and FREE in times else "n/a"
    print(f"| {group} | " + " | ".join(cells) + f" | {vs_free} |")
