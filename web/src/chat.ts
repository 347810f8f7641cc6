import { streamChat, type ChatMessage, type SamplingSettings, type TokenLogprob } from "./api.js";
import { el } from "./format.js";

export interface CompletedResponse {
  id: string;
  logprobs: TokenLogprob[];
  finishReason: string | null;
}

/** The chat view: a conversation kept in the page, streamed answers, and a stop button that cancels server-side. */
export function setupChat(onResponse: (response: CompletedResponse) => void): void {
  const form = document.querySelector<HTMLFormElement>("#chat-form")!;
  const prompt = document.querySelector<HTMLTextAreaElement>("#prompt")!;
  const list = document.querySelector<HTMLOListElement>("#messages")!;
  const send = document.querySelector<HTMLButtonElement>("#send")!;
  const stop = document.querySelector<HTMLButtonElement>("#stop")!;
  const clear = document.querySelector<HTMLButtonElement>("#clear")!;
  const history: ChatMessage[] = [];
  let controller: AbortController | null = null;

  function addMessage(role: ChatMessage["role"], content: string): HTMLElement {
    const item = el("li", { class: `message ${role}` });
    item.append(el("span", { class: "role" }, role === "user" ? "You" : "Model"));
    const body = el("div", { class: "content" }, content);
    item.append(body);
    list.append(item);
    item.scrollIntoView({ block: "end" });
    return body;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = prompt.value.trim();
    if (!text || controller) return;
    prompt.value = "";
    history.push({ role: "user", content: text });
    addMessage("user", text);
    void respond();
  });
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  stop.addEventListener("click", () => controller?.abort());
  clear.addEventListener("click", () => {
    controller?.abort();
    history.length = 0;
    list.replaceChildren();
  });

  async function respond(): Promise<void> {
    controller = new AbortController();
    send.disabled = true;
    stop.disabled = false;
    const body = addMessage("assistant", "");
    body.classList.add("streaming");
    const response: CompletedResponse = { id: "", logprobs: [], finishReason: null };
    let text = "";
    try {
      for await (const event of streamChat(history, readSettings(), controller.signal)) {
        if (event.id) response.id = event.id;
        text += event.text;
        response.logprobs.push(...event.logprobs);
        if (event.finishReason) response.finishReason = event.finishReason;
        body.textContent = text;
      }
    } catch (err) {
      if (controller.signal.aborted) response.finishReason = "cancelled";
      else body.append(el("span", { class: "error", role: "alert" }, ` ${String((err as Error).message ?? err)}`));
    } finally {
      body.classList.remove("streaming");
      if (response.finishReason === "cancelled") body.append(el("span", { class: "stopped" }, " [stopped]"));
      history.push({ role: "assistant", content: text });
      controller = null;
      send.disabled = false;
      stop.disabled = true;
    }
    if (response.id) onResponse(response);
  }
}

function readSettings(): SamplingSettings {
  const num = (id: string): number => Number(document.querySelector<HTMLInputElement>(`#${id}`)!.value);
  const seedText = document.querySelector<HTMLInputElement>("#seed")!.value;
  const settings: SamplingSettings = {
    temperature: num("temperature"),
    top_p: num("top_p"),
    top_k: num("top_k"),
    min_p: num("min_p"),
    max_tokens: num("max_tokens"),
  };
  if (seedText !== "") settings.seed = Number(seedText);
  return settings;
}
