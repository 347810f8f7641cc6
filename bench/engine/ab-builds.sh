#!/bin/bash
# Alternates bench/engine/one-build.mjs over two builds in separate processes, ROUNDS times each, and prints the
# median of each figure per build and the ratio B/A. Usage: bench/engine/ab-builds.sh DIR_A DIR_B [ROUNDS=8]
A=$1; B=$2; R=${3:-8}; OUT=$(mktemp)
here=$(dirname "$0")
for i in $(seq 1 "$R"); do
  if [ $((i % 2)) -eq 1 ]; then order="$A $B"; else order="$B $A"; fi
  for d in $order; do node "$here/one-build.mjs" "$d" 6 >> "$OUT"; done
done
python3 - "$OUT" "$A" "$B" <<'PY'
import json, sys, statistics as st, os
rows = [json.loads(l) for l in open(sys.argv[1])]
a, b = (os.path.realpath(x) for x in sys.argv[2:4])
for k in ["rawPp", "rawTg", "genTtftMs", "genTg"]:
    va = [r[k] for r in rows if os.path.realpath(r["dir"]) == a]; vb = [r[k] for r in rows if os.path.realpath(r["dir"]) == b]
    print(f"{k}: A median {st.median(va):.1f}, B median {st.median(vb):.1f}, B/A {st.median(vb) / st.median(va):.3f}  (A {[round(x) for x in va]}, B {[round(x) for x in vb]})")
PY
rm -f "$OUT"
