import { hasNameAt, skipSpace, stripFence } from "@trace-ts/core/optimizer";
/**
 * Reading the new value out of an update answer. The answer is untrusted input: it is read in one
 * pass (no regular expression searched again from every tag), so the work is linear in its length,
 * and an answer longer than `maxChars` (default 1,000,000 characters) is refused unread.
 */

/** What `extractNewValue` found in an update answer. */
export type ExtractedValue =
  | {
      /** `true`: a value was read; it and the reasoning follow. */
      readonly ok: true;
      /** The text between the tags, without surrounding whitespace or a markdown fence. */
      readonly value: string;
      /** What the model wrote before the opening tag (its reasoning), trimmed. */
      readonly reasoning: string;
    }
  | {
      /** `false`: no value could be read; `problem` says why. */
      readonly ok: false;
      /** Why no value could be read (no complete `<new_value>` block, or an answer over `maxChars`). */
      readonly problem: string;
    };

/** Options of `extractNewValue`. */
export interface ExtractNewValueOptions {
  /**
   * Longest answer read, in characters (default 1,000,000). A longer answer is refused unread
   * with a problem naming its length and this limit (TextGrad re-asks, then gives up with
   * `UnusableAnswerError`).
   */
  readonly maxChars?: number;
}

/** Default of `ExtractNewValueOptions.maxChars`. */
export const DEFAULT_MAX_ANSWER_CHARS = 1_000_000;

/**
 * Work counter of the parser (internal, for tests and benchmarks): about one step per character
 * examined.
 */
export interface ParseMeter {
  /** Steps taken so far. */
  steps: number;
}

/**
 * Reads the new value from an update answer: the text between the last `<new_value>` that has a
 * matching `</new_value>` after it (models sometimes mention the tag while thinking, then give
 * the value). Tag names are case-insensitive and may contain spaces; the value is trimmed and a
 * markdown fence around it is removed. An opening tag without a closing one is refused (the
 * answer was probably cut off), and so is an answer longer than `options.maxChars`.
 *
 * @param text the model's answer
 * @param options the longest answer read (`maxChars`)
 */
export function extractNewValue(text: string, options: ExtractNewValueOptions = {}): ExtractedValue {
  return readNewValue(text, options, { steps: 0 });
}

/**
 * `extractNewValue` with a work counter (internal: tests assert the steps grow linearly).
 *
 * @param text the model's answer
 * @param options the longest answer read
 * @param meter receives the steps taken
 */
export function readNewValue(
  text: string,
  options: ExtractNewValueOptions,
  meter: ParseMeter,
): ExtractedValue {
  const max = options.maxChars ?? DEFAULT_MAX_ANSWER_CHARS;
  if (!(max >= 0)) throw new RangeError(`extractNewValue: maxChars must be ≥ 0, got ${max}`);
  if (text.length > max) {
    return {
      ok: false,
      problem:
        `the answer is ${text.length.toLocaleString("en-US")} characters long, over the limit of ` +
        `${max.toLocaleString("en-US")} characters; keep the reasoning short`,
    };
  }
  // One pass over the tags. A closing tag pairs with the last opening tag seen, unless that one is
  // already paired: the last pair is the last opening tag followed by a closing tag, with the first
  // closing tag after it.
  let sawOpen = false;
  let lastOpen = -1;
  let lastOpenEnd = -1;
  let lastOpenPaired = false;
  let pair: { open: number; openEnd: number; close: number } | undefined;
  const n = text.length;
  let i = text.indexOf("<");
  meter.steps += (i < 0 ? n : i) + 1;
  while (i >= 0) {
    const tag = tagAt(text, i, meter);
    if (tag > 0) {
      sawOpen = true;
      lastOpen = i;
      lastOpenEnd = tag;
      lastOpenPaired = false;
    } else if (tag < 0 && lastOpen >= 0 && !lastOpenPaired) {
      pair = { open: lastOpen, openEnd: lastOpenEnd, close: i };
      lastOpenPaired = true;
    }
    const from = tag === 0 ? i + 1 : Math.abs(tag);
    i = text.indexOf("<", from);
    meter.steps += (i < 0 ? n : i) - from + 1;
  }
  if (!sawOpen) return { ok: false, problem: "the answer has no <new_value> … </new_value> block" };
  if (pair === undefined) {
    return {
      ok: false,
      problem: "the <new_value> block is not closed with </new_value> (was the answer cut off?)",
    };
  }
  meter.steps += pair.close - pair.openEnd + pair.open;
  const value = stripFence(text.slice(pair.openEnd, pair.close).trim(), meter).trim();
  return { ok: true, value, reasoning: text.slice(0, pair.open).trim() };
}

/**
 * The tag at `at` (a `<`): its end for `<new_value>`, minus its end for `</new_value>`, 0 for
 * anything else. Spaces are allowed around the name and after `<` and `/`, any case.
 */
function tagAt(text: string, at: number, meter: ParseMeter): number {
  let i = skipSpace(text, at + 1, meter);
  const closing = text.charCodeAt(i) === 47;
  if (closing) i = skipSpace(text, i + 1, meter);
  if (!hasNameAt(text, i, "new_value", meter)) return 0;
  i = skipSpace(text, i + 9, meter);
  if (text.charCodeAt(i) !== 62) return 0;
  return closing ? -(i + 1) : i + 1;
}
