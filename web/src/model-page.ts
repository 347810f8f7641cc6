import { getJson } from "./api.js";
import { bytesText, el } from "./format.js";

/** What GET /v1/model-info returns: the loaded model as `tsinfer inspect` sees it. */
export interface ModelInfo {
  id: string;
  architecture: string;
  parameters: number;
  fileSizeBytes: number;
  contextLength: number;
  kvBytesPerToken: number;
  kvType?: string;
  config: Record<string, unknown>;
  tensors: { name: string; type: string; shape: number[]; sizeBytes: number }[];
}

export async function loadModelPage(): Promise<ModelInfo | null> {
  const box = document.querySelector<HTMLElement>("#model-info")!;
  let info: ModelInfo;
  try {
    info = await getJson<ModelInfo>("v1/model-info");
  } catch (err) {
    box.textContent = `Could not load the model description: ${(err as Error).message}`;
    return null;
  }
  const facts: [string, string][] = [
    ["Model", info.id],
    ["Architecture", info.architecture],
    ["Parameters", info.parameters.toLocaleString("en")],
    ["File size", bytesText(info.fileSizeBytes)],
    ["Bits per weight", ((info.fileSizeBytes * 8) / Math.max(info.parameters, 1)).toFixed(2)],
    ["Context length", String(info.contextLength)],
    ["KV cache per token", `${bytesText(info.kvBytesPerToken)}${info.kvType ? ` (${info.kvType})` : ""}`],
  ];
  for (const [key, value] of Object.entries(info.config)) {
    if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") facts.push([key, String(value)]);
  }
  const list = el("dl", { class: "stat-list" });
  for (const [name, value] of facts) {
    const item = el("div", { class: "stat" });
    item.append(el("dt", {}, name), el("dd", {}, value));
    list.append(item);
  }
  const table = el("table", { class: "tensor-table" });
  table.append(el("caption", {}, `${info.tensors.length} tensors`));
  const head = el("tr");
  for (const h of ["Name", "Type", "Shape", "Size"]) head.append(el("th", { scope: "col" }, h));
  table.append(head);
  for (const t of info.tensors) {
    const row = el("tr");
    row.append(el("td", { class: "mono" }, t.name), el("td", {}, t.type), el("td", { class: "mono" }, t.shape.join(" × ")), el("td", {}, bytesText(t.sizeBytes)));
    table.append(row);
  }
  box.replaceChildren(list, table);
  return info;
}
