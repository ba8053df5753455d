/**
 * Reading the new value out of an update answer. The answer is untrusted input: it is read in one
 * pass (no regular expression searched again from every tag), so the work is linear in its length,
 * and an answer longer than `maxChars` (default 1,000,000 characters) is refused unread.
 */

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

/** Whether `name` (lower-case ASCII) is at `at`, compared without case. */
function hasNameAt(text: string, at: number, name: string, meter: ParseMeter): boolean {
  if (at + name.length > text.length) return false;
  for (let k = 0; k < name.length; k++) {
    meter.steps++;
    let c = text.charCodeAt(at + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== name.charCodeAt(k)) return false;
  }
  return true;
}

/** `\s` of JavaScript regular expressions (what `String.prototype.trim` removes). */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function skipSpace(text: string, from: number, meter: ParseMeter): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  meter.steps += i - from + 1;
  return i;
}

/**
 * Removes a markdown code fence around the whole text (```` ```ts\n…\n``` ````), exactly like
 * `stripCodeFence` of `@trace-ts/core` (`/^\s*```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/`), in
 * one pass: the closing fence can only be the last three characters before trailing spaces.
 */
export function stripFence(text: string, meter: ParseMeter = { steps: 0 }): string {
  const n = text.length;
  let i = skipSpace(text, 0, meter);
  if (!text.startsWith("```", i)) return text;
  i += 3;
  const from = i;
  for (;;) {
    const c = text.charCodeAt(i);
    const word =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!word) break;
    i++;
  }
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  if (text.charCodeAt(i) === 13) i++;
  meter.steps += i - from + 1;
  if (text.charCodeAt(i) !== 10) return text;
  const bodyStart = i + 1;
  let end = n;
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
  meter.steps += n - end + 1;
  const close = end - 3;
  if (close < bodyStart || !text.startsWith("```", close)) return text;
  // the body is as short as possible: it leaves out a line break (`\r\n`, `\n` or `\r`) before the fence
  let bodyEnd = close;
  if (
    bodyEnd - 2 >= bodyStart &&
    text.charCodeAt(bodyEnd - 2) === 13 &&
    text.charCodeAt(bodyEnd - 1) === 10
  ) {
    bodyEnd -= 2;
  } else if (
    bodyEnd - 1 >= bodyStart &&
    (text.charCodeAt(bodyEnd - 1) === 10 || text.charCodeAt(bodyEnd - 1) === 13)
  ) {
    bodyEnd -= 1;
  }
  return text.slice(bodyStart, bodyEnd);
}
