import { describe, expect, it } from "vitest";
import { formatHubRef, ggufNameInfo, parseHubRef, pickGguf, pickModelFiles, type RepoFile } from "../../src/hub/index.js";

// The choice llama.cpp's `-hf org/repo[:tag]` makes (common/download.cpp find_best_model, get_gguf_split_info):
// a tag matches case-insensitively when followed by '.' or '-'; no tag tries Q4_K_M, then Q8_0; mmproj/imatrix
// files are never the model; of a split GGUF the first part is matched and all parts are fetched.
const files = (...paths: string[]): RepoFile[] => paths.map((path) => ({ path, size: 1 }));
const pick = (list: RepoFile[], quant?: string): string | undefined => pickGguf(list, quant)?.path;

const bartowski = files(
  "README.md",
  "Llama-3.2-1B-Instruct-IQ3_M.gguf",
  "Llama-3.2-1B-Instruct-Q4_K_L.gguf",
  "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
  "Llama-3.2-1B-Instruct-Q4_K_S.gguf",
  "Llama-3.2-1B-Instruct-Q8_0.gguf",
  "Llama-3.2-1B-Instruct-f16.gguf",
  "Llama-3.2-1B-Instruct.imatrix",
);

describe("picking a GGUF as llama.cpp's -hf does", () => {
  it("no tag: Q4_K_M; a tag, in any case: that file; Q4_K does not match Q4_K_M", () => {
    expect(pick(bartowski)).toBe("Llama-3.2-1B-Instruct-Q4_K_M.gguf");
    expect(pick(bartowski, "Q8_0")).toBe("Llama-3.2-1B-Instruct-Q8_0.gguf");
    expect(pick(bartowski, "F16")).toBe("Llama-3.2-1B-Instruct-f16.gguf");
    expect(pick(bartowski, "Q4_K")).toBeUndefined();
    expect(pick(files("m.Q4_K.gguf", "m.Q4_K_M.gguf"), "Q4_K")).toBe("m.Q4_K.gguf");
  });

  it("no Q4_K_M: Q8_0 (llama.cpp's second choice); neither: the nearest to 4 bits, then the first", () => {
    expect(pick(files("m-Q4_K_S.gguf", "m-Q8_0.gguf", "m-Q6_K.gguf"))).toBe("m-Q8_0.gguf");
    expect(pick(files("m-F16.gguf", "m-Q6_K.gguf", "m-Q3_K_M.gguf"))).toBe("m-Q3_K_M.gguf");
    expect(pick(files("m-F16.gguf", "m-BF16.gguf"))).toBe("m-F16.gguf");
    expect(pick(files("model.gguf"))).toBe("model.gguf");
  });

  it("projectors and imatrix files are never the model", () => {
    const list = files("mmproj-model-f16.gguf", "model-Q8_0.gguf", "imatrix-Q4_K_M.gguf");
    expect(pick(list)).toBe("model-Q8_0.gguf");
    expect(pick(list, "F16")).toBeUndefined();
  });

  it("a split GGUF: the tag matches its first part; every part is fetched, in order; a missing part is named", () => {
    const split = files("Qwen-Q4_K_M-00002-of-00003.gguf", "Qwen-Q4_K_M-00001-of-00003.gguf", "Qwen-Q4_K_M-00003-of-00003.gguf", "Qwen-Q8_0.gguf");
    expect(ggufNameInfo("Qwen-Q4_K_M-00002-of-00003.gguf")).toEqual({ prefix: "Qwen-Q4_K_M", tag: "Q4_K_M", splitIndex: 2, splitCount: 3 });
    const picked = pickModelFiles(parseHubRef("org/Qwen-GGUF"), split, "");
    expect(picked.files.map((f) => f.path)).toEqual(["Qwen-Q4_K_M-00001-of-00003.gguf", "Qwen-Q4_K_M-00002-of-00003.gguf", "Qwen-Q4_K_M-00003-of-00003.gguf"]);
    expect(() => pickModelFiles(parseHubRef("org/Qwen-GGUF:Q4_K_M"), split.slice(1), "on the Hub")).toThrow(/split GGUF Qwen-Q4_K_M-00001-of-00003.gguf lacks|no GGUF file for quant Q4_K_M/);
    expect(() => pickModelFiles(parseHubRef("org/Qwen-GGUF:Q4_K_M"), split.filter((f) => !f.path.includes("-00003-of")), "on the Hub")).toThrow(
      /split GGUF Qwen-Q4_K_M-00001-of-00003.gguf lacks Qwen-Q4_K_M-00003-of-00003.gguf on the Hub/,
    );
    expect(() => pickModelFiles(parseHubRef("org/Qwen-GGUF/Qwen-Q4_K_M-00002-of-00003.gguf"), split, "")).toThrow(/part 2 of a split GGUF; name the first part/);
  });

  it("a repository without GGUF files: the Hugging Face directory's files, or a clear error", () => {
    const hf = files("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json", "chat_template.jinja", "README.md", "onnx/model.onnx", ".gitattributes");
    const picked = pickModelFiles(parseHubRef("org/m"), hf, "");
    expect(picked.kind).toBe("hf-dir");
    expect(picked.files.map((f) => f.path)).toEqual(["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json", "chat_template.jinja"]);
    expect(() => pickModelFiles(parseHubRef("org/m:Q4_K_M"), hf, "on the Hub")).toThrow(/no GGUF file for quant Q4_K_M on the Hub; it has no GGUF files/);
    expect(() => pickModelFiles(parseHubRef("org/m"), files("README.md", "pytorch_model.bin", "config.json"), "on the Hub")).toThrow(
      /neither a GGUF file nor a Hugging Face model \(config.json and \*.safetensors\) on the Hub/,
    );
  });
});

describe("model names", () => {
  it("org/repo, :QUANT, /file, :file, @revision, hf: and hf.co/ prefixes", () => {
    expect(parseHubRef("hf:org/repo")).toEqual({ repo: "org/repo", revision: "main" });
    expect(parseHubRef("org/repo:q4_k_m")).toEqual({ repo: "org/repo", quant: "Q4_K_M", revision: "main" });
    expect(parseHubRef("hf:org/repo/sub/m-Q8_0.gguf")).toEqual({ repo: "org/repo", file: "sub/m-Q8_0.gguf", revision: "main" });
    expect(parseHubRef("org/repo:m-Q8_0.gguf")).toEqual({ repo: "org/repo", file: "m-Q8_0.gguf", revision: "main" });
    expect(parseHubRef("hf.co/org/repo@v1.0:Q8_0")).toEqual({ repo: "org/repo", quant: "Q8_0", revision: "v1.0" });
    expect(formatHubRef(parseHubRef("hf:org/repo@dev:q8_0"))).toBe("org/repo@dev:Q8_0");
  });

  it("bad names: a clear error naming the value", () => {
    expect(() => parseHubRef("repo")).toThrow(/model "repo": no '\/' between organization and repository/);
    expect(() => parseHubRef("org/repo:")).toThrow(/nothing after ':'/);
    expect(() => parseHubRef("org/../x")).toThrow(/file path "x"|"\.\."/);
    expect(() => parseHubRef("org/repo/../../etc/passwd")).toThrow(/has an empty, '\.' or '\.\.' part/);
    expect(() => parseHubRef("org/repo@../../x")).toThrow(/revision "\.\." is not a branch, tag or commit name/);
    expect(() => parseHubRef("-org/repo")).toThrow(/"-org" is not a valid organization or repository name/);
  });
});
