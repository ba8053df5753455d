/**
 * Chat messages of the contract (v1 and v2) as chat-completions messages: text, user messages
 * with image parts, assistant turns with tool calls, and tool results.
 */
import type { ChatMessage, ContentPart } from "@trace-ts/core/provider";
import type {
  ChatCompletionContentPart,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { Refuse } from "./tools.js";

/**
 * Maps the conversation to chat-completions messages, in order:
 * - `system`, and `user`/`assistant` without images or tool calls: `{ role, content }`;
 * - a `user` message whose `parts` hold an image: `content` as parts, text parts as
 *   `{ type: "text", text }` and images as `{ type: "image_url", image_url: { url } }` (https
 *   URLs and data URLs are passed as they are; a user message with text parts only is sent as
 *   its `content`);
 * - an `assistant` message with `toolCalls`: `tool_calls: [{ id, type: "function", function:
 *   { name, arguments } }]`, with `content: null` when its text is empty;
 * - a `tool` message: `{ role: "tool", tool_call_id, content }`.
 *
 * Refuses images outside user messages, image URLs that are neither http(s) nor data URLs, and a
 * tool message without `toolCallId`.
 *
 * @param messages the request's messages
 * @param refuse builds the error for a refused request
 */
export function openAIMessages(
  messages: readonly ChatMessage[],
  refuse: Refuse,
): ChatCompletionMessageParam[] {
  return messages.map((m, index): ChatCompletionMessageParam => {
    const hasImage = m.parts?.some((p) => p.type === "image") ?? false;
    if (hasImage && m.role !== "user") {
      throw refuse(`message ${index} (${m.role}) has an image; only user messages may have images`);
    }
    switch (m.role) {
      case "system":
        return { role: "system", content: m.content };
      case "user":
        return hasImage
          ? { role: "user", content: contentParts(m.parts ?? [], index, refuse) }
          : { role: "user", content: m.content };
      case "assistant": {
        const calls = m.toolCalls ?? [];
        if (calls.length === 0) return { role: "assistant", content: m.content };
        return {
          role: "assistant",
          content: m.content === "" ? null : m.content,
          tool_calls: calls.map(
            (call): ChatCompletionMessageFunctionToolCall => ({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: call.arguments },
            }),
          ),
        };
      }
      case "tool":
        if (typeof m.toolCallId !== "string" || m.toolCallId === "") {
          throw refuse(
            `message ${index} is a tool result without toolCallId (the id of the call it answers)`,
          );
        }
        return { role: "tool", tool_call_id: m.toolCallId, content: m.content };
      default:
        throw refuse(`message ${index} has the unknown role ${JSON.stringify(m.role)}`);
    }
  });
}

function contentParts(
  parts: readonly ContentPart[],
  index: number,
  refuse: Refuse,
): ChatCompletionContentPart[] {
  const out: ChatCompletionContentPart[] = [];
  for (const part of parts) {
    if (part.type === "text") {
      if (part.text !== "") out.push({ type: "text", text: part.text });
    } else if (part.type === "image") {
      if (typeof part.url !== "string" || !/^(https?:\/\/|data:)/i.test(part.url)) {
        throw refuse(
          `message ${index} has an image whose url is neither an http(s) URL nor a data URL (got ${describeUrl(part.url)})`,
        );
      }
      out.push({ type: "image_url", image_url: { url: part.url } });
    } else {
      throw refuse(
        `message ${index} has a part of unknown type ${JSON.stringify((part as { type?: unknown }).type)}`,
      );
    }
  }
  return out;
}

/** The start of a URL for an error message (never a whole data URL). */
function describeUrl(url: unknown): string {
  if (typeof url !== "string") return String(url);
  return JSON.stringify(url.length > 40 ? `${url.slice(0, 40)}…` : url);
}
