import type * as Xgrammar from "@mlc-ai/web-xgrammar";
import { InputError } from "../errors.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { GrammarSpec } from "./grammar-spec.js";
import { grammarVocab } from "./grammar-vocab.js";
import { compactStructuralTag } from "./compact-structural-tag.js";
import { checkJsonSchema } from "./json-schema-check.js";
import { TokenConstraint } from "./token-constraint.js";
import { loadXgrammar } from "./xgrammar-module.js";
import type { XgrammarModule } from "./xgrammar-module.js";

/**
 * JSON is generated on one line with ", " and ": " (xgrammar's any_whitespace off, as vLLM's
 * `disable-any-whitespace`): a small model left free to emit whitespace can fill max_tokens with it.
 */
const SEPARATORS: [string, string] = [", ", ": "];
const ONE_LINE = -1;
/** xgrammar's compiler cache has no size limit in the web build: a new compiler (empty cache) after this many compiles. */
const COMPILES_PER_CACHE = 256;
const MAX_GBNF_CHARS = 1 << 20;

/** A compiled grammar: make one constraint per sequence, then dispose it (the constraints keep what they need). */
export class CompiledGrammar {
  constructor(
    private readonly compiled: Xgrammar.CompiledGrammar,
    private readonly xg: XgrammarModule,
    readonly vocabSize: number,
  ) {}

  createConstraint(): TokenConstraint {
    const handle = new this.xg.binding.GrammarMatcher(this.compiled.handle, undefined, false, -1);
    return new TokenConstraint(handle, this.xg.binding, this.vocabSize);
  }

  dispose(): void {
    this.compiled.dispose();
  }
}

interface CompilerState {
  xg: XgrammarModule;
  info: Xgrammar.TokenizerInfo;
  compiler: Xgrammar.GrammarCompiler;
  compiles: number;
}

/**
 * Compiles GrammarSpecs for one model's vocabulary. The vocabulary (xgrammar's TokenizerInfo) is built at the first
 * compile (about 0.2 s for 128k tokens) and kept; compiled grammars are cached by xgrammar (same schema, no work).
 */
export class GrammarCompiler {
  private state: Promise<CompilerState> | null = null;

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly vocabSize: number,
  ) {}

  private load(): Promise<CompilerState> {
    this.state ??= (async () => {
      const xg = await loadXgrammar();
      const v = grammarVocab(this.tokenizer, this.vocabSize);
      const info = await xg.api.TokenizerInfo.createTokenizerInfo(v.encodedVocab, v.vocabType, false, v.vocabSize, v.stopTokenIds);
      const compiler = await xg.api.GrammarCompiler.createGrammarCompiler(info, true);
      return { xg, info, compiler, compiles: 0 };
    })().catch((err: unknown) => {
      this.state = null;
      throw err;
    });
    return this.state;
  }

  /** Compiles `spec`; bad input throws an InputError that starts with `where` (e.g. "response_format.json_schema.schema"). */
  async compile(spec: GrammarSpec, where: string): Promise<CompiledGrammar> {
    const s = await this.load();
    if (++s.compiles > COMPILES_PER_CACHE) {
      s.compiler.dispose();
      s.compiler = await s.xg.api.GrammarCompiler.createGrammarCompiler(s.info, true);
      s.compiles = 1;
    }
    const { api, guard } = s.xg;
    const compiler = s.compiler;
    let compiled: Xgrammar.CompiledGrammar;
    switch (spec.kind) {
      case "json_object":
        compiled = await compiler.compileJSONSchema(JSON.stringify({ type: "object" }), false, ONE_LINE, SEPARATORS, false);
        break;
      case "json_schema": {
        const text = JSON.stringify(checkJsonSchema(spec.schema, where));
        // Converting first (no compiler state involved) is where xgrammar rejects a schema; then the cached compile.
        (await guard(where, () => api.Grammar.fromJSONSchema(text, false, ONE_LINE, SEPARATORS, true))).dispose();
        compiled = await compiler.compileJSONSchema(text, false, ONE_LINE, SEPARATORS, true);
        break;
      }
      case "gbnf": {
        if (spec.text.length > MAX_GBNF_CHARS) throw new InputError(`${where}: longer than ${MAX_GBNF_CHARS} characters`);
        if (spec.text.trim().length === 0) throw new InputError(`${where}: the grammar is empty`);
        const grammar = await guard(where, () => api.Grammar.fromEBNF(spec.text, "root"));
        compiled = await compiler.compileGrammar(grammar);
        grammar.dispose();
        break;
      }
      case "structural_tag": {
        const tag = await compactStructuralTag(spec.tag, where, async (text) => {
          const g = await guard(where, () => api.Grammar.fromJSONSchema(text, false, ONE_LINE, SEPARATORS, true));
          const ebnf = g.toString();
          g.dispose();
          return ebnf;
        });
        const grammar = await guard(where, async () => {
          try {
            return await api.Grammar.fromStructuralTag(tag as Xgrammar.StructuralTagLike);
          } catch (err) {
            if (err instanceof WebAssembly.RuntimeError) throw err;
            throw new InputError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
          }
        });
        compiled = await compiler.compileGrammar(grammar);
        grammar.dispose();
        break;
      }
    }
    return new CompiledGrammar(compiled, s.xg, this.vocabSize);
  }
}

const compilers = new WeakMap<Tokenizer, Map<number, GrammarCompiler>>();

/** The GrammarCompiler of a tokenizer and logits length, made once and shared. */
export function grammarCompilerFor(tokenizer: Tokenizer, vocabSize: number): GrammarCompiler {
  let byVocab = compilers.get(tokenizer);
  if (byVocab === undefined) compilers.set(tokenizer, (byVocab = new Map()));
  let c = byVocab.get(vocabSize);
  if (c === undefined) byVocab.set(vocabSize, (c = new GrammarCompiler(tokenizer, vocabSize)));
  return c;
}
