import { isSpace, skipSpace } from "@trace-ts/core/optimizer";
/**
 * Reading a score and feedback out of an LLM judge's reply. Models wrap JSON in prose or fences,
 * write the score as text (`"7"`, `"7/10"`, `"70%"`), or skip JSON altogether (`Score: 7/10`);
 * all of these are accepted. A score outside the scale is refused rather than clamped.
 *
 * The reply is untrusted input, so every scan here is a single pass over the text (no regular
 * expression backtracks over it, no JSON parse is retried from every brace): the work is linear in
 * the reply's length, and a reply longer than `maxChars` (default 1,000,000) is refused unread.
 */

/** The scale a judge scores on (inclusive). */
export interface JudgeScale {
  /** Lowest score. */
  readonly min: number;
  /** Highest score. */
  readonly max: number;
}

/** Options of `parseJudgeResponse`. */
export interface JudgeParseOptions {
  /**
   * Longest reply read, in characters (default 1,000,000). A longer reply is refused unread, with
   * a problem naming its length and this limit (an `llmJudge` then re-asks, and finally throws
   * `JudgeResponseError`).
   */
  readonly maxChars?: number;
}

/** Result of `parseJudgeResponse`. */
export type JudgeParseResult =
  | {
      /** `true`: a score was read; it and the feedback follow. */
      readonly ok: true;
      /** The score as the judge gave it, on its scale. */
      readonly raw: number;
      /** The score mapped to [0, 1]: `(raw - min) / (max - min)`. */
      readonly score: number;
      /** The judge's explanation (the whole reply when it gave no separate one). */
      readonly feedback: string;
    }
  | {
      /** `false`: no score could be read; `problem` says why. */
      readonly ok: false;
      /** Why no score could be read. */
      readonly problem: string;
    };

/** Default of `JudgeParseOptions.maxChars`: the longest judge reply read. */
export const DEFAULT_MAX_JUDGE_REPLY_CHARS = 1_000_000;

/**
 * Work counter of the judge parser (internal, for tests and benchmarks): about one step per
 * character examined.
 */
export interface ParseMeter {
  /** Steps taken so far. */
  steps: number;
}

const SCORE_KEYS = ["score", "rating", "grade", "mark", "points"];
const FEEDBACK_KEYS = [
  "feedback",
  "reason",
  "reasoning",
  "explanation",
  "rationale",
  "comment",
  "comments",
  "critique",
];

/**
 * Reads a judge's reply.
 *
 * Accepted forms, in order of preference: a JSON object (anywhere in the text, fenced or not,
 * trailing commas tolerated) with a `score` (or `rating`, `grade`, …) that is a number or text like
 * `"7"`, `"7/10"`, `"7 out of 10"`, `"70%"`, and a `feedback` (or `reason`, `explanation`, …);
 * otherwise prose such as `Score: 7/10` or `Rating - 7`. A fraction `a/b` is rescaled to the
 * judge's scale, a percentage maps `0%…100%` onto it. Work is linear in the reply's length; a
 * reply longer than `options.maxChars` (default 1,000,000 characters) is refused unread.
 *
 * @param text the judge's reply
 * @param scale the scale the judge was asked to use
 * @param options the longest reply read (`maxChars`)
 */
export function parseJudgeResponse(
  text: string,
  scale: JudgeScale,
  options: JudgeParseOptions = {},
): JudgeParseResult {
  return readJudgeResponse(text, scale, options, { steps: 0 });
}

/**
 * `parseJudgeResponse` with a work counter (internal: tests assert the steps grow linearly).
 *
 * @param text the judge's reply
 * @param scale the scale the judge was asked to use
 * @param options the longest reply read
 * @param meter receives the steps taken
 */
export function readJudgeResponse(
  text: string,
  scale: JudgeScale,
  options: JudgeParseOptions,
  meter: ParseMeter,
): JudgeParseResult {
  if (typeof text !== "string") return { ok: false, problem: "the reply is empty" };
  const max = options.maxChars ?? DEFAULT_MAX_JUDGE_REPLY_CHARS;
  if (!(max >= 0)) throw new RangeError(`parseJudgeResponse: maxChars must be ≥ 0, got ${max}`);
  if (text.length > max) return { ok: false, problem: tooLong(text.length, max) };
  meter.steps += text.length;
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, problem: "the reply is empty" };
  let problem: string | undefined;
  for (const object of new ObjectFinder(text, meter).objects()) {
    const scoreKey = findKey(object, SCORE_KEYS, meter);
    if (scoreKey === undefined) continue;
    const raw = readScore(object[scoreKey], scale, meter);
    if (typeof raw === "string") {
      problem = raw;
      continue;
    }
    const feedbackKey = findKey(object, FEEDBACK_KEYS, meter);
    const fb = feedbackKey === undefined ? undefined : object[feedbackKey];
    const feedback = typeof fb === "string" ? fb.trim() : fb === undefined ? trimmed : JSON.stringify(fb);
    return finish(raw, feedback, scale);
  }
  if (problem !== undefined) return { ok: false, problem };
  // prose: "Score: 7/10", "rating = 0.7", "**Grade**: 8 out of 10"
  const prose = proseScore(text, meter);
  if (prose !== undefined) {
    const raw = fromParts(prose.value, prose.suffix, prose.denominator, scale);
    if (typeof raw === "string") return { ok: false, problem: raw };
    return finish(raw, trimmed, scale);
  }
  const fraction = firstFraction(text, meter);
  if (fraction !== undefined) {
    const raw = fromParts(fraction.value, "/", fraction.denominator, scale);
    if (typeof raw === "string") return { ok: false, problem: raw };
    return finish(raw, trimmed, scale);
  }
  return { ok: false, problem: 'no score found (expected JSON like {"score": 7, "feedback": "..."})' };
}

function tooLong(length: number, max: number): string {
  return (
    `the reply is ${length.toLocaleString("en-US")} characters long, over the limit of ` +
    `${max.toLocaleString("en-US")} characters; reply with the short JSON object only`
  );
}

function finish(raw: number, feedback: string, scale: JudgeScale): JudgeParseResult {
  return { ok: true, raw, score: (raw - scale.min) / (scale.max - scale.min), feedback };
}

/** A score value from JSON: a number, or text holding a number, fraction or percentage. */
function readScore(value: unknown, scale: JudgeScale, meter: ParseMeter): number | string {
  if (typeof value === "number") return inScale(value, scale);
  if (typeof value === "string") {
    // the whole text is `number`, `number %` or `number / number` (or `number out of number`)
    const expr = numberExpression(value, skipSpace(value, 0, meter), meter);
    if (expr === undefined || skipSpace(value, expr.end, meter) !== value.length) {
      const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
      return `the score ${JSON.stringify(shown)} is not a number`;
    }
    return fromParts(expr.value, expr.suffix, expr.denominator, scale);
  }
  return `the score is ${value === null ? "null" : typeof value}, not a number`;
}

function fromParts(
  value: number,
  suffix: string | undefined,
  denominator: string | undefined,
  scale: JudgeScale,
): number | string {
  if (suffix === "%") return inScale(scale.min + (value / 100) * (scale.max - scale.min), scale);
  if (denominator !== undefined) {
    const d = Number(denominator);
    if (!(d > 0)) return `the score ${value}/${denominator} has no usable denominator`;
    if (d === scale.max && scale.min === 0) return inScale(value, scale);
    return inScale(scale.min + (value / d) * (scale.max - scale.min), scale);
  }
  return inScale(value, scale);
}

function inScale(value: number, scale: JudgeScale): number | string {
  if (!Number.isFinite(value)) return `the score ${value} is not a finite number`;
  const eps = 1e-9 * Math.max(1, Math.abs(scale.max - scale.min));
  if (value < scale.min - eps || value > scale.max + eps) {
    return `the score ${value} is outside the scale ${scale.min}–${scale.max}`;
  }
  return Math.min(scale.max, Math.max(scale.min, value));
}

function findKey(
  object: Record<string, unknown>,
  names: readonly string[],
  meter: ParseMeter,
): string | undefined {
  const keys = Object.keys(object);
  for (const name of names) {
    for (const k of keys) {
      meter.steps += 1 + k.length;
      if (k.length >= name.length && k.trim().toLowerCase() === name) return k;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Character classes (as JavaScript regular expressions define them)

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `\w` (ASCII letters, digits, `_`). */
function isWordChar(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Whether `word` (lower-case ASCII) is at `at`, compared without case. */
function hasWordAt(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) {
    let c = text.charCodeAt(at + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Numbers, fractions and percentages in text

/**
 * End of the number (`[-+]?(\d+(\.\d+)?|\.\d+)`) starting at `at`, or -1. The longest one, like a
 * greedy regular expression: a shorter reading never lets what follows match.
 */
function numberEnd(text: string, at: number, meter: ParseMeter): number {
  let i = at;
  const sign = text.charCodeAt(i);
  if (sign === 43 || sign === 45) i++;
  const start = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i > start) {
    if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
      i += 2;
      while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    }
  } else if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
    i += 2;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  } else {
    meter.steps += i - at + 1;
    return -1;
  }
  meter.steps += i - at + 1;
  return i;
}

/** A number with an optional `%`, `/ n` or `out of n` after it. */
interface NumberExpression {
  readonly value: number;
  /** `%` or `/` (also for `out of`), when given. */
  readonly suffix: string | undefined;
  readonly denominator: string | undefined;
  /** Index just after the expression. */
  readonly end: number;
}

/** `NUMBER \s* (% | (/|out of) \s* NUMBER)?` starting at `at`, or undefined. */
function numberExpression(text: string, at: number, meter: ParseMeter): NumberExpression | undefined {
  const end = numberEnd(text, at, meter);
  if (end < 0) return undefined;
  const value = Number(text.slice(at, end));
  const s = skipSpace(text, end, meter);
  if (text.charCodeAt(s) === 37) return { value, suffix: "%", denominator: undefined, end: s + 1 };
  const over = overAt(text, s);
  if (over > 0) {
    const d = skipSpace(text, s + over, meter);
    const dEnd = numberEnd(text, d, meter);
    if (dEnd >= 0) return { value, suffix: "/", denominator: text.slice(d, dEnd), end: dEnd };
  }
  return { value, suffix: undefined, denominator: undefined, end };
}

/** Length of the `/` or `out of` (any case) at `at`, or 0. */
function overAt(text: string, at: number): number {
  if (text.charCodeAt(at) === 47) return 1;
  return hasWordAt(text, at, "out of") ? 6 : 0;
}

/**
 * The prose score: the first `score` (or `rating`, `grade`, `mark`, `points`) as a whole word,
 * followed by `*`, `_` or spaces, optionally `is`, `of`, `:`, `=`, `-` or `–`, more `*`, `_` or
 * spaces, and a number expression.
 */
function proseScore(text: string, meter: ParseMeter): NumberExpression | undefined {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    meter.steps++;
    const c = text.charCodeAt(i) | 32;
    // s(core) r(ating) g(rade) m(ark) p(oints)
    if (c !== 115 && c !== 114 && c !== 103 && c !== 109 && c !== 112) continue;
    if (i > 0 && isWordChar(text.charCodeAt(i - 1))) continue;
    const keyword = SCORE_KEYS.find((k) => k.charCodeAt(0) === c);
    if (keyword === undefined || !hasWordAt(text, i, keyword)) continue;
    const after = i + keyword.length;
    if (after < n && isWordChar(text.charCodeAt(after))) continue;
    const found = afterKeyword(text, after, meter);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isDecoration(c: number): boolean {
  return c === 42 || c === 95 || isSpace(c);
}

function skipDecoration(text: string, from: number, meter: ParseMeter): number {
  let i = from;
  while (i < text.length && isDecoration(text.charCodeAt(i))) i++;
  meter.steps += i - from + 1;
  return i;
}

function afterKeyword(text: string, from: number, meter: ParseMeter): NumberExpression | undefined {
  const at = skipDecoration(text, from, meter);
  const c = text.charCodeAt(at);
  const connector =
    c === 58 || c === 61 || c === 45 || c === 0x2013
      ? 1
      : hasWordAt(text, at, "is") || hasWordAt(text, at, "of")
        ? 2
        : 0;
  if (connector > 0) {
    const found = numberExpression(text, skipDecoration(text, at + connector, meter), meter);
    if (found !== undefined) return found;
  }
  return numberExpression(text, at, meter);
}

/**
 * The first fraction `a / b` (or `a out of b`) in the text. Every start inside one run of digits
 * reads the same number end, so each run is examined once.
 */
function firstFraction(
  text: string,
  meter: ParseMeter,
): { readonly value: number; readonly denominator: string } | undefined {
  const n = text.length;
  let i = 0;
  while (i < n) {
    meter.steps++;
    const c = text.charCodeAt(i);
    const startsNumber = isDigit(c) || c === 43 || c === 45 || c === 46;
    if (startsNumber) {
      const end = numberEnd(text, i, meter);
      if (end >= 0) {
        const s = skipSpace(text, end, meter);
        const over = overAt(text, s);
        if (over > 0) {
          const d = skipSpace(text, s + over, meter);
          const dEnd = numberEnd(text, d, meter);
          if (dEnd >= 0) return { value: Number(text.slice(i, end)), denominator: text.slice(d, dEnd) };
        }
      }
      if (isDigit(c)) {
        // the other starts in this run of digits read the same number: skip them
        let j = i + 1;
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        meter.steps += j - i;
        i = j;
        continue;
      }
    }
    i++;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// JSON objects in text

/** Containers nested deeper than this are not read (a judge's reply is one or two levels deep). */
const MAX_DEPTH = 64;
/** Safety net on top of the linear design: steps per character before the search gives up. */
const STEPS_PER_CHAR = 24;

/** A container read successfully. */
interface Closed {
  readonly value: Record<string, unknown> | unknown[];
  /** Index just after it. */
  readonly end: number;
  /** Levels of nesting (1: no container inside). */
  readonly height: number;
}

enum Expect {
  /** After `{` or `[`: a key (objects) or value (arrays), or the closing bracket. */
  First,
  /** After a comma: a key or value, or (a trailing comma) the closing bracket. */
  Next,
  /** After a comma right after the opening bracket (`[,]`): only the closing bracket. */
  Close,
  /** After a key: `:`. */
  Colon,
  /** After `:`: a value. */
  Value,
  /** After an entry: `,` or the closing bracket. */
  Comma,
}

interface Frame {
  readonly start: number;
  readonly isObject: boolean;
  readonly value: Record<string, unknown> | unknown[];
  expect: Expect;
  key: string;
  height: number;
}

const FAILED = -1;

/**
 * Finds the JSON objects in a text (standard JSON plus trailing commas), in the order of their
 * opening braces, nested ones included — like trying a JSON parse from every `{`, but each
 * container is read at most once: a read is context-free, so its outcome (failed, or the object
 * and its end) is remembered by position, and the search does not read again from a brace that an
 * earlier read already read. A read started later, from a brace inside an earlier read's string,
 * pairs every quote after that string the other way round (and stops at the first backslash it
 * finds outside a string), so it never reaches a container the earlier read read: a character is
 * read by at most two reads, one per way of pairing the quotes. Reading is iterative; a container
 * nested more than `MAX_DEPTH` levels deep fails without growing the stack (the outermost open
 * container is dropped, so the inner ones are still read). A step limit (`STEPS_PER_CHAR`) backs
 * this up.
 */
class ObjectFinder {
  readonly #text: string;
  readonly #meter: ParseMeter;
  readonly #limit: number;
  /** Per position: 0 not read, `FAILED`, or end + 1 of the container read there. */
  #status: Int32Array | undefined;
  /** Objects read inside other reads, by position (reported when the search reaches them). */
  readonly #closed = new Map<number, Closed>();
  /**
   * Open containers of the current read: a ring of at most `MAX_DEPTH` frames, outermost at
   * `#bottom`, `#depth` of them.
   */
  readonly #ring: Frame[] = [];
  #bottom = 0;
  #depth = 0;
  /** Where the current read is. */
  #pos = 0;
  /** Where the current read started. */
  #root = 0;
  /** The container the current read started at, when it closed. */
  #rootValue: Closed | undefined;

  constructor(text: string, meter: ParseMeter) {
    this.#text = text;
    this.#meter = meter;
    this.#limit = meter.steps + STEPS_PER_CHAR * text.length + 4096;
  }

  /**
   * Every object, by position of its `{`. Inside an object already found, only the objects read
   * as part of it are reported: the other braces there are in its strings.
   */
  *objects(): Generator<Record<string, unknown>> {
    let at = this.#next(0);
    let insideUntil = -1;
    while (at >= 0 && this.#meter.steps <= this.#limit) {
      this.#status ??= new Int32Array(this.#text.length + 1);
      let closed: Closed | undefined;
      if (this.#status[at] === 0 && at >= insideUntil) closed = this.#read(at);
      else if (this.#status[at]! > 0) closed = this.#closed.get(at);
      if (closed !== undefined) {
        yield closed.value as Record<string, unknown>;
        if (closed.end > insideUntil) insideUntil = closed.end;
      }
      at = this.#next(at + 1);
    }
  }

  #next(from: number): number {
    const at = this.#text.indexOf("{", from);
    this.#meter.steps += (at < 0 ? this.#text.length : at) - from + 1;
    return at;
  }

  /** Reads the container at `start` (and, on the way, the ones inside it); its value when it is JSON. */
  #read(start: number): Closed | undefined {
    const text = this.#text;
    const status = this.#status!;
    const meter = this.#meter;
    const n = text.length;
    this.#root = start;
    this.#rootValue = undefined;
    this.#open(start);
    while (this.#depth > 0) {
      if (meter.steps > this.#limit) return this.#fail();
      // whitespace
      let pos = this.#pos;
      const from = pos;
      while (pos < n) {
        const c = text.charCodeAt(pos);
        if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
        pos++;
      }
      meter.steps += pos - from + 1;
      if (pos >= n) return this.#fail();
      this.#pos = pos;
      const top = this.#top();
      const c = text.charCodeAt(pos);
      const closer = top.isObject ? 125 : 93;
      switch (top.expect) {
        case Expect.Comma:
          if (c === 44) {
            top.expect = Expect.Next;
            this.#pos++;
          } else if (c === closer) this.#close();
          else return this.#fail();
          continue;
        case Expect.Close:
          if (c !== closer) return this.#fail();
          this.#close();
          continue;
        case Expect.Colon:
          if (c !== 58) return this.#fail();
          top.expect = Expect.Value;
          this.#pos++;
          continue;
        case Expect.First:
        case Expect.Next:
          if (c === closer) {
            this.#close();
            continue;
          }
          if (c === 44 && top.expect === Expect.First) {
            // `{,}` and `[,]`: a lone trailing comma
            top.expect = Expect.Close;
            this.#pos++;
            continue;
          }
          if (top.isObject) {
            if (c !== 34) return this.#fail();
            const key = this.#string(pos);
            if (key === undefined) return this.#fail();
            top.key = key;
            top.expect = Expect.Colon;
            continue;
          }
          break;
        case Expect.Value:
          break;
      }
      // a value
      if (c === 123 || c === 91) {
        const known = status[pos]!;
        if (known === FAILED) return this.#fail();
        const closed = known > 0 ? this.#closed.get(pos) : undefined;
        if (closed === undefined) {
          // not read yet (arrays are not kept: no other read can reach one, see above)
          this.#open(pos);
          continue;
        }
        this.#pos = closed.end;
        // the containers around it now hold its levels too
        while (this.#depth > 0 && this.#depth + closed.height > MAX_DEPTH) this.#dropOutermost();
        if (this.#depth === 0) return undefined;
        this.#add(closed.value, closed.height);
        continue;
      }
      if (c === 34) {
        const value = this.#string(pos);
        if (value === undefined) return this.#fail();
        this.#add(value, 0);
        continue;
      }
      if (!this.#literal(pos)) return this.#fail();
    }
    return this.#rootValue;
  }

  #open(at: number): void {
    const isObject = this.#text.charCodeAt(at) === 123;
    // deeper than MAX_DEPTH: the outermost open container fails, the inner ones are still read
    if (this.#depth >= MAX_DEPTH) this.#dropOutermost();
    this.#ring[(this.#bottom + this.#depth) % MAX_DEPTH] = {
      start: at,
      isObject,
      value: isObject ? {} : [],
      expect: Expect.First,
      key: "",
      height: 1,
    };
    this.#depth++;
    this.#pos = at + 1;
  }

  #fail(): undefined {
    while (this.#depth > 0) this.#dropOutermost();
    return undefined;
  }

  /** Puts a value into the innermost open container. */
  #add(value: unknown, height: number): void {
    const top = this.#top();
    if (top.isObject) {
      const obj = top.value as Record<string, unknown>;
      if (top.key === "__proto__") {
        Object.defineProperty(obj, top.key, { value, writable: true, enumerable: true, configurable: true });
      } else obj[top.key] = value;
    } else (top.value as unknown[]).push(value);
    top.expect = Expect.Comma;
    if (height + 1 > top.height) top.height = height + 1;
  }

  /** Closes the innermost container at its closing bracket. */
  #close(): void {
    const f = this.#top();
    this.#depth--;
    this.#pos++;
    const closed: Closed = { value: f.value, end: this.#pos, height: f.height };
    this.#status![f.start] = this.#pos + 1;
    if (f.start === this.#root) this.#rootValue = closed;
    else if (f.isObject) this.#closed.set(f.start, closed);
    if (this.#depth > 0) this.#add(f.value, f.height);
  }

  /** The innermost open container. */
  #top(): Frame {
    return this.#ring[(this.#bottom + this.#depth - 1) % MAX_DEPTH]!;
  }

  /** Fails the outermost open container and forgets it. */
  #dropOutermost(): void {
    this.#status![this.#ring[this.#bottom]!.start] = FAILED;
    this.#bottom = (this.#bottom + 1) % MAX_DEPTH;
    this.#depth--;
  }

  /** The JSON string whose opening quote is at `at`; moves past it. */
  #string(at: number): string | undefined {
    const text = this.#text;
    const n = text.length;
    let i = at + 1;
    let chunk = i;
    let out = "";
    let value: string | undefined;
    scan: while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        value = out + text.slice(chunk, i);
        i++;
        break;
      }
      if (c < 32) break;
      if (c !== 92) {
        i++;
        continue;
      }
      out += text.slice(chunk, i);
      switch (text.charCodeAt(i + 1)) {
        case 34:
          out += '"';
          break;
        case 92:
          out += "\\";
          break;
        case 47:
          out += "/";
          break;
        case 98:
          out += "\b";
          break;
        case 102:
          out += "\f";
          break;
        case 110:
          out += "\n";
          break;
        case 114:
          out += "\r";
          break;
        case 116:
          out += "\t";
          break;
        case 117: {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) break scan;
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          break scan;
      }
      i += 2;
      chunk = i;
    }
    this.#meter.steps += i - at + 1;
    this.#pos = i;
    return value;
  }

  /** A JSON number, `true`, `false` or `null` at `at`, put into the innermost container. */
  #literal(at: number): boolean {
    const text = this.#text;
    for (const [word, value] of LITERALS) {
      if (text.startsWith(word, at)) {
        this.#meter.steps += word.length;
        this.#pos = at + word.length;
        this.#add(value, 0);
        return true;
      }
    }
    // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
    let i = at;
    if (text.charCodeAt(i) === 45) i++;
    const first = text.charCodeAt(i);
    if (first === 48) i++;
    else if (first >= 49 && first <= 57) i = this.#digits(i);
    else return false;
    if (text.charCodeAt(i) === 46) {
      const after = this.#digits(i + 1);
      if (after === i + 1) return false;
      i = after;
    }
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      let j = i + 1;
      const sign = text.charCodeAt(j);
      if (sign === 43 || sign === 45) j++;
      const after = this.#digits(j);
      if (after === j) return false;
      i = after;
    }
    this.#pos = i;
    this.#add(Number(text.slice(at, i)), 0);
    return true;
  }

  #digits(from: number): number {
    const text = this.#text;
    let i = from;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    this.#meter.steps += i - from + 1;
    return i;
  }
}

const LITERALS: readonly (readonly [string, unknown])[] = [
  ["true", true],
  ["false", false],
  ["null", null],
];
