import { ARG_SLOTS, ARGS_BYTE_OFFSET, CHUNK_BITS, CHUNK_MASK, CTRL, FAILED_EXIT, FAILED_START, FAILED_THROW, FAULT_EXIT, FAULT_THROW, MESSAGE_SLOTS, TAG_MASK } from "./pool-control.js";

/**
 * The body of each pool worker (run with `eval`, so the pool needs no separate file at runtime or under vitest):
 * it instantiates the kernels on the shared memory and sets its thread index (for the scratch slot it owns), then
 * waits for a new generation in the control block (spinning a while, then sleeping in Atomics.wait), claims chunks
 * of the posted job until none are left (as WasmThreadPool.run does on the calling thread) and counts each one done.
 * A worker that dies (process.exit, an uncaught throw) writes its index and error into the control block and wakes
 * the calling thread, which is blocked in Atomics.wait and would never see the Worker's "exit" event.
 */
export const POOL_WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { memory, module, control, index, names, spinLimit } = workerData;
const c = new Int32Array(control);
const a = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${ARG_SLOTS});
let stopping = false, started = false, threw = false;
function reportDeath() {
  if (stopping) return;
  Atomics.store(c, ${CTRL.failedKind}, !started ? ${FAILED_START} : threw ? ${FAILED_THROW} : ${FAILED_EXIT});
  Atomics.store(c, ${CTRL.failed}, index);
  Atomics.notify(c, ${CTRL.done});
}
if (typeof process === "object" && typeof process.on === "function") process.on("exit", reportDeath);
function injectFault(kind) {
  c[${CTRL.fault}] = 0;
  if (kind === ${FAULT_EXIT}) { if (typeof process === "object") process.exit(1); else { reportDeath(); close(); } }
  if (kind === ${FAULT_THROW}) throw new Error("fault injected by a test");
  for (;;) Atomics.wait(c, ${CTRL.fault}, 0);
}
try {
  const inst = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error("wasm abort"); } } });
  inst.exports.setThreadIndex(index);
  const fns = names.map((n) => inst.exports[n]);
  started = true;
  let gen = 0;
  for (;;) {
    let g = Atomics.load(c, ${CTRL.gen});
    let spins = 0;
    while (g === gen) {
      if (++spins > spinLimit) { Atomics.wait(c, ${CTRL.gen}, gen); spins = 0; }
      g = Atomics.load(c, ${CTRL.gen});
    }
    gen = g;
    if (Atomics.load(c, ${CTRL.stop}) !== 0) { stopping = true; break; }
    const f = fns[c[${CTRL.op}]], argc = c[${CTRL.argc}];
    const n = c[${CTRL.n}], chunk = c[${CTRL.chunk}], chunks = c[${CTRL.chunks}];
    const tag = g & ${TAG_MASK};
    c[${CTRL.holding} + index] = 1;
    for (;;) {
      const v = Atomics.load(c, ${CTRL.next});
      const k = v & ${CHUNK_MASK};
      if (v >>> ${CHUNK_BITS} !== tag || k >= chunks) break;
      if (Atomics.compareExchange(c, ${CTRL.next}, v, v + 1) !== v) continue;
      if (c[${CTRL.fault}] !== 0 && c[${CTRL.fault}] >> 2 === index) injectFault(c[${CTRL.fault}] & 3);
      const r0 = k * chunk, r1 = Math.min(n, r0 + chunk);
      switch (argc) {
        case 6: f(a[0], a[1], a[2], a[3], a[4], a[5], r0, r1); break;
        case 8: f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], r0, r1); break;
        default: f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], r0, r1);
      }
      if (Atomics.add(c, ${CTRL.done}, 1) + 1 === chunks) Atomics.notify(c, ${CTRL.done});
    }
    c[${CTRL.holding} + index] = 0;
  }
} catch (err) {
  threw = true;
  const text = String(err);
  const len = Math.min(text.length, ${MESSAGE_SLOTS} - 1);
  for (let i = 0; i < len; i++) c[${CTRL.message} + i] = text.charCodeAt(i);
  c[${CTRL.message} + len] = 0;
  reportDeath();
  stopping = true;
}
`;
