import type { ToolCallFormat } from "./chat-output-format.js";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomAlnum(n: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(n)); // Web Crypto: Node and browsers alike
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[bytes[i] % alphabet.length];
  return s;
}

/** OpenAI's `call_` + 24 characters; Mistral's templates require exactly 9 alphanumerics (llama.cpp makes those too). */
export function newToolCallId(format: ToolCallFormat): string {
  return format === "mistral" ? randomAlnum(9) : `call_${randomAlnum(24)}`;
}
