/**
 * Scripted models for running the example without a language model. The agent's model is the AI
 * SDK's own mock (`MockLanguageModelV3` from `ai/test`), so the run goes through the AI SDK
 * adapter exactly as a real AI SDK provider would; the optimizer's model is trace-ts's
 * `ScriptedModel`, answering with a fixed sequence of suggestions: first a system prompt that asks
 * for the delivery date, then `orderStatus` code that normalizes the order id.
 */
import type { LanguageModelV3CallOptions, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import type { ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { MockLanguageModelV3 } from "ai/test";

/** The new system prompt the scripted optimizer suggests first. */
export const SCRIPTED_SYSTEM_PROMPT =
  "You are a support assistant for an online shop. Always look the order up with orderStatus and " +
  "tell the customer both its status and its delivery date.";

/** The `orderStatus` code the scripted optimizer suggests second. */
export const SCRIPTED_TOOL_CODE = `function orderStatus(input) {
  const orders = {
    A17: "shipped, arriving 2026-03-02",
    B42: "processing, arriving 2026-03-09"
  };
  const id = String(input.orderId).trim().replace(/^#/, "").toUpperCase();
  return orders[id] ?? "unknown order";
}`;

const usage: LanguageModelV3GenerateResult["usage"] = {
  inputTokens: { total: 60, noCache: 60, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 12, text: 12, reasoning: undefined },
};

const textOf = (content: unknown): string =>
  Array.isArray(content)
    ? content.map((p: { type?: string; text?: string }) => (p.type === "text" ? (p.text ?? "") : "")).join("")
    : String(content);

/**
 * The agent's model: an AI SDK v3 mock. First step: it calls `orderStatus` with the id exactly as
 * the customer wrote it. Second step: it answers from the tool result, giving the delivery date
 * only when the system prompt asks for it.
 */
export function scriptedAgentModel(): MockLanguageModelV3 {
  let calls = 0;
  return new MockLanguageModelV3({
    provider: "scripted-ai-sdk",
    modelId: "mock-v3",
    doGenerate: async (options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> => {
      calls++;
      const prompt = [...options.prompt].reverse(); // latest message first
      const system = prompt.find((m) => m.role === "system")?.content ?? "";
      const toolMessage = prompt.find((m) => m.role === "tool");
      if (toolMessage === undefined) {
        const question = textOf(prompt.find((m) => m.role === "user")?.content);
        const orderId = /#?[A-Za-z]\d+/.exec(question)?.[0] ?? "";
        return {
          content: [
            {
              type: "tool-call",
              toolCallId: `call_${calls}`,
              toolName: "orderStatus",
              input: JSON.stringify({ orderId }),
            },
          ],
          finishReason: { unified: "tool-calls", raw: "tool_calls" },
          usage,
          warnings: [],
        };
      }
      const part = toolMessage.content[0];
      const result = part?.type === "tool-result" && part.output.type === "text" ? part.output.value : "";
      const wantsDate = /delivery date/i.test(system);
      const text =
        result.startsWith("Error") || result === "unknown order"
          ? "I could not find that order."
          : wantsDate
            ? `Your order is ${result}.`
            : `Your order is ${result.split(",")[0]}.`;
      return {
        content: [{ type: "text", text }],
        finishReason: { unified: "stop", raw: "stop" },
        usage,
        warnings: [],
      };
    },
  });
}

/** The optimizer's model: two suggestions in order, for the system prompt and then the tool's code. */
export function scriptedOptimizerModel(system: ParameterNode, code: ParameterNode): ScriptedModel {
  const answer = (reasoning: string, suggestion: Record<string, string>) =>
    JSON.stringify({ reasoning, answer: "", suggestion });
  return new ScriptedModel([
    answer(
      "The answer for B42 gives the status but not the delivery date, although the tool returned it: the system " +
        "prompt never asks for the date. Ask for both.",
      { [system.key]: SCRIPTED_SYSTEM_PROMPT },
    ),
    answer(
      "Order #a17 exists as A17, but orderStatus looks the id up exactly as written ('#a17'). Strip the '#' and " +
        "upper-case the id before the lookup.",
      { [code.key]: SCRIPTED_TOOL_CODE },
    ),
  ]);
}
