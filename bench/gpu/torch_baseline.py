# PyTorch bf16 baseline for bench/gpu (same shapes as webgpu-bench.ts): F.linear of x [nTokens, cols] by W [rows, cols]
# in bfloat16 on CUDA, timed with CUDA events. Prints one "RESULT {json}" line per shape.
import json, torch
PEAK_GBS = 4800
SHAPES = {
  "llama-3.2-1b": {"q": (2048, 2048), "kv": (512, 2048), "o": (2048, 2048), "gateUp": (8192, 2048), "down": (2048, 8192), "lmHead": (128256, 2048)},
  "qwen2.5-0.5b": {"q": (896, 896), "kv": (128, 896), "o": (896, 896), "gateUp": (4864, 896), "down": (896, 4864), "lmHead": (151936, 896)},
}
dev = torch.device("cuda")
for model, mats in SHAPES.items():
  for name, (rows, cols) in mats.items():
    w = torch.randn(rows, cols, device=dev, dtype=torch.bfloat16)
    for n_tok in (1, 8, 64):
      x = torch.randn(n_tok, cols, device=dev, dtype=torch.bfloat16)
      for _ in range(5): torch.nn.functional.linear(x, w)
      torch.cuda.synchronize()
      iters = 50
      a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
      a.record()
      for _ in range(iters): torch.nn.functional.linear(x, w)
      b.record(); torch.cuda.synchronize()
      us = a.elapsed_time(b) * 1000 / iters
      gbs = rows * cols * 2 / (us * 1e3)
      print("RESULT " + json.dumps({"kind": "torch-bf16", "model": model, "name": name, "rows": rows, "cols": cols, "nTokens": n_tok,
        "us": round(us, 1), "weightGBs": round(gbs, 1), "peakShare": round(gbs / PEAK_GBS, 4), "device": torch.cuda.get_device_name()}), flush=True)
