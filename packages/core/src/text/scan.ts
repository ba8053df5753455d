/**
 * Linear-time scanning helpers for parsers of model output (model output is untrusted: every parser
 * must do work linear in its input). Each helper adds the characters it examined to a `ParseMeter`,
 * so tests can assert linear work by counting steps instead of timing.
 */

/** A work counter: about one step per character examined. */
export interface ParseMeter {
  /** Steps taken so far. */
  steps: number;
}

/** Whether a UTF-16 code unit is `\s` of JavaScript regular expressions (what `trim` removes). */
export function isSpace(c: number): boolean {
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

/** The index of the first non-space character at or after `from`. */
export function skipSpace(text: string, from: number, meter: ParseMeter): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  meter.steps += i - from + 1;
  return i;
}

/** Whether `name` (lower-case ASCII) is at `at`, compared without case. */
export function hasNameAt(text: string, at: number, name: string, meter: ParseMeter): boolean {
  if (at + name.length > text.length) return false;
  for (let k = 0; k < name.length; k++) {
    meter.steps++;
    let c = text.charCodeAt(at + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== name.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Removes a markdown code fence around the whole text (```` ```ts\n…\n``` ````), as the pattern
 * (`/^\s*```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/`), in
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
