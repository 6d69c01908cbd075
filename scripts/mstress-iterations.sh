#!/usr/bin/env bash
# Where `mstress`'s time goes, iteration by iteration: runs alloc_bench's `mstress` N times
# (default 41) with each allocator in turn (default pool and mimalloc), each run a fresh
# process, and prints per allocator the median of the whole program's time and of each of its
# ten iterations (two threads spawned, run and joined), and the page faults the process had
# taken by the end of each iteration (median). Iteration 0 is the one that maps and first
# touches the heap.
#
#   scripts/mstress-iterations.sh              # 41 runs of pool and mimalloc
#   FEATURES="--features jemalloc,snmalloc" scripts/mstress-iterations.sh 21 pool mimalloc jemalloc
#
# jemalloc and snmalloc need those FEATURES: without them alloc_bench is built without those
# allocators, and a child asked for one runs on glibc.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-41}
shift || true
allocators=("$@")
[ ${#allocators[@]} -gt 0 ] || allocators=(pool mimalloc)
cargo build --release ${FEATURES:-} --example alloc_bench --quiet
bin=${CARGO_TARGET_DIR:-target}/release/examples/alloc_bench
out=$(mktemp)
for _ in $(seq 1 "$runs"); do
  for a in "${allocators[@]}"; do
    # stdout: "seconds rss check"; stderr: "iteration i seconds faults" lines.
    total=$(ZOKIO_BENCH_ITERATIONS=1 ZOKIO_BENCH_ALLOC=$a "$bin" --child mstress 2>"$out.err")
    echo "$a total ${total%% *}" >>"$out"
    sed "s/^/$a /" "$out.err" >>"$out"
  done
done
python3 - "$out" <<'EOF'
import collections, statistics, sys
total = collections.defaultdict(list)
iters = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    f = line.split()
    if f[1] == "total":
        total[f[0]].append(float(f[2]))
    else:
        iters[f[0]][int(f[2])].append((float(f[3]), int(f[4])))
med = statistics.median
for a in total:
    it = iters[a]
    walls = [1000 * med(t for t, _ in it[i]) for i in sorted(it)]
    faults = [med(n for _, n in it[i]) for i in sorted(it)]
    print(f"{a}: program {1000 * med(total[a]):.2f} ms (median of {len(total[a])} runs); "
          f"iterations {sum(walls):.2f} ms, iteration 0 {walls[0]:.2f}, 1-9 {sum(walls[1:]):.2f}")
    print("  iteration ms: " + " ".join(f"{w:.2f}" for w in walls))
    print("  faults after: " + " ".join(f"{n:.0f}" for n in faults))
EOF
rm -f "$out" "$out.err"
