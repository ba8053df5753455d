/**
 * Chat messages of the contract (v1 and v2) as messages-API turns: system messages collected for
 * the `system` parameter, consecutive messages of one role merged into one turn, images as
 * `image` blocks, tool calls as `tool_use` blocks and tool results as `tool_result` blocks.
 */
import type {
  Base64ImageSource,
  ContentBlockParam,
  ImageBlockParam,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type { ChatMessage, ContentPart } from "@trace-ts/core/provider";
import { type Refuse, toolInput } from "./tools.js";

/** Media types the messages API accepts for inline (base64) images. */
export const IMAGE_MEDIA_TYPES: readonly Base64ImageSource["media_type"][] = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
];

/** One turn of the conversation: text (as long as it is only text) or content blocks. */
export interface AnthropicTurn {
  /** Who speaks; tool results are user turns. */
  role: "user" | "assistant";
  /** Plain text, or blocks once the turn holds an image, a tool call or a tool result. */
  content: string | ContentBlockParam[];
}

/** The system text and the turns of a conversation. */
export interface AnthropicConversation {
  /** The text of every system message, in order. */
  readonly system: string[];
  /** The user and assistant turns, consecutive messages of one role merged. */
  readonly turns: AnthropicTurn[];
}

/**
 * Splits the conversation into system text and turns:
 * - `system` messages go to `system`, in order;
 * - consecutive messages of one role are merged into one turn (plain texts joined by a blank
 *   line; otherwise their blocks concatenated), as the API wants alternating turns; tool
 *   results are user turns, so consecutive results become one user message;
 * - a `user` message with an image in `parts`: text parts as `text` blocks, images as `image`
 *   blocks with `source: { type: "url", url }` or, for a data URL, `{ type: "base64",
 *   media_type, data }`;
 * - an `assistant` message with `toolCalls`: its text (if any), then one `tool_use` block per
 *   call with the arguments parsed into `input`;
 * - a `tool` message: a `tool_result` block with `tool_use_id` and the result text.
 *
 * Refuses images outside user messages, bad image URLs or media types, tool call arguments that
 * are not a JSON object, and a tool message without `toolCallId`.
 *
 * @param messages the request's messages
 * @param refuse builds the error for a refused request
 */
export function anthropicConversation(
  messages: readonly ChatMessage[],
  refuse: Refuse,
): AnthropicConversation {
  const system: string[] = [];
  const turns: AnthropicTurn[] = [];
  messages.forEach((m, index) => {
    const where = `message ${index}`;
    const hasImage = m.parts?.some((p) => p.type === "image") ?? false;
    if (hasImage && m.role !== "user") {
      throw refuse(`${where} (${m.role}) has an image; only user messages may have images`);
    }
    switch (m.role) {
      case "system":
        system.push(m.content);
        return;
      case "user":
        append(turns, "user", hasImage ? imageMessageBlocks(m.parts ?? [], where, refuse) : m.content);
        return;
      case "assistant": {
        const calls = m.toolCalls ?? [];
        if (calls.length === 0) {
          append(turns, "assistant", m.content);
          return;
        }
        append(turns, "assistant", [
          ...textBlocks(m.content),
          ...calls.map(
            (call): ContentBlockParam => ({
              type: "tool_use",
              id: call.id,
              name: call.name,
              input: toolInput(call, where, refuse),
            }),
          ),
        ]);
        return;
      }
      case "tool":
        if (typeof m.toolCallId !== "string" || m.toolCallId === "") {
          throw refuse(`${where} is a tool result without toolCallId (the id of the call it answers)`);
        }
        append(turns, "user", [
          {
            type: "tool_result",
            tool_use_id: m.toolCallId,
            ...(m.content !== "" ? { content: m.content } : {}),
          },
        ]);
        return;
      default:
        throw refuse(`${where} has the unknown role ${JSON.stringify(m.role)}`);
    }
  });
  return { system, turns };
}

function append(
  turns: AnthropicTurn[],
  role: "user" | "assistant",
  content: string | ContentBlockParam[],
): void {
  const last = turns.at(-1);
  if (!last || last.role !== role) {
    turns.push({ role, content });
    return;
  }
  if (typeof last.content === "string" && typeof content === "string") {
    last.content = `${last.content}\n\n${content}`;
    return;
  }
  last.content = [...blocksOf(last.content), ...blocksOf(content)];
}

function blocksOf(content: string | ContentBlockParam[]): ContentBlockParam[] {
  return typeof content === "string" ? textBlocks(content) : content;
}

/** Text as blocks: none for empty text (the API refuses empty text blocks). */
function textBlocks(text: string): ContentBlockParam[] {
  return text === "" ? [] : [{ type: "text", text }];
}

function imageMessageBlocks(
  parts: readonly ContentPart[],
  where: string,
  refuse: Refuse,
): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  for (const part of parts) {
    if (part.type === "text") blocks.push(...textBlocks(part.text));
    else if (part.type === "image") blocks.push(imageBlock(part.url, part.mediaType, where, refuse));
    else {
      throw refuse(
        `${where} has a part of unknown type ${JSON.stringify((part as { type?: unknown }).type)}`,
      );
    }
  }
  return blocks;
}

/**
 * An `image` block for an image part: an http(s) URL as a `url` source, a base64 data URL as a
 * `base64` source with its media type (`mediaType` of the part, else the data URL's).
 */
function imageBlock(
  url: string,
  mediaType: string | undefined,
  where: string,
  refuse: Refuse,
): ImageBlockParam {
  if (typeof url === "string" && /^https?:\/\//i.test(url)) {
    return { type: "image", source: { type: "url", url } };
  }
  const data = typeof url === "string" ? /^data:([^;,]*)([^,]*),(.*)$/is.exec(url) : null;
  if (!data) {
    const shown = typeof url === "string" ? JSON.stringify(url.slice(0, 40)) : String(url);
    throw refuse(`${where} has an image whose url is neither an http(s) URL nor a data URL (got ${shown})`);
  }
  const [, urlType = "", params = "", payload = ""] = data;
  if (!params.toLowerCase().split(";").includes("base64")) {
    throw refuse(
      `${where} has an image data URL that is not base64-encoded (write data:<type>;base64,<data>)`,
    );
  }
  const type = (mediaType ?? urlType).trim().toLowerCase();
  const known = IMAGE_MEDIA_TYPES.find((t) => t === type);
  if (known === undefined) {
    throw refuse(
      `${where} has an image of media type ${JSON.stringify(type)}; the messages API takes ${IMAGE_MEDIA_TYPES.join(", ")}`,
    );
  }
  if (payload === "") throw refuse(`${where} has an image data URL without data`);
  return { type: "image", source: { type: "base64", media_type: known, data: payload } };
}
