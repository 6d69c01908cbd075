#!/usr/bin/env bash
# Runs the report N times (default 5) and prints, for each row and each ratio (pool / system,
# pool / mimalloc; in the byte table, whose rows start with "PoolAlloc", PoolAlloc over glibc,
# mimalloc, and jemalloc if the report is built with it), the minimum, median and maximum of the
# best-run ratio across the runs, and every run's value: the figures the README quotes, with
# their spread. Options after N go to the report; FEATURES="--features jemalloc" builds it so.
#
#   scripts/report-spread.sh          # 5 full runs (about 1 min each on 2 cores)
#   scripts/report-spread.sh 3 --quick
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
shift || true
cargo build --release ${FEATURES:-} --example report --quiet
dir=${CARGO_TARGET_DIR:-target}/zokio-report
out=$(mktemp -d)
for i in $(seq 1 "$runs"); do
  echo "run $i of $runs..." >&2
  cargo run --release ${FEATURES:-} --quiet --example report -- "$@" >"$out/run$i.txt"
  cp "$dir/report.tsv" "$out/run$i.tsv"
done
python3 - "$out" "$runs" <<'PY'
import statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
rows = {}
order = []
for i in range(1, runs + 1):
    for line in open(f"{out}/run{i}.tsv"):
        name, against, best, *_ = line.rstrip("\n").split("\t")
        key = (name, against)
        if key not in rows:
            rows[key] = []
            order.append(key)
        rows[key].append(float(best))
print(f"best-run ratio over {runs} runs of the report: min / median / max (every run)")
print()
print("| row | over | min | median | max | runs |")
print("|---|---|---:|---:|---:|---|")
for name, against in order:
    v = rows[(name, against)]
    runs_text = ", ".join(f"{x:.2f}" for x in v)
    print(f"| {name} | {against} | {min(v):.2f}x | {statistics.median(v):.2f}x | {max(v):.2f}x | {runs_text} |")
PY
echo "(each run's full output: $out)" >&2
