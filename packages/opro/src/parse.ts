import { hasNameAt, isSpace, skipSpace, stripFence } from "@trace-ts/core/optimizer";
import { VALUE_PLACEHOLDER } from "./prompt.js";
/**
 * Reading a solution (`<value name="key">…</value>` blocks) out of an answer. The answer is
 * untrusted input: it is read in one pass (the closing tags are listed once, each opening tag is
 * examined once, no regular expression searches the rest of the text from every tag), so the work
 * is linear in its length, and an answer longer than `maxChars` (default 1,000,000 characters) is
 * refused unread.
 */

/** The solution read from an answer. */
export interface ParsedSolution {
  /** Value text by key, as written between the tags (trimmed, markdown fence removed). */
  readonly values: Readonly<Record<string, string>>;
  /** What the model wrote before its first block (its analysis), trimmed. */
  readonly reasoning: string;
}

/** Options of `parseSolution` and `readSolution`. */
export interface ParseSolutionOptions {
  /**
   * Longest answer read, in characters (default 1,000,000). A longer answer is refused unread
   * (`readSolution` says why; Opro re-asks, then reports `UNUSABLE_ANSWER`).
   */
  readonly maxChars?: number;
}

/** What `readSolution` found: the solution, or why there is none. */
export type SolutionReading =
  | ({
      /** `true`: a solution was read; its values and reasoning follow. */
      readonly ok: true;
    } & ParsedSolution)
  | {
      /** `false`: no solution could be read; `problem` says why. */
      readonly ok: false;
      /** Why no solution could be read, phrased to be shown to the model when Opro re-asks. */
      readonly problem: string;
    };

/** Default of `ParseSolutionOptions.maxChars`. */
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
 * Reads `<value name="key">…</value>` blocks from an answer. The attribute may use double,
 * single or no quotes (and backticks around the key); tags are case-insensitive. When a key
 * appears twice, the last block wins (models sometimes draft, then correct). Returns undefined
 * when the answer holds no complete block or is longer than `options.maxChars` (`readSolution`
 * tells the two apart).
 *
 * @param text the model's answer
 * @param options the longest answer read (`maxChars`)
 */
export function parseSolution(text: string, options: ParseSolutionOptions = {}): ParsedSolution | undefined {
  const reading = readSolution(text, options);
  return reading.ok ? { values: reading.values, reasoning: reading.reasoning } : undefined;
}

/**
 * Like `parseSolution`, but says why there is no solution: no complete block, or an answer over
 * `options.maxChars` (its length and the limit are named).
 *
 * @param text the model's answer
 * @param options the longest answer read (`maxChars`)
 * @param meter receives the steps taken (internal: tests assert they grow linearly)
 */
export function readSolution(
  text: string,
  options: ParseSolutionOptions = {},
  meter: ParseMeter = { steps: 0 },
): SolutionReading {
  const max = options.maxChars ?? DEFAULT_MAX_ANSWER_CHARS;
  if (!(max >= 0)) throw new RangeError(`parseSolution: maxChars must be ≥ 0, got ${max}`);
  if (text.length > max) {
    return {
      ok: false,
      problem:
        `the answer is ${text.length.toLocaleString("en-US")} characters long, over the limit of ` +
        `${max.toLocaleString("en-US")} characters; keep the analysis short`,
    };
  }
  const closers = new Closers(text, meter);
  const values: Record<string, string> = {};
  let first: number | undefined;
  let p = closers.count === 0 ? -1 : next(text, 0, meter);
  while (p >= 0 && p < closers.lastStart) {
    const block = blockAt(text, p, closers, meter);
    if (block === undefined) {
      p = next(text, p + 1, meter);
      continue;
    }
    if (block.key !== "") {
      first ??= p;
      meter.steps += block.closeStart - block.bodyStart;
      values[block.key] = stripFence(text.slice(block.bodyStart, block.closeStart).trim(), meter).trim();
    }
    p = next(text, block.closeEnd, meter);
  }
  if (first === undefined)
    return { ok: false, problem: 'the answer has no <value name="…"> … </value> block' };
  for (const key in values) {
    meter.steps++;
    if (isPlaceholder(values[key]!)) {
      return {
        ok: false,
        problem: `the block for ${key} still holds the placeholder ${VALUE_PLACEHOLDER} from the answer format: write the variable's new value in its place`,
      };
    }
  }
  meter.steps += first;
  return { ok: true, values, reasoning: text.slice(0, first).trim() };
}

const PLACEHOLDER_TEXT = VALUE_PLACEHOLDER.replace(/^\[+|\]+$/g, "").toLowerCase();

/** Whether a block's value is the template's placeholder line (brackets and case aside). */
function isPlaceholder(value: string): boolean {
  if (value.length > PLACEHOLDER_TEXT.length + 8) return false;
  return (
    value
      .replace(/^\[+|\]+$/g, "")
      .trim()
      .toLowerCase() === PLACEHOLDER_TEXT
  );
}

function next(text: string, from: number, meter: ParseMeter): number {
  const at = text.indexOf("<", from);
  meter.steps += (at < 0 ? text.length : at) - from + 1;
  return at;
}

/** The closing tags `</value>` (spaces allowed, any case) of a text, listed in one pass. */
class Closers {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #text: string;
  readonly #meter: ParseMeter;
  /** Per position, the first closing tag starting there or later (built when first needed). */
  #after: Int32Array | undefined;

  constructor(text: string, meter: ParseMeter) {
    this.#text = text;
    this.#meter = meter;
    for (let at = next(text, 0, meter); at >= 0; ) {
      let i = skipSpace(text, at + 1, meter);
      let end = -1;
      if (text.charCodeAt(i) === 47) {
        i = skipSpace(text, i + 1, meter);
        if (hasNameAt(text, i, "value", meter)) {
          i = skipSpace(text, i + 5, meter);
          if (text.charCodeAt(i) === 62) end = i + 1;
        }
      }
      if (end > 0) {
        this.#starts.push(at);
        this.#ends.push(end);
      }
      at = next(text, end > 0 ? end : at + 1, meter);
    }
  }

  get count(): number {
    return this.#starts.length;
  }

  /** Start of the last closing tag (-1 when there is none). */
  get lastStart(): number {
    return this.#starts.length === 0 ? -1 : this.#starts[this.#starts.length - 1]!;
  }

  /** The first closing tag starting at `from` or later, as [start, end], or undefined. */
  from(from: number): readonly [number, number] | undefined {
    if (this.#after === undefined) {
      const n = this.#text.length;
      const after = new Int32Array(n + 1);
      let k = this.#starts.length;
      for (let i = n; i >= 0; i--) {
        while (k > 0 && this.#starts[k - 1]! >= i) k--;
        after[i] = k;
      }
      this.#meter.steps += n + this.#starts.length;
      this.#after = after;
    }
    if (from > this.#text.length) return undefined;
    const k = this.#after[from]!;
    return k < this.#starts.length ? [this.#starts[k]!, this.#ends[k]!] : undefined;
  }
}

interface Block {
  readonly key: string;
  readonly bodyStart: number;
  readonly closeStart: number;
  readonly closeEnd: number;
}

/**
 * The block whose opening tag starts at `at` (a `<`), or undefined. The attribute is tried as
 * double-quoted, single-quoted, then unquoted, and a reading counts only when a closing tag
 * follows its `>`, the way the former regular expression matched
 * (`<\s*value\s+name\s*=\s*(?:"…"|'…'|`?[^\s>`]+`?)\s*>[\s\S]*?<\s*\/\s*value\s*>`).
 */
function blockAt(text: string, at: number, closers: Closers, meter: ParseMeter): Block | undefined {
  let i = skipSpace(text, at + 1, meter);
  if (!hasNameAt(text, i, "value", meter)) return undefined;
  i += 5;
  const j = skipSpace(text, i, meter);
  if (j === i || !hasNameAt(text, j, "name", meter)) return undefined;
  i = skipSpace(text, j + 4, meter);
  if (text.charCodeAt(i) !== 61) return undefined;
  const attr = skipSpace(text, i + 1, meter);
  const quote = text.charCodeAt(attr);
  const quoted = quote === 34 || quote === 39 ? block(quotedKey(text, attr, meter), closers) : undefined;
  return quoted ?? block(bareKey(text, attr, meter), closers);
}

/** The block an attribute reading opens: it needs a closing tag after the opening one. */
function block(reading: { key: string; end: number } | undefined, closers: Closers): Block | undefined {
  if (reading === undefined) return undefined;
  const close = closers.from(reading.end);
  if (close === undefined) return undefined;
  return { key: reading.key, bodyStart: reading.end, closeStart: close[0], closeEnd: close[1] };
}

/**
 * A quoted attribute at `at`: `"\s*`?([^"`]+?)`?\s*"\s*>` (or with `'`). Inside the quotes,
 * a backtick may only open (after spaces) or close (before spaces) the key, and the key is
 * not empty; the key returned is trimmed. `end` is just after the `>`.
 */
function quotedKey(text: string, at: number, meter: ParseMeter): { key: string; end: number } | undefined {
  const quote = text.charCodeAt(at);
  const from = at + 1;
  let close = from;
  const ticks: number[] = [];
  while (close < text.length) {
    const c = text.charCodeAt(close);
    if (c === quote) break;
    if (c === 96) ticks.push(close);
    close++;
  }
  meter.steps += close - at + 1;
  if (close >= text.length || ticks.length > 2) return undefined;
  const gt = skipSpace(text, close + 1, meter);
  if (text.charCodeAt(gt) !== 62) return undefined;
  const end = gt + 1;
  const allSpace = (a: number, b: number) => {
    meter.steps += b - a;
    for (let k = a; k < b; k++) if (!isSpace(text.charCodeAt(k))) return false;
    return true;
  };
  let key: string | undefined;
  if (ticks.length === 0) {
    if (close > from) key = text.slice(from, close);
  } else if (ticks.length === 1) {
    const t = ticks[0]!;
    if (allSpace(from, t) && close > t + 1) key = text.slice(t + 1, close);
    else if (allSpace(t + 1, close) && t > from) key = text.slice(from, t);
  } else {
    const [t1, t2] = ticks as [number, number];
    if (allSpace(from, t1) && allSpace(t2 + 1, close) && t2 > t1 + 1) key = text.slice(t1 + 1, t2);
  }
  return key === undefined ? undefined : { key: key.trim(), end };
}

/** An unquoted attribute at `at`: `` `?([^\s>`]+)`?\s*> ``. */
function bareKey(text: string, at: number, meter: ParseMeter): { key: string; end: number } | undefined {
  let i = at;
  if (text.charCodeAt(i) === 96) i++;
  const from = i;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 62 || c === 96 || isSpace(c)) break;
    i++;
  }
  meter.steps += i - at + 1;
  if (i === from) return undefined;
  const key = text.slice(from, i);
  if (text.charCodeAt(i) === 96) i++;
  i = skipSpace(text, i, meter);
  return text.charCodeAt(i) === 62 ? { key, end: i + 1 } : undefined;
}
