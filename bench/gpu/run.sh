#!/usr/bin/env bash
# The one-command WebGPU device check (bench/gpu/README.md). Prepare here:
#   bash <shared folder beside the repo>/device/prepare-webgpu-carry.sh && node bench/gpu/build.mjs
# then on the GPU machine (carry ".device-carry" and "bench/gpu/dist"):
#   bash bench/gpu/run.sh
# Writes $OUT/webgpu.log, $OUT/torch.log and $OUT/results.jsonl (every RESULT line).
set -uo pipefail
OUT=${OUT:-/tmp/gpu-bench-out}
mkdir -p "$OUT"
source .device-carry/env.sh
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv > "$OUT/gpu.txt" 2>&1 || true
timeout 300 node bench/gpu/dist/webgpu-bench.mjs 2>&1 | tee "$OUT/webgpu.log"
timeout 120 python3 bench/gpu/torch_baseline.py 2>&1 | tee "$OUT/torch.log"
grep -h '^RESULT ' "$OUT/webgpu.log" "$OUT/torch.log" | sed 's/^RESULT //' > "$OUT/results.jsonl"
echo "results: $(wc -l < "$OUT/results.jsonl") lines in $OUT/results.jsonl"
