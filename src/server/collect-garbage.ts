import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | null = null;

/**
 * A full garbage collection now. An unloaded model's WebAssembly memory (weights, KV cache) is freed only when its
 * Memory object is collected, and V8 sees no pressure to do that soon: without this, the RSS of a server that
 * unloaded a model stays up until some later GC. (`gc` exposed in a fresh context, as node --expose-gc would.)
 */
export function collectGarbage(): void {
  if (gc === null) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}
