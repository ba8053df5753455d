/**
 * Converts trace-ts chat messages to LangChain messages: system, user (text or text and image
 * blocks), assistant (with its tool calls) and tool results.
 */
import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  type InvalidToolCall,
  type ToolCall as LangChainToolCall,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import {
  type ChatMessage,
  type ContentPart,
  InvalidRequestError,
  type ToolCall,
} from "@trace-ts/core/provider";

/** Who the messages are for, named in errors. */
export interface MessageContext {
  /** Provider name. */
  readonly provider: string;
  /** Model id. */
  readonly modelId: string;
}

/**
 * The LangChain messages for a trace-ts conversation, in order.
 *
 * - `system` → `SystemMessage`, `user` → `HumanMessage` (with `parts`: `text` and `image_url`
 *   content blocks, an image's URL as given: `https://…` or a `data:` URL);
 * - `assistant` → `AIMessage`, its `toolCalls` as `tool_calls` (arguments parsed from the JSON
 *   text; arguments that are not a JSON object go to `invalid_tool_calls` with their text as is);
 * - `tool` → `ToolMessage` with `tool_call_id` and `name`.
 *
 * @param messages the conversation
 * @param ctx provider and model, for the error of a tool message without its call id
 * @throws InvalidRequestError for a `tool` message without `toolCallId`
 */
export function toLangChainMessages(messages: readonly ChatMessage[], ctx: MessageContext): BaseMessage[] {
  return messages.map((m, index) => toLangChainMessage(m, index, ctx));
}

function toLangChainMessage(m: ChatMessage, index: number, ctx: MessageContext): BaseMessage {
  switch (m.role) {
    case "system":
      return new SystemMessage(m.content);
    case "user":
      return m.parts === undefined
        ? new HumanMessage(m.content)
        : new HumanMessage({ content: m.parts.map(toBlock) });
    case "assistant":
      return m.toolCalls === undefined || m.toolCalls.length === 0
        ? new AIMessage(m.content)
        : assistantWithToolCalls(m.content, m.toolCalls);
    case "tool":
      if (m.toolCallId === undefined || m.toolCallId === "") {
        throw new InvalidRequestError(
          `${ctx.provider}:${ctx.modelId}: message ${index} has role "tool" but no toolCallId; build it with toolResultMessage(call, result)`,
          { provider: ctx.provider, modelId: ctx.modelId },
        );
      }
      return new ToolMessage({
        content: m.content,
        tool_call_id: m.toolCallId,
        ...(m.toolName === undefined ? {} : { name: m.toolName }),
      });
    default:
      return assertNever(m.role);
  }
}

/** The OpenAI-style content blocks every LangChain integration reads. */
type ContentBlock =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image_url"; readonly image_url: { readonly url: string } };

function toBlock(part: ContentPart): ContentBlock {
  return part.type === "text"
    ? { type: "text", text: part.text }
    : { type: "image_url", image_url: { url: part.url } };
}

function assistantWithToolCalls(content: string, calls: readonly ToolCall[]): AIMessage {
  const valid: LangChainToolCall[] = [];
  const invalid: InvalidToolCall[] = [];
  for (const call of calls) {
    const args = parseArguments(call.arguments);
    if (args === undefined) {
      invalid.push({
        type: "invalid_tool_call",
        id: call.id,
        name: call.name,
        args: call.arguments,
        error: "the arguments are not a JSON object",
      });
    } else {
      valid.push({ type: "tool_call", id: call.id, name: call.name, args });
    }
  }
  return new AIMessage({
    content,
    tool_calls: valid,
    ...(invalid.length > 0 ? { invalid_tool_calls: invalid } : {}),
  });
}

/** The arguments object of a tool call, or undefined when the text is not a JSON object. */
function parseArguments(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text === "" ? "{}" : text);
  } catch {
    return undefined;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function assertNever(role: never): never {
  throw new InvalidRequestError(`unknown message role ${JSON.stringify(role)}`);
}
