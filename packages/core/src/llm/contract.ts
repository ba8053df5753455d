/**
 * Helpers of the language-model contract v2: building messages with images and tool results,
 * reading the text of a message, and telling whether a request needs v2.
 */
import { InvalidRequestError } from "./errors.js";
import type {
  ChatMessage,
  ContentPart,
  GenerateRequest,
  LanguageModel,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from "./types.js";

/**
 * A user message from text and images, in order: strings become text parts.
 *
 * @example userMessage("What is in this picture?", { type: "image", url: "https://…/cat.png" })
 */
export function userMessage(...parts: readonly (string | ContentPart)[]): ChatMessage {
  const list: ContentPart[] = parts.map((p) => (typeof p === "string" ? { type: "text", text: p } : p));
  const onlyText = list.every((p) => p.type === "text");
  const content = textOfParts(list);
  return onlyText ? { role: "user", content } : { role: "user", content, parts: list };
}

/** The assistant turn that asked for `toolCalls` (with its text, often empty), to send back with the results. */
export function assistantToolCallMessage(text: string, toolCalls: readonly ToolCall[]): ChatMessage {
  return { role: "assistant", content: text, toolCalls };
}

/** The result of one tool call, as the message that answers it. */
export function toolResultMessage(call: Pick<ToolCall, "id" | "name">, result: string): ChatMessage {
  return { role: "tool", content: result, toolCallId: call.id, toolName: call.name };
}

/** The text of content parts: their text parts joined by a blank line (images are left out). */
export function textOfParts(parts: readonly ContentPart[]): string {
  return parts
    .filter((p): p is Extract<ContentPart, { type: "text" }> => p.type === "text")
    .map((p) => p.text)
    .join("\n\n");
}

/**
 * What in `request` needs contract v2, as a phrase (`tools`, `a tool result message`, `an image`,
 * …), or undefined for a request a v1 model understands.
 */
export function requestNeedsV2(request: GenerateRequest): string | undefined {
  if (request.tools !== undefined && request.tools.length > 0) return "tool definitions";
  if (request.toolChoice !== undefined) return "a tool choice";
  for (const m of request.messages) {
    if (m.role === "tool") return "a tool result message";
    if (m.toolCalls !== undefined && m.toolCalls.length > 0) return "an assistant message with tool calls";
    if (m.parts?.some((p) => p.type !== "text")) return "an image";
  }
  return undefined;
}

/**
 * Throws `InvalidRequestError` when `request` needs contract v2 and `model` implements v1 (it
 * would drop the tools or images without a word).
 *
 * @param model the model that would receive the request
 * @param request the request
 */
export function checkContract(model: LanguageModel, request: GenerateRequest): void {
  if (model.specificationVersion !== "v1") return;
  const needs = requestNeedsV2(request);
  if (needs === undefined) return;
  throw new InvalidRequestError(
    `${model.provider}:${model.modelId} implements the language-model contract v1 (text only), but the request has ${needs}; use a model that implements v2 (tools and images)`,
    { provider: model.provider, modelId: model.modelId },
  );
}

/** Tool names every provider accepts: 1 to 64 letters, digits, `_` or `-`. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The first problem a provider would refuse in a request's tool fields, as a clause, or undefined:
 * a tool name outside {@link TOOL_NAME_PATTERN}, two tools of one name, an unknown tool choice, a
 * choice naming a tool that is not defined, or `required` / a named tool without tools (`auto` and
 * `none` without tools are fine: they mean what no tools mean). Providers call it before mapping,
 * so every provider refuses the same requests with the same words.
 *
 * @param tools the request's tool definitions
 * @param choice the request's tool choice
 */
export function toolFieldsProblem(
  tools: readonly ToolDefinition[] | undefined,
  choice: ToolChoice | undefined,
): string | undefined {
  const list = tools ?? [];
  const names = new Set<string>();
  for (const tool of list) {
    if (typeof tool?.name !== "string" || !TOOL_NAME_PATTERN.test(tool.name))
      return `tool name ${JSON.stringify(tool?.name)} is not allowed: use 1 to 64 letters, digits, "_" or "-"`;
    if (names.has(tool.name)) return `two tools are named ${tool.name}`;
    names.add(tool.name);
  }
  if (choice === undefined || choice === "auto" || choice === "none") return undefined;
  if (list.length === 0)
    return `the tool choice ${JSON.stringify(choice)} needs tools, but the request has none`;
  if (choice === "required") return undefined;
  if (typeof choice === "object" && choice !== null && typeof choice.tool === "string") {
    return names.has(choice.tool)
      ? undefined
      : `the tool choice names ${JSON.stringify(choice.tool)}, which is not among the tools`;
  }
  return `unknown tool choice ${JSON.stringify(choice)}`;
}

/**
 * Throws `TypeError` for a tool name a provider would refuse (see {@link TOOL_NAME_PATTERN}).
 *
 * @param where the function checking, for the message
 * @param name the tool name
 */
export function checkToolName(where: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || !TOOL_NAME_PATTERN.test(name)) {
    throw new TypeError(
      `${where}: a tool name must be 1–64 letters, digits, "_" or "-", got ${JSON.stringify(name)}` +
        (name === "" ? " (an anonymous function: give { name })" : ""),
    );
  }
}
