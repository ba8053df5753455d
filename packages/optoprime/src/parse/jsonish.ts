/**
 * A small tolerant scanner for the JSON that language models write. It reads standard JSON and
 * also: single-quoted and backtick-quoted strings, raw line breaks inside strings, unknown escapes
 * (kept as written, e.g. a regex's `\d`), trailing and missing commas, `//` and block comments,
 * bare keys, Python's `True`/`False`/`None`, and bare words as text values.
 *
 * Quotes that end a string are read the JSON way first. When that fails, the scanner tries again
 * treating a quote as the end of a string only where the text after it continues the structure
 * (`,`, `:`, `}`, `]`), backtracking over the possible ends; this recovers code values whose inner
 * quotes were not escaped. The search is bounded by a step budget, so a hostile input cannot make
 * it slow: every character examined (whitespace, keys, strings, the text after a value) and every
 * parsing step is charged to it. Nothing is evaluated.
 */

/** A value read by the scanner: JSON's values (bare words become strings). */
export type JsonishValue =
  | null
  | boolean
  | number
  | string
  | JsonishValue[]
  | { [key: string]: JsonishValue };

/**
 * Work allowance shared by several scans (one unit per character examined or parsing step);
 * when it runs out, scanning stops and reports nothing more.
 */
export interface ScanBudget {
  /** Units left. */
  remaining: number;
}

/** Options of {@link scanValueAt}. */
export interface ScanOptions {
  /** Upper bound on parsing steps per attempt (default 50,000). */
  readonly maxSteps?: number;
  /** Work allowance, possibly shared with other scans (default: 2,000,000 units for this call). */
  readonly budget?: ScanBudget;
}

/** A value found by {@link scanValueAt}. */
export interface ScanResult {
  /** The value read. */
  readonly value: JsonishValue;
  /** Index of its first character in the text. */
  readonly start: number;
  /** Index just after its last character. */
  readonly end: number;
  /** Repairs the scanner had to make (empty for standard JSON). */
  readonly notes: readonly string[];
}

const DEFAULT_MAX_STEPS = 50_000;
const DEFAULT_BUDGET = 2_000_000;
/** Deeper nesting than this is not read (model answers are a few levels deep). */
const MAX_DEPTH = 48;
const NUMBER = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const BARE_KEY = /[^\s:{}[\],"'`]+/y;
const BARE_VALUE = /[^,}\]\r\n]*/y;
const QUOTES = "\"'`";

class StepLimit {}
const STEP_LIMIT = new StepLimit();

type Alternatives<T> = Generator<readonly [T, number], void, undefined>;
type EntryAlternative =
  | { readonly close: number }
  | { readonly close?: undefined; readonly key: string; readonly value: JsonishValue; readonly next: number };
type ItemAlternative =
  | { readonly close: number }
  | { readonly close?: undefined; readonly value: JsonishValue; readonly next: number };

/**
 * Reads the value (object, array, string, number, word) that starts at `start` (leading
 * whitespace is skipped). Returns undefined when no value can be read there.
 *
 * A read that leaves structural debris right after the value (a quote, `,`, `:`, `}` or `]`) is a
 * sign that a string ended too early; another reading is tried before settling for it.
 *
 * @param text the text to read
 * @param start where the value starts
 * @param options step budget
 */
export function scanValueAt(text: string, start: number, options: ScanOptions = {}): ScanResult | undefined {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const budget = options.budget ?? { remaining: DEFAULT_BUDGET };
  const valueStart = skipSpace(text, start);
  budget.remaining -= valueStart - start;
  let fallback: ScanResult | undefined;
  for (const lenient of [false, true]) {
    if (budget.remaining <= 0) break;
    const scanner = new Scanner(text, lenient, maxSteps, budget);
    try {
      for (const [value, end] of scanner.value(start)) {
        const notes = [...scanner.notes];
        if (lenient) notes.push("quotes inside a string were not escaped; read them as part of the text");
        const result: ScanResult = { value, start: valueStart, end, notes };
        if (cleanTail(text, end, budget)) return result;
        // a strict reading followed by debris is still standard JSON; a lenient one is a guess
        if (!lenient) fallback ??= result;
      }
    } catch (error) {
      // a step limit or a stack overflow on absurd nesting: this reading fails, nothing else
      if (!(error instanceof StepLimit) && !(error instanceof RangeError)) throw error;
    }
    // the lenient reading differs only in text values: without any, it would fail the same way
    if (!scanner.readText) break;
  }
  return fallback;
}

/** Whether the text after a value looks like prose or the end, not like more JSON structure. */
function cleanTail(text: string, end: number, budget: ScanBudget): boolean {
  const after = skipSpace(text, end);
  budget.remaining -= after - end + 1;
  const c = text[after];
  return c === undefined || !"\"'`,:}]".includes(c);
}

function skipSpace(text: string, pos: number): number {
  let p = pos;
  while (p < text.length && isSpace(text.charCodeAt(p))) p++;
  return p;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 0xa0 || code === 0xfeff;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[\w$]/.test(c);
}

class Scanner {
  readonly notes = new Set<string>();
  /** Whether a quoted text value (not a key) was read: only those are read differently when lenient. */
  readText = false;
  readonly #text: string;
  readonly #lenient: boolean;
  readonly #maxSteps: number;
  readonly #budget: ScanBudget;
  #steps = 0;

  constructor(text: string, lenient: boolean, maxSteps: number, budget: ScanBudget) {
    this.#text = text;
    this.#lenient = lenient;
    this.#maxSteps = maxSteps;
    this.#budget = budget;
  }

  #tick(): void {
    if (++this.#steps > this.#maxSteps) throw STEP_LIMIT;
    this.#charge(1);
  }

  /** Spends `units` of the work allowance (characters examined). */
  #charge(units: number): void {
    this.#budget.remaining -= units;
    if (this.#budget.remaining < 0) throw STEP_LIMIT;
  }

  /** Skips whitespace and comments. */
  #ws(pos: number): number {
    const text = this.#text;
    let p = pos;
    for (;;) {
      p = skipSpace(text, p);
      if (text[p] === "/" && text[p + 1] === "/") {
        const nl = text.indexOf("\n", p);
        p = nl < 0 ? text.length : nl + 1;
        this.notes.add("comments were ignored");
      } else if (text[p] === "/" && text[p + 1] === "*") {
        const close = text.indexOf("*/", p + 2);
        p = close < 0 ? text.length : close + 2;
        this.notes.add("comments were ignored");
      } else {
        this.#charge(p - pos);
        return p;
      }
    }
  }

  *value(pos: number, depth = 0): Alternatives<JsonishValue> {
    this.#tick();
    const text = this.#text;
    const p = this.#ws(pos);
    const c = text[p];
    if (c === undefined) return;
    if (c === "{" || c === "[") {
      if (depth >= MAX_DEPTH) return;
      return yield* c === "{" ? this.#object(p, depth + 1) : this.#array(p, depth + 1);
    }
    if (QUOTES.includes(c)) {
      if (c !== '"')
        this.notes.add(`${c === "'" ? "single" : "backtick"}-quoted strings were read as JSON strings`);
      return yield* this.#string(p, false);
    }
    NUMBER.lastIndex = p;
    const num = NUMBER.exec(text);
    if (num !== null) {
      this.#charge(num[0].length);
      const end = p + num[0].length;
      const after = text[end];
      if (after === undefined || /[\s,}\]/]/.test(after)) {
        yield [Number(num[0]), end];
        return;
      }
    }
    BARE_VALUE.lastIndex = p;
    const bare = BARE_VALUE.exec(text)?.[0] ?? "";
    this.#charge(bare.length);
    const word = bare.trimEnd();
    if (word === "" || QUOTES.includes(word[0]!) || word[0] === ":") return;
    const end = p + word.length;
    switch (word) {
      case "true":
      case "True":
        yield [true, end];
        return;
      case "false":
      case "False":
        yield [false, end];
        return;
      case "null":
      case "None":
      case "undefined":
        if (word !== "null") this.notes.add(`${word} was read as null`);
        yield [null, end];
        return;
      default:
        this.notes.add("a value without quotes was read as text");
        yield [word, end];
    }
  }

  *#object(open: number, depth: number): Alternatives<JsonishValue> {
    const entries: [string, JsonishValue][] = [];
    const stack: Generator<EntryAlternative, void, undefined>[] = [this.#entry(open + 1, depth)];
    while (stack.length > 0) {
      const r = stack[stack.length - 1]!.next();
      if (r.done) {
        stack.pop();
        entries.pop();
        continue;
      }
      const alt = r.value;
      if (alt.close !== undefined) {
        this.#charge(entries.length);
        yield [Object.fromEntries(entries), alt.close];
        continue;
      }
      entries.push([alt.key, alt.value]);
      stack.push(this.#entry(alt.next, depth));
    }
  }

  /** Alternatives for the next `key: value` of an object (or its closing brace) at `pos`. */
  *#entry(pos: number, depth: number): Generator<EntryAlternative, void, undefined> {
    this.#tick();
    const text = this.#text;
    let p = this.#ws(pos);
    while (text[p] === ",") {
      p = this.#ws(p + 1);
      this.notes.add("extra commas were ignored");
    }
    if (text[p] === "}") {
      yield { close: p + 1 };
      return;
    }
    if (p >= text.length) return;
    for (const [key, keyEnd] of this.#key(p)) {
      const colon = this.#ws(keyEnd);
      if (text[colon] !== ":") continue;
      for (const [value, valueEnd] of this.value(colon + 1, depth)) {
        const r = this.#ws(valueEnd);
        const t = text[r];
        if (t === ",") yield { key, value, next: r + 1 };
        else if (t === "}") yield { key, value, next: r };
        else if (t !== undefined && this.#missingComma(valueEnd, r, t, true)) yield { key, value, next: r };
      }
    }
  }

  *#array(open: number, depth: number): Alternatives<JsonishValue> {
    const items: JsonishValue[] = [];
    const stack: Generator<ItemAlternative, void, undefined>[] = [this.#item(open + 1, depth)];
    while (stack.length > 0) {
      const r = stack[stack.length - 1]!.next();
      if (r.done) {
        stack.pop();
        items.pop();
        continue;
      }
      const alt = r.value;
      if (alt.close !== undefined) {
        this.#charge(items.length);
        yield [[...items], alt.close];
        continue;
      }
      items.push(alt.value);
      stack.push(this.#item(alt.next, depth));
    }
  }

  *#item(pos: number, depth: number): Generator<ItemAlternative, void, undefined> {
    this.#tick();
    const text = this.#text;
    let p = this.#ws(pos);
    while (text[p] === ",") {
      p = this.#ws(p + 1);
      this.notes.add("extra commas were ignored");
    }
    if (text[p] === "]") {
      yield { close: p + 1 };
      return;
    }
    for (const [value, valueEnd] of this.value(p, depth)) {
      const r = this.#ws(valueEnd);
      const t = text[r];
      if (t === ",") yield { value, next: r + 1 };
      else if (t === "]") yield { value, next: r };
      else if (t !== undefined && this.#missingComma(valueEnd, r, t, false)) yield { value, next: r };
    }
  }

  /** A line break between two entries stands for a forgotten comma. */
  #missingComma(from: number, to: number, next: string, key: boolean): boolean {
    this.#charge(to - from);
    if (!this.#text.slice(from, to).includes("\n")) return false;
    const ok = QUOTES.includes(next) || (key ? isIdentChar(next) : /[{[\-\d\w]/.test(next));
    if (ok) this.notes.add("missing commas between entries were assumed");
    return ok;
  }

  *#key(p: number): Alternatives<string> {
    const text = this.#text;
    const c = text[p]!;
    if (QUOTES.includes(c)) return yield* this.#string(p, true);
    BARE_KEY.lastIndex = p;
    const bare = BARE_KEY.exec(text)?.[0];
    this.#charge((bare?.length ?? 0) + 1);
    if (bare !== undefined && bare !== "") {
      this.notes.add("keys without quotes were accepted");
      yield [bare, p + bare.length];
    }
  }

  /**
   * The string starting at the quote at `open`. Strict mode (and keys, always) end it at the
   * first unescaped matching quote; lenient mode offers every matching quote after which the
   * structure can continue, in order.
   */
  *#string(open: number, isKey: boolean): Alternatives<string> {
    this.#tick();
    if (!isKey) this.readText = true;
    const text = this.#text;
    const quote = text[open]!;
    let out = "";
    let segment = open + 1;
    let charged = open;
    let i = open + 1;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === "\\") {
        out += text.slice(segment, i);
        const [decoded, width] = this.#escape(i, quote);
        out += decoded;
        i += width;
        segment = i;
        continue;
      }
      if (ch === quote) {
        if (!this.#lenient || isKey) {
          this.#charge(i - charged);
          yield [out + text.slice(segment, i), i + 1];
          return;
        }
        if (this.#canEndString(i)) {
          this.#tick();
          this.#charge(i - charged);
          charged = i;
          yield [out + text.slice(segment, i), i + 1];
        }
      } else if (ch === "\n") this.notes.add("line breaks inside strings were kept as written");
      i++;
    }
    this.#charge(i - charged);
  }

  #canEndString(quoteAt: number): boolean {
    const after = skipSpace(this.#text, quoteAt + 1);
    this.#charge(after - quoteAt);
    const c = this.#text[after];
    return c === undefined || c === "," || c === "}" || c === "]";
  }

  /** Decodes the escape sequence at `at` (a backslash); returns the text and its width. */
  #escape(at: number, quote: string): [string, number] {
    const e = this.#text[at + 1];
    switch (e) {
      case undefined:
        return ["\\", 1];
      case "n":
        return ["\n", 2];
      case "t":
        return ["\t", 2];
      case "r":
        return ["\r", 2];
      case "b":
        return ["\b", 2];
      case "f":
        return ["\f", 2];
      case "u": {
        const hex = this.#text.slice(at + 2, at + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) return [String.fromCharCode(Number.parseInt(hex, 16)), 6];
        this.notes.add("unknown escape sequences were kept as written");
        return ["\\u", 2];
      }
      case '"':
      case "'":
      case "`":
      case "\\":
      case "/":
        return [e, 2];
      case "\n":
        return ["\n", 2];
      default:
        if (e === quote) return [e, 2];
        this.notes.add("unknown escape sequences were kept as written");
        return [`\\${e}`, 2];
    }
  }
}
