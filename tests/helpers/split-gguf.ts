import { GgufValueType, ggufKv, openGguf, writeGguf, type GgufKv } from "../../src/formats/index.js";

/**
 * Splits a GGUF into `count` parts laid out as llama.cpp's `llama-gguf-split --split` writes them (tools/gguf-split):
 * part 1 carries every key/value plus split.no (u16), split.count (u16) and split.tensors.count (i32); the other
 * parts carry only the three split keys; tensors are dealt out in file order. Returns the parts' paths.
 */
export function splitGguf(srcPath: string, outPrefix: string, count: number): string[] {
  const src = openGguf(srcPath);
  try {
    const perPart = Math.ceil(src.tensors.length / count);
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const splitKvs: GgufKv[] = [
        ggufKv("split.no", i, GgufValueType.UINT16),
        ggufKv("split.count", count, GgufValueType.UINT16),
        ggufKv("split.tensors.count", src.tensors.length, GgufValueType.INT32),
      ];
      const kvs = i === 0 ? [...src.kvs.filter((kv) => !kv.key.startsWith("split.")), ...splitKvs] : splitKvs;
      const tensors = src.tensors.slice(i * perPart, (i + 1) * perPart).map((info) => ({
        name: info.name,
        type: info.type,
        shape: info.shape,
        data: () => src.readTensorBytes(info),
      }));
      const path = `${outPrefix}-${String(i + 1).padStart(5, "0")}-of-${String(count).padStart(5, "0")}.gguf`;
      writeGguf(path, kvs, tensors, { alignment: src.alignment });
      paths.push(path);
    }
    return paths;
  } finally {
    src.close();
  }
}
