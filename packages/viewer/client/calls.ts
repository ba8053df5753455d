/** Model calls: an optimizer's calls of a step, and a cassette's recorded calls. */
import type { CassetteResponse } from "../src/protocol.js";
import { arr, field, fmt, fmtMs, num, str } from "./checks.js";
import { details, el } from "./dom.js";
import { describeProblem } from "./normalize.js";

/** One optimizer call (a step's `CallRecord`): purpose, time, tokens, error, prompt and reply. */
export function callElement(call: unknown): HTMLElement {
  const usage = field(call, "usage");
  const input = num(field(usage, "inputTokens"));
  const output = num(field(usage, "outputTokens"));
  const error = str(field(call, "error"));
  const box = el(
    "div",
    { class: "call", testid: "call" },
    el(
      "div",
      { class: "call-head" },
      el("strong", {}, str(field(call, "purpose")) ?? "call"),
      ` · ${fmtMs(num(field(call, "durationMs")))}`,
      ` · tokens in ${fmt(input)} / out ${fmt(output)}`,
    ),
  );
  if (error !== undefined) box.appendChild(el("div", { class: "call-error" }, `error: ${error}`));
  if (field(call, "omitted") === true) {
    box.appendChild(
      el("p", { class: "muted" }, "Messages and response were not logged (logContent.messages is off)."),
    );
  }
  const messages = arr(field(call, "prompt"));
  if (messages.length > 0) box.appendChild(messagesElement(messages));
  const response = str(field(call, "response"));
  if (response !== undefined) box.appendChild(details("response", response));
  return box;
}

function messagesElement(messages: readonly unknown[]): HTMLElement {
  const list = el("details", {}, el("summary", {}, `messages (${messages.length})`));
  for (const m of messages) {
    const content = field(m, "content");
    list.appendChild(
      el(
        "div",
        { class: "message" },
        el("div", { class: "role" }, str(field(m, "role")) ?? "?"),
        el(
          "pre",
          { class: "text" },
          typeof content === "string" ? content : (JSON.stringify(content, null, 2) ?? ""),
        ),
      ),
    );
  }
  return list;
}

/** The cassette tab: every recorded call. */
export function cassetteElement(cassette: CassetteResponse): HTMLElement {
  const box = el(
    "section",
    { class: "cassette", testid: "cassette" },
    el("h2", {}, `Cassette ${cassette.file}`),
  );
  for (const p of cassette.problems) {
    box.appendChild(el("div", { class: "problem", role: "alert", testid: "problem" }, describeProblem(p)));
  }
  if (cassette.calls.length === 0) box.appendChild(el("p", { class: "muted" }, "No recorded calls."));
  for (const call of cassette.calls) {
    const item = el(
      "div",
      { class: "call", testid: "cassette-call" },
      el(
        "div",
        { class: "call-head" },
        el("strong", {}, `#${call.seq} ${call.model}`),
        ` · tokens in ${fmt(call.inputTokens)} / out ${fmt(call.outputTokens)}`,
        ` · finish ${call.finishReason ?? "–"}`,
      ),
    );
    item.appendChild(messagesElement(call.messages));
    if (call.response !== null) item.appendChild(details("response", call.response));
    box.appendChild(item);
  }
  return box;
}
