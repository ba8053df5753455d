/**
 * Reading OptoPrimeMulti's selection answer: which candidate the model chose. The answer is
 * untrusted input: the JSON scans share one work allowance proportional to its length, the
 * fallbacks are single passes, and an answer longer than `maxChars` (default 1,000,000
 * characters) is refused unread.
 */

import { skipSpace } from "@trace-ts/core/optimizer";
import { type ScanBudget, scanValueAt } from "./jsonish.js";

/** Options of {@link readChoice}. */
export interface ReadChoiceOptions {
  /** Longest answer read, in characters (default 1,000,000); a longer one names no candidate. */
  readonly maxChars?: number;
}

/** What {@link readChoiceAnswer} found. */
export interface ChoiceReading {
  /** The candidate number the answer names, if any. */
  readonly choice: number | undefined;
  /** Why the answer was not read (it was too long), when it was not. */
  readonly problem?: string;
}

/**
 * Work counter of the reader (internal, for tests and benchmarks): about one step per character
 * examined or parsing step, the scanner's included.
 */
export interface ChoiceMeter {
  /** Steps taken so far. */
  steps: number;
}

/** Default of `ReadChoiceOptions.maxChars`. */
export const DEFAULT_MAX_CHOICE_CHARS = 1_000_000;
/** Scanner work allowed per character of the answer, and on top of that. */
const SCAN_WORK_PER_CHAR = 4;
const SCAN_WORK_BASE = 20_000;
const CHOICE_KEY = /^(choice|chosen|best|candidate|selection)$/i;

/**
 * The candidate number in a selection answer: the `"choice"` (or `chosen`, `best`, `candidate`,
 * `selection`) of a JSON object in it, else "candidate N" in the text, else an answer that is only
 * a number. Work is linear in the answer's length; an answer longer than `options.maxChars`
 * names no candidate.
 *
 * @param text the model's answer
 * @param options the longest answer read (`maxChars`)
 */
export function readChoice(text: string, options: ReadChoiceOptions = {}): number | undefined {
  return readChoiceAnswer(text, options).choice;
}

/**
 * {@link readChoice} that also says why an answer was not read, with a work counter (internal).
 *
 * @param text the model's answer
 * @param options the longest answer read
 * @param meter receives the steps taken
 */
export function readChoiceAnswer(
  text: string,
  options: ReadChoiceOptions = {},
  meter: ChoiceMeter = { steps: 0 },
): ChoiceReading {
  const max = options.maxChars ?? DEFAULT_MAX_CHOICE_CHARS;
  if (!(max >= 0)) throw new RangeError(`readChoice: maxChars must be ≥ 0, got ${max}`);
  if (text.length > max) {
    return {
      choice: undefined,
      problem:
        `the selection answer is ${text.length.toLocaleString("en-US")} characters long, over the ` +
        `limit of ${max.toLocaleString("en-US")} characters`,
    };
  }
  const budget: ScanBudget = { remaining: SCAN_WORK_PER_CHAR * text.length + SCAN_WORK_BASE };
  const initial = budget.remaining;
  try {
    return { choice: jsonChoice(text, budget, meter) ?? textChoice(text, meter) };
  } finally {
    meter.steps += initial - budget.remaining;
  }
}

/** The choice field of the first JSON object (by position of its `{`, nested ones too) that has one. */
function jsonChoice(text: string, budget: ScanBudget, meter: ChoiceMeter): number | undefined {
  // an object can only hold a choice field if it starts before the last choice word of the text
  // (unless a key spells it with \u escapes): the braces after it need no scan
  meter.steps += text.length;
  const before = text.includes("\\u") ? text.length : lastChoiceWord(text, meter);
  let from = 0;
  while (budget.remaining > 0) {
    const at = text.indexOf("{", from);
    meter.steps += (at < 0 ? text.length : at) - from + 1;
    if (at < 0 || at >= before) return undefined;
    const r = scanValueAt(text, at, { budget });
    from = at + 1;
    if (r === undefined || r.value === null || typeof r.value !== "object" || Array.isArray(r.value))
      continue;
    for (const [k, v] of Object.entries(r.value)) {
      meter.steps += k.length + 1;
      if (!CHOICE_KEY.test(k.trim())) continue;
      if (typeof v === "string") meter.steps += v.length;
      const n = typeof v === "number" ? v : typeof v === "string" ? Number(/\d+/.exec(v)?.[0]) : Number.NaN;
      if (Number.isInteger(n)) return n;
    }
  }
  return undefined;
}

const CHOICE_WORDS = ["choice", "chosen", "best", "candidate", "selection"];

/** Start of the last choice word (any ASCII case) in the text, or -1. */
function lastChoiceWord(text: string, meter: ChoiceMeter): number {
  for (let at = text.length - 4; at >= 0; at--) {
    meter.steps++;
    const c = text.charCodeAt(at) | 32;
    if (c !== 99 && c !== 98 && c !== 115) continue; // c, b, s
    for (const word of CHOICE_WORDS) if (hasWordAt(text, at, word, meter)) return at;
  }
  return -1;
}

/** Whether `word` (lower-case ASCII) is at `at`, in any ASCII case, as a case-insensitive regular expression reads it. */
function hasWordAt(text: string, at: number, word: string, meter: ChoiceMeter): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) {
    meter.steps++;
    let c = text.charCodeAt(at + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** `candidate N` (any case, `#` and spaces allowed before N), else an answer that is only a number. */
function textChoice(text: string, meter: ChoiceMeter): number | undefined {
  const n = text.length;
  // at most 9 comparisons per position; the spaces and digits after a match are read once
  for (let at = 0; at + 9 <= n; at++) {
    meter.steps++;
    if ((text.charCodeAt(at) | 32) !== 99 || !hasWordAt(text, at, "candidate", meter)) continue;
    let i = skipSpace(text, at + 9, meter);
    if (text.charCodeAt(i) === 35) i = skipSpace(text, i + 1, meter);
    const end = digitsEnd(text, i, meter);
    if (end > i) return Number(text.slice(i, end));
  }
  const start = skipSpace(text, 0, meter);
  const end = digitsEnd(text, start, meter);
  if (end > start && skipSpace(text, end, meter) === n) return Number(text.slice(start, end));
  return undefined;
}

function digitsEnd(text: string, from: number, meter: ChoiceMeter): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  meter.steps += i - from + 1;
  return i;
}
