/**
 * Cheap, dependency-free token counts. The estimates (`estimate*`) approximate the typical count
 * (roughly 4 characters per token for English text plus a few tokens of per-message framing) for
 * usage a provider did not report and for test doubles. The upper bounds (`upperBound*`) never
 * fall below the real count, whatever the language; budgets reserve them.
 *
 * Contract v2 content is counted too: tool definitions (name, description, JSON text of the
 * schema), the tool calls of assistant messages (name, id, arguments), the id and name of tool
 * results, and images as a flat number of tokens each ({@link IMAGE_TOKENS_ESTIMATE} for the
 * estimate, {@link IMAGE_TOKENS_BOUND} for the upper bound): an image's size is not known here.
 */
import type { ChatMessage, GenerateRequest, ToolDefinition } from "./types.js";

/** Characters per token assumed by the estimates. */
export const CHARS_PER_TOKEN = 4;
const PER_MESSAGE_OVERHEAD = 4;
const PER_ITEM_OVERHEAD = 4;

/**
 * Tokens the estimates count per image: about what a 1024×1024 image costs (OpenAI's tiled
 * models bill 765 at high detail, Anthropic about 1,400).
 */
export const IMAGE_TOKENS_ESTIMATE = 1_000;

/** Estimated token count of a piece of text (at least 1 for non-empty text). */
export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Estimated prompt tokens of a message list, including per-message framing. Counts a message's
 * text, its images ({@link IMAGE_TOKENS_ESTIMATE} each), its tool calls and tool-result ids.
 */
export function estimateMessageTokens(messages: readonly ChatMessage[]): number {
  let total = 0;
  for (const m of messages) {
    total += estimateTextTokens(m.content) + PER_MESSAGE_OVERHEAD;
    if (m.parts !== undefined) {
      for (const p of m.parts) if (p.type === "image") total += IMAGE_TOKENS_ESTIMATE;
    }
    if (m.toolCalls !== undefined) {
      for (const c of m.toolCalls) {
        total += estimateTextTokens(c.id) + estimateTextTokens(c.name) + estimateTextTokens(c.arguments);
        total += PER_ITEM_OVERHEAD;
      }
    }
    if (m.toolCallId !== undefined) total += estimateTextTokens(m.toolCallId);
    if (m.toolName !== undefined) total += estimateTextTokens(m.toolName);
  }
  return total;
}

/** Estimated prompt tokens of tool definitions: name, description and schema text of each. */
export function estimateToolTokens(tools: readonly ToolDefinition[]): number {
  let total = 0;
  for (const t of tools) {
    total += estimateTextTokens(t.name) + estimateTextTokens(t.description);
    total += estimateTextTokens(JSON.stringify(t.parameters)) + PER_ITEM_OVERHEAD;
  }
  return total;
}

/**
 * Estimated prompt tokens of a whole request (messages plus a JSON schema and tool definitions,
 * when sent).
 */
export function estimateInputTokens(request: GenerateRequest): number {
  let total = estimateMessageTokens(request.messages);
  const format = request.responseFormat;
  if (format?.type === "json_schema") total += estimateTextTokens(JSON.stringify(format.schema));
  if (request.tools !== undefined) total += estimateToolTokens(request.tools);
  return total;
}

/*
 * Upper bounds, for budget reservations. A reservation must never be below what the provider
 * will bill, whatever the language: the ≈4-characters-per-token estimate above is 3–4 times too
 * low for Chinese, Japanese or Korean text. The bound relies on one property every current
 * tokenizer has (byte-level BPE: GPT, Llama 3, Claude; SentencePiece with byte fallback: Llama 2,
 * Mistral, Gemma): each token covers at least one byte of the UTF-8 text. So the byte count is a
 * hard bound, and the rule counts bytes everywhere except in ordinary words, where every tokenizer
 * measured merges at least two letters per token:
 *
 * - a run of ASCII letters counts ⌈length / 2⌉ tokens when at least a third of its letters are
 *   vowels (a, e, i, o, u, y: it looks like a word), else one token per letter (random strings,
 *   base64, hashes); a single space before the run is free (tokenizers attach it to the word);
 * - every other byte counts one token: digits, punctuation, whitespace, and each of the 2–4 UTF-8
 *   bytes of a non-ASCII character (so a CJK character counts 3), plus 1 per run of non-ASCII
 *   characters (a space next to them may stay a token of its own).
 *
 * Measured against cl100k, o200k, p50k, the Claude 2 tokenizer, Llama 2, Llama 3 and Mistral on
 * 26 languages, source code, JSON and synthetic worst cases (digit lists, hex, base64, random
 * letters, emoji, rare CJK ideographs), the bound was never below the real count; it is about
 * 2–3× the real count for English, code and CJK text, and exact for the worst cases (one token
 * per digit, per byte of a rare ideograph).
 */

/** Framing tokens counted per message by {@link upperBoundMessageTokens} (role markers, separators). */
export const MESSAGE_OVERHEAD_BOUND = 8;
/** Framing tokens counted once per request by {@link upperBoundInputTokens} (BOS, reply priming). */
export const REQUEST_OVERHEAD_BOUND = 16;
/** Tokens counted for the JSON instructions providers add for `json` / `json_schema` formats. */
export const JSON_FORMAT_OVERHEAD_BOUND = 64;
/**
 * Tokens counted once for a request with tool definitions: the instructions providers add around
 * them (Anthropic documents a tool-use system prompt of up to 530 tokens, depending on the model).
 */
export const TOOLS_OVERHEAD_BOUND = 600;
/** Framing tokens counted per tool definition, per tool call and per image or text part. */
export const ITEM_OVERHEAD_BOUND = 16;
/**
 * Tokens counted per image by {@link upperBoundInputTokens}, a flat bound since the image's size
 * is not known here. Providers scale large images down before counting; at the time of writing
 * the most one image is billed is below 3,000 tokens (OpenAI's patch-based models at their
 * 1,536-patch cap times the model's multiplier; OpenAI's tiled models at most 1,445 at high
 * detail; Anthropic about 1,600). A model that bills more per image needs its own
 * `estimateInputTokens` in the `Budget`.
 */
export const IMAGE_TOKENS_BOUND = 4_096;

const VOWELS = new Set([97, 101, 105, 111, 117, 121, 65, 69, 73, 79, 85, 89]); // aeiouy AEIOUY

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * An upper bound on the tokens of `text` under any byte-level or byte-fallback tokenizer, for
 * natural text of any language, code and data (see the rule above). Linear in the text length.
 *
 * @example
 * upperBoundTextTokens("hello there"); // 6: two words of 5 letters, 3 each
 * upperBoundTextTokens("world");       // 5: one vowel in 5 letters, one per letter
 * upperBoundTextTokens("预算");          // 7: 2 × 3 bytes + 1
 */
export function upperBoundTextTokens(text: string): number {
  let total = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isAsciiLetter(c)) {
      let j = i;
      let vowels = 0;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (!isAsciiLetter(d)) break;
        if (VOWELS.has(d)) vowels++;
        j++;
      }
      const length = j - i;
      total += vowels * 3 >= length ? Math.ceil(length / 2) : length;
      i = j;
    } else if (c < 0x80) {
      // a single space before a word is part of the word's first token
      if (!(c === 32 && i + 1 < n && isAsciiLetter(text.charCodeAt(i + 1)))) total++;
      i++;
    } else {
      let bytes = 0;
      while (i < n) {
        const cp = text.codePointAt(i)!;
        if (cp < 0x80) break;
        bytes += cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; // a lone surrogate encodes as U+FFFD: 3
        i += cp > 0xffff ? 2 : 1;
      }
      total += bytes + 1;
    }
  }
  return total;
}

/**
 * An upper bound on the prompt tokens of one message: its text ({@link upperBoundTextTokens}; for a
 * message with `parts`, each text part with {@link ITEM_OVERHEAD_BOUND}, as the parts are what is
 * sent), {@link IMAGE_TOKENS_BOUND} plus framing per image, the id, name and arguments of each tool
 * call, the id and name of a tool result, and {@link MESSAGE_OVERHEAD_BOUND}.
 */
export function upperBoundMessageTokens(message: ChatMessage): number {
  let total = MESSAGE_OVERHEAD_BOUND;
  if (message.parts !== undefined) {
    for (const p of message.parts) {
      total += ITEM_OVERHEAD_BOUND + (p.type === "image" ? IMAGE_TOKENS_BOUND : upperBoundTextTokens(p.text));
    }
  } else total += upperBoundTextTokens(message.content);
  if (message.toolCalls !== undefined) {
    for (const c of message.toolCalls) {
      total += ITEM_OVERHEAD_BOUND + upperBoundTextTokens(c.id) + upperBoundTextTokens(c.name);
      total += upperBoundTextTokens(c.arguments);
    }
  }
  if (message.toolCallId !== undefined) total += upperBoundTextTokens(message.toolCallId);
  if (message.toolName !== undefined) total += upperBoundTextTokens(message.toolName);
  return total;
}

/**
 * An upper bound on the prompt tokens of a request: {@link upperBoundMessageTokens} of every
 * message, {@link REQUEST_OVERHEAD_BOUND}, for JSON formats {@link JSON_FORMAT_OVERHEAD_BOUND}
 * plus the bound of the schema's JSON text, and for tool definitions
 * {@link TOOLS_OVERHEAD_BOUND} plus, per tool, the bound of its name, description and schema
 * JSON text and {@link ITEM_OVERHEAD_BOUND}. This is the default reservation of a `Budget`.
 */
export function upperBoundInputTokens(request: GenerateRequest): number {
  let total = REQUEST_OVERHEAD_BOUND;
  for (const m of request.messages) total += upperBoundMessageTokens(m);
  const format = request.responseFormat;
  if (format?.type === "json" || format?.type === "json_schema") total += JSON_FORMAT_OVERHEAD_BOUND;
  if (format?.type === "json_schema") total += upperBoundTextTokens(JSON.stringify(format.schema));
  if (request.tools !== undefined && request.tools.length > 0) {
    total += TOOLS_OVERHEAD_BOUND;
    for (const t of request.tools) {
      total += ITEM_OVERHEAD_BOUND + upperBoundTextTokens(t.name) + upperBoundTextTokens(t.description);
      total += upperBoundTextTokens(JSON.stringify(t.parameters));
    }
  }
  return total;
}
