#!/usr/bin/env bash
# Instructions per operation of each benchmark contender, counted by callgrind (deterministic:
# the same binary and inputs give the same count whatever the machine is doing).
#
# Each contender runs N operations and 0 operations; the difference divided by N is the cost of
# one operation (a pair, or one object of a 1,000-object batch), set-up excluded, loop included.
# The contenders and scenarios are those of the benches and the report (benches/contenders/),
# run by examples/instructions.rs.
#
#   scripts/instructions.sh                     # every contender, then a Markdown table
#   scripts/instructions.sh pool-64 box-64      # some of them
#   BUDGET=1.4 scripts/instructions.sh --check  # fail if pool-64 > BUDGET x free-list-64
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-200000}
check=0
names=()
for a in "$@"; do
  if [ "$a" = "--check" ]; then check=1; else names+=("$a"); fi
done

command -v valgrind >/dev/null || { echo "valgrind is required (apt-get install valgrind)" >&2; exit 1; }
cargo build --release --example instructions --quiet
bin=${CARGO_TARGET_DIR:-target}/release/examples/instructions
table=0
if [ "$check" = 1 ]; then
  names=(free-list-64 pool-64)
elif [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <("$bin" list)
  table=1
fi

count() { # name n -> total instructions
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1) || {
    echo "$out" >&2
    echo "FAIL: $1 $2 did not run under callgrind" >&2
    exit 1
  }
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' <<<"$out"
}

declare -A per
printf '%-26s %14s\n' name "instr/op"
for name in "${names[@]}"; do
  base=$(count "$name" 0)
  full=$(count "$name" "$N")
  per[$name]=$(awk -v a="$full" -v b="$base" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / n }')
  printf '%-26s %14s\n' "$name" "${per[$name]}"
done

if [ "$table" = 1 ]; then
  # One row per contender, in the order of `instructions list`.
  echo
  echo "| contender | pair 64 B | LIFO 64 B | FIFO 64 B | pair 4 KiB | LIFO 4 KiB | FIFO 4 KiB | pair 64 B / free list |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for name in "${names[@]}"; do
    case $name in *-64) ;; *) continue ;; esac
    c=${name%-64}
    ratio=$(awk -v p="${per[$c-64]}" -v f="${per[free-list-64]}" 'BEGIN { printf "%.2fx", p / f }')
    echo "| $c | ${per[$c-64]} | ${per[$c-64-lifo]} | ${per[$c-64-fifo]} | ${per[$c-4096]} | ${per[$c-4096-lifo]} | ${per[$c-4096-fifo]} | $ratio |"
  done
fi

if [ "$check" = 1 ]; then
  budget=${BUDGET:-1.4}
  ratio=$(awk -v p="${per[pool-64]}" -v f="${per[free-list-64]}" 'BEGIN { printf "%.2f", p / f }')
  echo "pool-64 / free-list-64 = $ratio (budget $budget)"
  awk -v r="$ratio" -v b="$budget" 'BEGIN { exit !(r <= b) }' || {
    echo "FAIL: the PoolBox hot pair is over its instruction budget" >&2
    exit 1
  }
fi
