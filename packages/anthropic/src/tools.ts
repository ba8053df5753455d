/**
 * Tools in the messages API (contract v2): tool definitions and the tool choice of a request,
 * the `input` of a tool call sent back, and the `tool_use` blocks of a response.
 */
import type {
  ToolChoice as AnthropicToolChoice,
  ContentBlock,
  Tool,
} from "@anthropic-ai/sdk/resources/messages/messages";
import {
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
  toolFieldsProblem,
} from "@trace-ts/core/provider";

/** Tool names the API accepts: letters, digits, `_` and `-`, at most 64 characters. */

/** Builds the `InvalidRequestError` for a request refused before sending; `what` says why. */
export type Refuse = (what: string) => Error;

/** The `tools` and `tool_choice` fields of a request body (absent when the request has no tools). */
export interface AnthropicToolFields {
  /** Client tools, in the request's order. */
  readonly tools?: Tool[];
  /** The tool choice. */
  readonly tool_choice?: AnthropicToolChoice;
}

/**
 * Maps tool definitions and the tool choice to `tools: [{ name, description, input_schema }]`
 * and `tool_choice` (`auto` → `{ type: "auto" }`, `none` → `{ type: "none" }`, `required` →
 * `{ type: "any" }`, a named tool → `{ type: "tool", name }`). A schema without `type` gets
 * `type: "object"`. Refuses (before sending) names the API would reject, duplicate names, a
 * schema whose type is not `object`, a choice of a tool that is not defined, and `required` or a
 * named tool without tools; `auto` and `none` without tools are left out.
 *
 * @param tools the request's tool definitions
 * @param choice the request's tool choice
 * @param refuse builds the error for a refused request
 */
export function anthropicToolFields(
  tools: readonly ToolDefinition[] | undefined,
  choice: ToolChoice | undefined,
  refuse: Refuse,
): AnthropicToolFields {
  const problem = toolFieldsProblem(tools, choice);
  if (problem !== undefined) throw refuse(problem);
  const list = tools ?? [];
  for (const tool of list) {
    const type = tool.parameters?.type;
    if (type !== undefined && type !== "object") {
      throw refuse(`the parameters of tool ${tool.name} must be an object schema (type "object")`);
    }
  }
  if (list.length === 0) return {};
  const fields: { tools: Tool[]; tool_choice?: AnthropicToolChoice } = {
    tools: list.map(
      (tool): Tool => ({
        name: tool.name,
        description: tool.description,
        input_schema: { ...tool.parameters, type: "object" },
      }),
    ),
  };
  if (choice === undefined) return fields;
  if (choice === "auto" || choice === "none") fields.tool_choice = { type: choice };
  else if (choice === "required") fields.tool_choice = { type: "any" };
  else fields.tool_choice = { type: "tool", name: choice.tool };
  return fields;
}

/**
 * The `input` object of a `tool_use` block from the call's `arguments` JSON text. Empty text
 * (a call without arguments) is `{}`; text that is not JSON, or JSON that is not an object, is
 * refused before sending (the API wants an object).
 *
 * @param call the tool call of an assistant message
 * @param where which message, for the error
 * @param refuse builds the error for a refused request
 */
export function toolInput(call: ToolCall, where: string, refuse: Refuse): Record<string, unknown> {
  const text = typeof call.arguments === "string" ? call.arguments : "";
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse(
      `${where}: the arguments of tool call ${call.id} (${call.name}) are not valid JSON; the messages API needs them as an object`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw refuse(`${where}: the arguments of tool call ${call.id} (${call.name}) are not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * The `tool_use` blocks of a response, in order, as `{ id, name, arguments }` with the `input`
 * object serialized to JSON text.
 *
 * @param content the response's content blocks
 */
export function toolCallsOfContent(content: readonly ContentBlock[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const block of content) {
    if (block.type !== "tool_use") continue;
    calls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
  }
  return calls;
}
