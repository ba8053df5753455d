import type { AnswerReading } from "@trace-ts/core/optimizer";

/** Answers longer than this are refused unread (model output is untrusted input). */
export const MAX_ANSWER_CHARS = 100_000;

/**
 * Reads `key = JSON value` lines (one pass over the text, so linear in its length). Lines that do
 * not look like an assignment are ignored; an assignment with a value that is not JSON is a
 * problem. No assignment at all is a problem too.
 *
 * @param text the model's answer
 * @returns the values by key, or the problems to send back
 */
export function readAssignments(text: string): AnswerReading<Record<string, unknown>> {
  if (text.length > MAX_ANSWER_CHARS)
    return { ok: false, problems: [`the answer is longer than ${MAX_ANSWER_CHARS} characters`] };
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().replace(/^`|`$/g, "");
    if (!/^[A-Za-z_][\w]*$/.test(key)) continue;
    const raw = line
      .slice(eq + 1)
      .trim()
      .replace(/^`|`$/g, "");
    try {
      values[key] = JSON.parse(raw);
    } catch {
      problems.push(`the value of ${key} is not JSON: ${raw.slice(0, 80)}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  if (Object.keys(values).length === 0) return { ok: false, problems: ["no `key = value` line was found"] };
  return { ok: true, value: values };
}
