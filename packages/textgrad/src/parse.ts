import { stripCodeFence } from "@trace-ts/core";

/** What `extractNewValue` found in an update answer. */
export type ExtractedValue =
  | {
      readonly ok: true;
      /** The text between the tags, without surrounding whitespace or a markdown fence. */
      readonly value: string;
      /** What the model wrote before the opening tag (its reasoning), trimmed. */
      readonly reasoning: string;
    }
  | { readonly ok: false /** Why no value could be read. */; readonly problem: string };

const OPEN = /<\s*new_value\s*>/gi;
const CLOSE = /<\s*\/\s*new_value\s*>/i;

/**
 * Reads the new value from an update answer: the text between the last `<new_value>` that has a
 * matching `</new_value>` after it (models sometimes mention the tag while thinking, then give
 * the value). Tag names are case-insensitive and may contain spaces; the value is trimmed and a
 * markdown fence around it is removed. An opening tag without a closing one is refused (the
 * answer was probably cut off).
 */
export function extractNewValue(text: string): ExtractedValue {
  const opens = [...text.matchAll(OPEN)];
  if (opens.length === 0) {
    return { ok: false, problem: "the answer has no <new_value> … </new_value> block" };
  }
  for (let i = opens.length - 1; i >= 0; i--) {
    const open = opens[i]!;
    const start = open.index + open[0].length;
    const rest = text.slice(start);
    const close = CLOSE.exec(rest);
    if (close === null) continue;
    const value = stripCodeFence(rest.slice(0, close.index).trim()).trim();
    return { ok: true, value, reasoning: text.slice(0, open.index).trim() };
  }
  return {
    ok: false,
    problem: "the <new_value> block is not closed with </new_value> (was the answer cut off?)",
  };
}
