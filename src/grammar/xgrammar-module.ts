import type * as Xgrammar from "@mlc-ai/web-xgrammar";
import { InputError, TsinferError } from "../errors.js";
import { loadXgrammarSource } from "./xgrammar-source.js";

/** A std::vector<int32_t> handle of the Emscripten binding. */
export interface IntVectorHandle {
  delete(): void;
}

/** The binding's GrammarMatcher (xgrammar's C++ class through embind): the synchronous calls we need per token. */
export interface MatcherHandle {
  AcceptToken(tokenId: number, verbose: boolean): boolean;
  GetNextTokenBitmask(vocabSize: number): IntVectorHandle;
  IsTerminated(): boolean;
  Rollback(numTokens: number): void;
  Reset(): void;
  delete(): void;
}

/** The parts of the Emscripten module that web-xgrammar keeps private (its wrappers await them per call). */
export interface XgrammarBinding {
  GrammarMatcher: new (compiledGrammar: unknown, overrideStopTokens: undefined, terminateWithoutStopToken: boolean, maxRollbackTokens: number) => MatcherHandle;
  /** A view of the vector's memory inside the wasm heap (valid until the vector is deleted or the heap grows). */
  vecIntToView(vector: IntVectorHandle): Int32Array;
}

export type XgrammarApi = typeof Xgrammar;

export interface XgrammarModule {
  api: XgrammarApi;
  binding: XgrammarBinding;
  /**
   * Runs an xgrammar call that may reject its input. xgrammar reports bad input by printing "[FATAL] file:line:
   * message" and aborting the call (Emscripten `abort`, a RuntimeError without the message); this returns the
   * result or throws an InputError with that message, prefixed by `what`.
   */
  guard<T>(what: string, call: () => Promise<T>): Promise<T>;
}

// Patches to the bundle, each checked to apply exactly once: hand out the private `binding`; initialize the Emscripten
// module with our printErr (to read xgrammar's error messages) instead of console.error; and in its Node branch use
// the `require` we pass instead of `await import("module")` (code made by new Function has no dynamic-import host
// in a vm context such as vitest's).
const PATCHES: [string, string][] = [
  ["await import('module')", "({ createRequire: () => require })"],
  ["exports.default = index;", "exports.default = index;\n  exports.__tsinferBinding = async () => { await asyncInitBinding(); return binding; };"],
  ["binding = await Module();", "binding = await Module(tsinferModuleArg);"],
];

let loading: Promise<XgrammarModule> | null = null;

/** Loads and initializes web-xgrammar once per process (or page); later calls share it. */
export function loadXgrammar(): Promise<XgrammarModule> {
  loading ??= evaluate().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function evaluate(): Promise<XgrammarModule> {
  const src = await loadXgrammarSource();
  let text = src.text;
  for (const [target, replacement] of PATCHES) {
    const at = text.indexOf(target);
    if (at < 0 || text.indexOf(target, at + 1) >= 0)
      throw new TsinferError(`web-xgrammar at ${src.filename}: "${target}" does not occur exactly once; this loader was written for @mlc-ai/web-xgrammar 0.1.27`);
    text = text.slice(0, at) + replacement + text.slice(at + target.length);
  }
  const messages: string[] = [];
  const keep = (line: string): void => {
    if (messages.length < 64) messages.push(line); // only guard() reads them; warnings printed elsewhere must not pile up
  };
  const moduleArg = { printErr: keep, print: keep };
  const exports: Record<string, unknown> = {};
  // The UMD header takes the CommonJS branch when `exports` and `module` exist.
  new Function("exports", "module", "require", "__filename", "__dirname", "tsinferModuleArg", text)(exports, { exports }, src.require, src.filename, src.dirname, moduleArg);
  const getBinding = exports["__tsinferBinding"];
  if (typeof getBinding !== "function") throw new TsinferError(`web-xgrammar at ${src.filename}: the binding was not exported`);
  const binding = (await getBinding()) as XgrammarBinding;
  const guard = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    messages.length = 0;
    try {
      return await call();
    } catch (err) {
      const fatal = messages.find((m) => m.startsWith("[FATAL]"));
      if (fatal === undefined) throw err;
      throw new InputError(`${what}: ${fatal.replace(/^\[FATAL\] \S+:\d+: /, "")}`);
    } finally {
      messages.length = 0;
    }
  };
  return { api: exports as unknown as XgrammarApi, binding, guard };
}
