import { openGguf, writeGguf } from "../../src/formats/index.js";
import type { GgufKv } from "../../src/formats/index.js";

/**
 * A copy of a GGUF with `<arch>.context_length` rewritten (the tensors byte for byte), written with the project's
 * GGUF writer: stories-7m declaring 131072 positions, as a long-context model's file does.
 */
export function writeWithContextLength(src: string, dst: string, ctxLen: number): void {
  const g = openGguf(src);
  try {
    const arch = g.getString("general.architecture");
    const key = `${arch}.context_length`;
    if (!g.metadata.has(key)) throw new Error(`${src}: no ${key}`);
    const kvs: GgufKv[] = g.kvs.map((kv) => (kv.key === key ? { ...kv, value: ctxLen } : kv));
    writeGguf(dst, kvs, g.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, data: () => g.readTensorBytes(t) })), { alignment: g.alignment });
  } finally {
    g.close();
  }
}
