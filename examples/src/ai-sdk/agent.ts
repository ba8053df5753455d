/**
 * An AI SDK-style support agent made optimizable: the same `generateText({ model, system, prompt,
 * tools })` call an AI SDK agent makes, imported from `@trace-ts/ai-sdk`, with a trainable system
 * prompt and a tool whose `execute` is a trainable bundle.
 *
 * It starts out with two faults: the system prompt does not ask for the delivery date, and the
 * `orderStatus` tool looks order ids up exactly as the customer wrote them (`#a17` is not found).
 */

import type { AISDKLanguageModel } from "@trace-ts/ai-sdk";
import { type GenerateTextResult, generateText } from "@trace-ts/ai-sdk";
import { bundle, type LanguageModel, node } from "@trace-ts/core";

/** The tool's arguments, as its input schema describes them. */
export interface OrderStatusInput {
  readonly orderId: string;
}

/** Builds the agent: its trainable system prompt, its trainable tool, and `run`. */
export function createSupportAgent(model: LanguageModel | AISDKLanguageModel) {
  const system = node("You are a support assistant for an online shop.", {
    trainable: true,
    name: "system_prompt",
  });
  const orderStatus = bundle(
    function orderStatus(input: OrderStatusInput): string {
      const orders: Record<string, string> = {
        A17: "shipped, arriving 2026-03-02",
        B42: "processing, arriving 2026-03-09",
      };
      return orders[input.orderId] ?? "unknown order";
    },
    { trainable: true, description: "Looks up the status and delivery date of an order." },
  );
  const tools = {
    orderStatus: {
      description: "Status and delivery date of an order, by its id.",
      inputSchema: {
        type: "object",
        properties: { orderId: { type: "string", description: "the order id as the customer wrote it" } },
        required: ["orderId"],
      },
      execute: orderStatus,
    },
  };
  return {
    system,
    orderStatus,
    /** Answers one customer question (the answer node is traced back to the prompt and the tool). */
    run: (question: string): Promise<GenerateTextResult> =>
      generateText({ model, system, prompt: question, tools, maxSteps: 3, temperature: 0 }),
  };
}

/** The agent `createSupportAgent` builds. */
export type SupportAgent = ReturnType<typeof createSupportAgent>;
