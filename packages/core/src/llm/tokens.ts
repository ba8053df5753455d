/**
 * Cheap, dependency-free token estimates used where the real count is not known yet (budget
 * reservations) or not reported (test doubles). Roughly 4 characters per token for English text
 * plus a few tokens of per-message framing; it over- rather than under-estimates short prompts.
 */
import type { ChatMessage, GenerateRequest } from "./types.js";

/** Characters per token assumed by the estimates. */
export const CHARS_PER_TOKEN = 4;
const PER_MESSAGE_OVERHEAD = 4;

/** Estimated token count of a piece of text (at least 1 for non-empty text). */
export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Estimated prompt tokens of a message list, including per-message framing. */
export function estimateMessageTokens(messages: readonly ChatMessage[]): number {
  let total = 0;
  for (const m of messages) total += estimateTextTokens(m.content) + PER_MESSAGE_OVERHEAD;
  return total;
}

/**
 * Estimated prompt tokens of a whole request (messages plus a JSON schema, when one is sent).
 */
export function estimateInputTokens(request: GenerateRequest): number {
  let total = estimateMessageTokens(request.messages);
  const format = request.responseFormat;
  if (format?.type === "json_schema") total += estimateTextTokens(JSON.stringify(format.schema));
  return total;
}
