import { readFileSync } from "node:fs";

/**
 * An asc transform that makes the memory64 build of the kernels (targets simd64 and relaxed64 in asconfig.json).
 * AssemblyScript 0.28's compiler has a wasm64 target (`usize` is u64, loads and stores take i64 addresses) but its
 * CLI always sets the wasm32 target, its "memory64" feature "does nothing yet", and its Module.setMemory declares
 * every memory 32-bit. So, before the sources are parsed (ASC_TARGET, usize and the module's size type are read after
 * this constructor), this selects the wasm64 target and declares the imported memory with i64 addresses.
 *
 * It also gives every export whose signature has an i64 (in this build, only pointers and sizes: the wasm32 build's
 * exports have no i64 anywhere) an f64 in its place: JavaScript passes an i64 parameter as a BigInt, one heap object
 * per argument per call, while an f64 is a plain number, exact for any address below 2^53. The wrappers convert with
 * i64.trunc_f64_u (a negative or fractional pointer traps rather than wrapping) and f64.convert_i64_u.
 *
 * It relies on compiler internals (Options.target, Module.sizeType, Module.setMemory's arguments), so it checks the
 * compiler's version: another version needs these checked again.
 */
const SUPPORTED_ASC = /^0\.28\./;
const TARGET_WASM64 = 2;

export default class Memory64Transform {
  constructor() {
    const ascVersion = JSON.parse(readFileSync(new URL("../node_modules/assemblyscript/package.json", import.meta.url), "utf8")).version;
    if (!SUPPORTED_ASC.test(ascVersion)) {
      throw new Error(`memory64-transform.mjs was written for AssemblyScript 0.28 (its wasm64 internals); this is ${ascVersion}`);
    }
    const binaryen = this.binaryen;
    const program = this.program;
    program.options.target = TARGET_WASM64;
    program.module.sizeType = binaryen.i64;
    program.module.setMemory = function (initial, maximum, segments, _target, exportName, name, shared) {
      setMemory64(binaryen, this, initial, maximum, segments, exportName, name, shared);
    };
  }

  /** `module`: binaryen.js's Module over the compiled module (asc wraps it). */
  afterCompile(module) {
    const binaryen = this.binaryen;
    const exports = [];
    for (let i = 0; i < module.getNumExports(); i++) {
      const info = binaryen.getExportInfo(module.getExportByIndex(i));
      if (info.kind === binaryen.ExternalFunction) exports.push(info);
    }
    for (const { name, value } of exports) {
      const fn = binaryen.getFunctionInfo(module.getFunction(value));
      const params = binaryen.expandType(fn.params);
      const results = binaryen.expandType(fn.results);
      if (!params.includes(binaryen.i64) && !results.includes(binaryen.i64)) continue;
      const asF64 = (t) => (t === binaryen.i64 ? binaryen.f64 : t);
      const args = params.map((t, i) => (t === binaryen.i64
        ? module.i64.trunc_u.f64(module.local.get(i, binaryen.f64))
        : module.local.get(i, t)));
      let body = module.call(value, args, fn.results);
      if (results.length === 1 && results[0] === binaryen.i64) body = module.f64.convert_u.i64(body);
      else if (results.length > 1) throw new Error(`memory64-transform.mjs: export ${name} returns several values`);
      const wrapper = `${value}$f64`;
      module.addFunction(wrapper, binaryen.createType(params.map(asF64)), binaryen.createType(results.map(asF64)), [], body);
      module.removeExport(name);
      module.addFunctionExport(wrapper, name);
    }
  }
}

/** Module.setMemory of AssemblyScript 0.28 (src/module.ts) with the memory64 flag set and i64 segment offsets. */
function setMemory64(binaryen, module, initial, maximum, segments, exportName, name, shared) {
  const temps = [];
  const alloc = (bytes) => {
    const ptr = binaryen._malloc(Math.max(bytes, 4));
    temps.push(ptr);
    return ptr;
  };
  const n = segments.length;
  const names = alloc(4 * n), datas = alloc(4 * n), passives = alloc(n), offsets = alloc(4 * n), sizes = alloc(4 * n);
  for (let i = 0; i < n; i++) {
    const { buffer, offset } = segments[i];
    const data = alloc(buffer.length);
    for (let j = 0; j < buffer.length; j++) binaryen.__i32_store8(data + j, buffer[j]);
    binaryen.__i32_store(names + 4 * i, 0);
    binaryen.__i32_store(datas + 4 * i, data);
    binaryen.__i32_store8(passives + i, 0);
    binaryen.__i32_store(offsets + 4 * i, module.i64(globalThis.i64_low(offset), globalThis.i64_high(offset)));
    binaryen.__i32_store(sizes + 4 * i, buffer.length);
  }
  binaryen._BinaryenSetMemory(module.ref, initial, maximum, module.allocStringCached(exportName), names, datas, passives,
    offsets, sizes, n, shared, true, module.allocStringCached(name));
  for (const ptr of temps) binaryen._free(ptr);
}
