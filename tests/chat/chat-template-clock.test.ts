// strftime_now reads the real clock unless a test fixes it (transformers: datetime.now().strftime(format)).
import { describe, expect, it } from "vitest";
import { renderChatTemplate } from "../../src/chat/chat-template.js";

const pad = (n: number): string => String(n).padStart(2, "0");
const localDate = (d: Date): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

describe("strftime_now", () => {
  it("formats the current local date when no clock is given", () => {
    const before = new Date();
    const rendered = renderChatTemplate("{{ strftime_now('%Y-%m-%d') }}", { messages: [] });
    const after = new Date();
    expect([localDate(before), localDate(after)]).toContain(rendered);
  });
});
