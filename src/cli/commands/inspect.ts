import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../errors.js";
import { ggmlTypeName } from "../../quant/ggml-type.js";
import type { GgufValue } from "../../formats/gguf-value-type.js";
import { modelToJson } from "../../formats/model-json.js";
import { summarizeModel } from "../../formats/model-summary.js";
import type { ModelSummary } from "../../formats/model-summary.js";
import { openModelFile } from "../../formats/open-model-file.js";
import type { ModelFile } from "../../formats/open-model-file.js";
import { readTensorFloat32 } from "../../formats/read-tensor-float32.js";

interface InspectOptions {
  json?: boolean;
  tensor?: string;
  out?: string;
}

// The readable view shows this many items of a long array (token lists run to 100k+); --json shows all.
const arrayPreviewItems = 8;

/** `tsinfer inspect`: what a GGUF file or Hugging Face directory holds, readable or as JSON; or one tensor as float32. */
export function registerInspectCommand(program: Command): void {
  program
    .command("inspect")
    .description("summarize a GGUF file or Hugging Face model directory: metadata, sizes, tensors")
    .argument("<model>", "a .gguf file or a Hugging Face model directory")
    .option("--json", "print {format, summary, metadata, tensors} as JSON (arrays in full)")
    .option("--tensor <name>", "with --out: write this tensor dequantized to float32")
    .option("--out <file>", "where --tensor writes its values (float32 little-endian, row-major)")
    .action((path: string, options: InspectOptions) => {
      if ((options.tensor === undefined) !== (options.out === undefined)) {
        throw new InputError("--tensor and --out go together: --tensor NAME --out values.f32");
      }
      const model = openModelFile(path);
      try {
        if (options.tensor !== undefined && options.out !== undefined) {
          const { shape, values } = readTensorFloat32(model, options.tensor);
          writeFileSync(options.out, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
          console.log(`wrote ${values.length} float32 values of ${options.tensor} [${shape.join(", ")}] to ${options.out}`);
        } else if (options.json) {
          console.log(JSON.stringify(modelToJson(model), null, 1));
        } else {
          console.log(readableReport(path, model));
        }
      } finally {
        if (model.kind === "gguf") model.gguf.close();
        else model.hf.close();
      }
    });
}

function readableReport(path: string, model: ModelFile): string {
  const s = summarizeModel(model);
  const lines = [...summaryLines(path, s), ""];
  if (model.kind === "gguf") {
    lines.push(`metadata (${model.gguf.kvs.length} keys)`);
    for (const kv of model.gguf.kvs) lines.push(`  ${kv.key} = ${previewValue(kv.value)}`);
    lines.push("");
    lines.push(`tensors (${s.tensorCount}; shape in GGUF order, contiguous dimension first)`);
    lines.push(...table(model.gguf.tensors.map((t) => [t.name, ggmlTypeName(t.type) ?? String(t.type), shapeText(t.shape), bytesText(t.sizeBytes)])));
  } else {
    const config = Object.entries(model.hf.config);
    lines.push(`config.json (${config.length} keys)`);
    for (const [key, value] of config) lines.push(`  ${key} = ${clip(JSON.stringify(value) ?? "undefined")}`);
    lines.push("");
    lines.push(`tensors (${s.tensorCount}; shape row-major, contiguous dimension last)`);
    const multiFile = model.hf.files.length > 1;
    lines.push(
      ...table(
        model.hf.tensors.map((t) => {
          const row = [t.name, t.dtype, shapeText(t.shape), bytesText(t.sizeBytes)];
          if (multiFile) row.push(t.file.split("/").pop()!);
          return row;
        }),
      ),
    );
  }
  return lines.join("\n");
}

function summaryLines(path: string, s: ModelSummary): string[] {
  const rows: [string, string | undefined][] = [
    ["format", s.format === "gguf" ? `GGUF v${s.version}` : "Hugging Face safetensors"],
    ["file", `${path} (${bytesText(s.fileSizeBytes)})`],
    ["architecture", s.architecture],
    ["name", s.name],
    ["parameters", `${countText(s.paramCount)} (${s.paramCount.toLocaleString("en-US")})`],
    ["bits/weight", s.bitsPerWeight.toFixed(2)],
    ["tensor types", Object.entries(s.tensorTypes).map(([type, n]) => `${type} x${n}`).join(", ") || "none"],
    ["context", s.ctxLen?.toString()],
    ["layers", s.nLayers?.toString()],
    ["heads", s.nHeads === undefined ? undefined : `${s.nHeads} (${s.nKvHeads ?? s.nHeads} KV)`],
    ["hidden size", s.hiddenSize?.toString()],
    ["FFN size", s.ffnSize?.toString()],
    ["vocab size", s.vocabSize?.toString()],
    ["rope", ropeText(s)],
    ["tokenizer", s.tokenizerKind],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined).map(([k, v]) => `${k.padEnd(13)} ${v}`);
}

function previewValue(value: GgufValue): string {
  if (!Array.isArray(value)) return typeof value === "string" ? JSON.stringify(value) : String(value);
  const shown = value.slice(0, arrayPreviewItems).map(previewValue).join(", ");
  return value.length > arrayPreviewItems ? `[${value.length} items: ${shown}, ...]` : `[${shown}]`;
}

function ropeText(s: ModelSummary): string | undefined {
  if (s.ropeTheta === undefined) return undefined;
  const sliding = s.ropeThetaSliding === undefined ? "" : ` (sliding-window layers ${s.ropeThetaSliding})`;
  const scaling = s.ropeScaling;
  if (!scaling) return `theta ${s.ropeTheta}${sliding}`;
  return `theta ${s.ropeTheta}${sliding}, ${scaling.type} scaling${scaling.factor === undefined ? "" : ` x${scaling.factor}`}`;
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function table(rows: string[][]): string[] {
  const header = ["name", "type", "shape", "size", "file"].slice(0, rows[0]?.length ?? 4);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ")}`);
}

function shapeText(shape: number[]): string {
  return `[${shape.join(", ")}]`;
}

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

function countText(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}
