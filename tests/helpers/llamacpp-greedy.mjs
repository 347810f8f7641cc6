#!/usr/bin/env node
// Copied unchanged (apart from this line) from the shared folder's peers/llamacpp_greedy.mjs: the reference engine harness.
// Correctness reference: greedy continuation (and top-k next-token probabilities) from llama.cpp via node-llama-cpp.
//
//   node llamacpp_greedy.mjs --model M.gguf --tokens 1,300,301,302 [--n 16] [--topk 5] [--threads 2]
//        [--all-positions]       also report top-k after EVERY prompt position (teacher forcing)
//        [--text "hello"]        tokenize text with the model's tokenizer instead of --tokens
//
// Prints one JSON object:
//   {prompt:[ids], generated:[ids], steps:[{token, prob, top:[[id, prob, dlogit], ...]}], positions:[...]}
// `prob` is the softmax probability over the FULL vocabulary of the raw logits (node-llama-cpp computes it from
// llama.cpp's logits when temperature = 0 / greedy: it sorts the candidates and softmaxes them, see
// node_modules/node-llama-cpp/llama/addon/AddonContext.cpp). `dlogit` = logit - max logit = ln(prob / prob_max),
// which is what you can compare against your engine's logits (they are only defined up to a constant here).
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const args = parseArgs(process.argv.slice(2), {model: null, tokens: null, text: null, n: "16", topk: "5", threads: "2",
    ctx: "2048", "all-positions": false, verbose: false});
if (!args.model || (!args.tokens && args.text == null)) {
    console.error("usage: node llamacpp_greedy.mjs --model M.gguf --tokens 1,2,3 [--n 16] [--topk 5] [--all-positions]");
    process.exit(2);
}
const threads = +args.threads, n = +args.n, topk = +args.topk;
const llama = await getLlama({gpu: false, build: "never", maxThreads: threads,
    logLevel: args.verbose ? LlamaLogLevel.debug : LlamaLogLevel.error});
const model = await llama.loadModel({modelPath: args.model});
const ctx = await model.createContext({contextSize: +args.ctx, batchSize: 512, threads: {ideal: threads, min: threads}});
const seq = ctx.getSequence();
const prompt = args.tokens ? String(args.tokens).split(",").map((x) => parseInt(x, 10))
    : Array.from(model.tokenize(String(args.text), false));

function topOf(probs) {
    // probs: Map<token, prob>, sorted high -> low
    const out = [];
    let pmax = null;
    for (const [tok, p] of probs) {
        if (pmax == null) pmax = p;
        out.push([tok, +p.toPrecision(7), +Math.log(p / pmax).toFixed(5)]);
        if (out.length >= topk) break;
    }
    return out;
}

const result = {engine: "node-llama-cpp", model: args.model, threads, prompt};

if (args["all-positions"]) {
    // teacher-forced: next-token distribution after each prompt prefix
    const items = prompt.map((t) => [t, {generateNext: {probabilities: true, token: true, options: {temperature: 0}}}]);
    const outs = await seq.controlledEvaluate(items);
    result.positions = outs.map((o, i) => ({pos: i, argmax: o?.next?.token ?? null, top: o?.next?.probabilities ? topOf(o.next.probabilities) : null}));
    await seq.clearHistory();
}

const steps = [];
for await (const r of seq.evaluateWithMetadata(prompt, {probabilities: true, confidence: true}, {temperature: 0})) {
    steps.push({token: r.token, prob: +r.confidence.toPrecision(7), top: topOf(r.probabilities)});
    if (steps.length >= n) break;
}
result.generated = steps.map((s) => s.token);
result.steps = steps;
console.log(JSON.stringify(result));
await ctx.dispose(); await model.dispose(); await llama.dispose();

function parseArgs(argv, defs) {
    const o = {...defs};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) continue;
        const k = a.slice(2);
        if (typeof defs[k] === "boolean") o[k] = true;
        else o[k] = argv[++i];
    }
    return o;
}
