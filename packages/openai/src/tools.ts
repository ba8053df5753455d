/**
 * Tools in the chat-completions API (contract v2): tool definitions and the tool choice of a
 * request, and the tool calls of a response.
 */

import {
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
  toolFieldsProblem,
} from "@trace-ts/core/provider";
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessage,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";

/** Tool names the API accepts: letters, digits, `_` and `-`, at most 64 characters. */

/** Builds the `InvalidRequestError` for a request refused before sending; `what` says why. */
export type Refuse = (what: string) => Error;

/** The `tools` and `tool_choice` fields of a request body (absent when the request has no tools). */
export interface OpenAIToolFields {
  /** Function tools, in the request's order. */
  readonly tools?: ChatCompletionFunctionTool[];
  /** The tool choice. */
  readonly tool_choice?: ChatCompletionToolChoiceOption;
}

/**
 * Maps tool definitions and the tool choice to `tools: [{ type: "function", function }]` and
 * `tool_choice`. Refuses (before sending) names the API would reject, duplicate names, a choice
 * of a tool that is not defined, and `required` or a named tool without tools; `auto` and `none`
 * without tools are left out (they mean what no tools mean).
 *
 * @param tools the request's tool definitions
 * @param choice the request's tool choice
 * @param refuse builds the error for a refused request
 */
export function openAIToolFields(
  tools: readonly ToolDefinition[] | undefined,
  choice: ToolChoice | undefined,
  refuse: Refuse,
): OpenAIToolFields {
  const problem = toolFieldsProblem(tools, choice);
  if (problem !== undefined) throw refuse(problem);
  const list = tools ?? [];
  if (list.length === 0) return {};
  const fields: { tools: ChatCompletionFunctionTool[]; tool_choice?: ChatCompletionToolChoiceOption } = {
    tools: list.map((tool) => ({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: { ...tool.parameters } },
    })),
  };
  if (choice === undefined) return fields;
  if (typeof choice === "string") {
    fields.tool_choice = choice;
    return fields;
  }
  fields.tool_choice = { type: "function", function: { name: choice.tool } };
  return fields;
}

/**
 * The function tool calls of a response message, in order, as `{ id, name, arguments }` with the
 * arguments as the JSON text the model wrote (servers that send an object get it serialized).
 * Calls of other tool types (custom tools) are not part of the contract and are skipped.
 *
 * @param message the response's assistant message
 * @param badResponse builds the `BadResponseError` for a call without a function name
 */
export function toolCallsOfMessage(
  message: ChatCompletionMessage,
  badResponse: (what: string) => Error,
): ToolCall[] {
  const raw: unknown = message.tool_calls;
  if (!Array.isArray(raw)) return [];
  const calls: ToolCall[] = [];
  raw.forEach((entry: unknown, index: number) => {
    if (entry === null || typeof entry !== "object") return;
    const call = entry as {
      id?: unknown;
      type?: unknown;
      function?: { name?: unknown; arguments?: unknown };
    };
    if (call.type !== undefined && call.type !== "function") return;
    const fn = call.function;
    if (fn === null || typeof fn !== "object" || typeof fn.name !== "string" || fn.name === "") {
      throw badResponse(`tool call ${index} of the response has no function name`);
    }
    const args =
      typeof fn.arguments === "string"
        ? fn.arguments
        : fn.arguments === undefined || fn.arguments === null
          ? "{}"
          : JSON.stringify(fn.arguments);
    const id = typeof call.id === "string" && call.id !== "" ? call.id : `call_${index}`;
    calls.push({ id, name: fn.name, arguments: args });
  });
  return calls;
}
