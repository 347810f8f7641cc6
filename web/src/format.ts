// Small helpers to show tokens and numbers the way a reader can check them.

/** A token's text with whitespace made visible. */
export function visibleText(text: string): string {
  return text.replace(/ /g, "␣").replace(/\n/g, "↵").replace(/\t/g, "⇥") || "∅";
}

/** Byte-fallback and partial-UTF-8 tokens have no text of their own: show their bytes. */
export function tokenLabel(text: string, bytes?: number[] | null): string {
  if (bytes && bytes.length > 0 && (text === "" || text.includes("\uFFFD"))) {
    return bytes.map((b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`).join("");
  }
  return visibleText(text);
}

export function ms(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return "–";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

export function percent(p: number): string {
  return `${(p * 100).toFixed(p >= 0.995 ? 0 : 1)} %`;
}

export function bytesText(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
