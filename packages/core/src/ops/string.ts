import type { MaybeNode, MessageNode } from "../graph/node.js";
import { InvalidOperandError, kindOf } from "./errors.js";
import { recordOp } from "./record.js";

const CONCAT = { name: "concat", description: "Returns the text of x followed by the text of y." } as const;
const FORMAT = {
  name: "format",
  description:
    "Returns template with each {name} placeholder replaced by the text of the input of that name.",
} as const;
const SPLIT = {
  name: "split",
  description: "Splits text at every occurrence of separator and returns the pieces.",
} as const;
const JOIN = {
  name: "join",
  description: "Joins the items of list into one string, with separator between items.",
} as const;
const REPLACE = {
  name: "replace",
  description: "Returns text with every occurrence of pattern replaced by replacement.",
} as const;
const TRIM = { name: "trim", description: "Returns text without leading and trailing whitespace." } as const;
const LOWER = { name: "lower", description: "Returns text in lower case." } as const;
const UPPER = { name: "upper", description: "Returns text in upper case." } as const;
const CHAR_CODE = {
  name: "charCode",
  description: "Returns the Unicode code point of char, a string of exactly one character (Python's ord).",
} as const;
const FROM_CHAR_CODE = {
  name: "fromCharCode",
  description: "Returns the one-character string whose Unicode code point is code (Python's chr).",
} as const;
const TITLE = {
  name: "title",
  description:
    "Returns text with the first letter of every run of letters in upper case and the other letters in lower case.",
} as const;
const CAPITALIZE = {
  name: "capitalize",
  description: "Returns text with its first character in upper case and the rest in lower case.",
} as const;
const SWAP_CASE = {
  name: "swapCase",
  description: "Returns text with upper-case letters made lower case and lower-case letters upper case.",
} as const;
const STRIP = {
  name: "strip",
  description:
    "Returns text without the leading and trailing characters found in chars (whitespace when chars is null).",
} as const;
const LSTRIP = {
  name: "lstrip",
  description: "Returns text without the leading characters found in chars (whitespace when chars is null).",
} as const;
const RSTRIP = {
  name: "rstrip",
  description: "Returns text without the trailing characters found in chars (whitespace when chars is null).",
} as const;

/** Text of a value as a template literal would render it. */
export function textOf(value: unknown): string {
  return String(value);
}

/** `String(x) + String(y)`. */
export function concat(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<string> {
  return recordOp(CONCAT, { x, y }, (v) => textOf(v.x) + textOf(v.y));
}

/**
 * Fills `{name}` placeholders of a template with named arguments; every argument becomes an input
 * of that name. `{{` and `}}` stand for literal braces. A placeholder without an argument throws.
 *
 * @example format("Hi {name}, you are {age}", { name, age }) // inputs: template, name, age
 */
export function format(
  template: MaybeNode<string>,
  args: Readonly<Record<string, MaybeNode<unknown>>>,
): MessageNode<string> {
  if ("template" in args) throw new TypeError("format(): an argument cannot be called 'template'");
  return recordOp(FORMAT, { template, ...args }, (v) => {
    const values = v as Record<string, unknown>;
    return (values.template as string).replace(
      /\{\{|\}\}|\{([A-Za-z_$][\w$]*)\}/g,
      (match, name: string | undefined) => {
        if (name === undefined) return match[0]!;
        if (!(name in values) || name === "template")
          throw new Error(`format(): no argument named '${name}'`);
        return textOf(values[name]);
      },
    );
  });
}

/** `text.split(separator)`. */
export function split(text: MaybeNode<string>, separator: MaybeNode<string>): MessageNode<string[]> {
  return recordOp(SPLIT, { text, separator }, (v) => v.text.split(v.separator));
}

/** `list.join(separator)`. */
export function join(
  list: MaybeNode<readonly unknown[]>,
  separator: MaybeNode<string> = ",",
): MessageNode<string> {
  return recordOp(JOIN, { list, separator }, (v) => v.list.join(v.separator));
}

/** `text.replaceAll(pattern, replacement)` (a plain-text pattern, not a regular expression). */
export function replace(
  text: MaybeNode<string>,
  pattern: MaybeNode<string>,
  replacement: MaybeNode<string>,
): MessageNode<string> {
  return recordOp(REPLACE, { text, pattern, replacement }, (v) =>
    v.text.split(v.pattern).join(v.replacement),
  );
}

/** `text.trim()`. */
export function trim(text: MaybeNode<string>): MessageNode<string> {
  return recordOp(TRIM, { text }, (v) => v.text.trim());
}

/** `text.toLowerCase()`. */
export function lower(text: MaybeNode<string>): MessageNode<string> {
  return recordOp(LOWER, { text }, (v) => v.text.toLowerCase());
}

/** `text.toUpperCase()`. */
export function upper(text: MaybeNode<string>): MessageNode<string> {
  return recordOp(UPPER, { text }, (v) => v.text.toUpperCase());
}

/** The largest Unicode code point. */
const MAX_CODE_POINT = 0x10ffff;

/**
 * Python's `ord(char)`: the code point of a string of exactly one character (one code point, so an
 * emoji written as a surrogate pair counts as one). Any other value throws `InvalidOperandError`.
 */
export function charCode(char: MaybeNode<string>): MessageNode<number> {
  return recordOp(CHAR_CODE, { char }, (v) => {
    const c: unknown = v.char;
    if (typeof c !== "string") throw new InvalidOperandError("charCode", `needs a string, got ${kindOf(c)}`);
    const chars = [...c];
    if (chars.length !== 1) {
      throw new InvalidOperandError(
        "charCode",
        `needs a string of one character, got one of ${chars.length} characters`,
      );
    }
    return c.codePointAt(0) as number;
  });
}

/**
 * Python's `chr(code)`: the string of one code point. `code` must be an integer from 0 to
 * 0x10FFFF; anything else throws `InvalidOperandError`.
 */
export function fromCharCode(code: MaybeNode<number>): MessageNode<string> {
  return recordOp(FROM_CHAR_CODE, { code }, (v) => {
    const c: unknown = v.code;
    if (typeof c !== "number" || !Number.isInteger(c) || c < 0 || c > MAX_CODE_POINT) {
      throw new InvalidOperandError(
        "fromCharCode",
        `needs an integer code point from 0 to 0x10FFFF, got ${typeof c === "number" ? c : kindOf(c)}`,
      );
    }
    return String.fromCodePoint(c);
  });
}

/** Whether a character has distinct upper- and lower-case forms (Python's "cased"). */
function isCased(ch: string): boolean {
  return ch.toLowerCase() !== ch.toUpperCase();
}

/**
 * Python's `str.title()`: in every run of cased letters the first is made upper case and the rest
 * lower case; any other character (space, digit, apostrophe) ends a run, so `"they're 2nd"` becomes
 * `"They'Re 2Nd"`.
 */
export function title(text: MaybeNode<string>): MessageNode<string> {
  return recordOp(TITLE, { text }, (v) => {
    let out = "";
    let inWord = false;
    for (const ch of v.text) {
      const cased = isCased(ch);
      out += cased ? (inWord ? ch.toLowerCase() : ch.toUpperCase()) : ch;
      inWord = cased;
    }
    return out;
  });
}

/** Python's `str.capitalize()`: the first character upper case, every other one lower case. */
export function capitalize(text: MaybeNode<string>): MessageNode<string> {
  return recordOp(CAPITALIZE, { text }, (v) => {
    const [first = "", ...rest] = v.text;
    return first.toUpperCase() + rest.join("").toLowerCase();
  });
}

/** Python's `str.swapcase()`: upper-case letters become lower case and lower-case ones upper case. */
export function swapCase(text: MaybeNode<string>): MessageNode<string> {
  return recordOp(SWAP_CASE, { text }, (v) => {
    let out = "";
    for (const ch of v.text) {
      const lower = ch.toLowerCase();
      out += ch !== lower ? lower : ch.toUpperCase();
    }
    return out;
  });
}

/** Which ends `stripChars` trims. */
type Ends = "both" | "start" | "end";

/**
 * Removes from the chosen ends of `text` every character that is one of `chars` (a set of
 * characters, not a pattern), or JavaScript whitespace when `chars` is null or undefined.
 */
function stripChars(op: string, text: string, chars: string | null | undefined, ends: Ends): string {
  if (chars === null || chars === undefined) {
    return ends === "both" ? text.trim() : ends === "start" ? text.trimStart() : text.trimEnd();
  }
  if (typeof chars !== "string") {
    throw new InvalidOperandError(op, `chars must be a string or null, got ${kindOf(chars)}`);
  }
  const set = new Set(chars);
  const cps = [...text];
  let start = 0;
  let end = cps.length;
  if (ends !== "end") while (start < end && set.has(cps[start]!)) start++;
  if (ends !== "start") while (end > start && set.has(cps[end - 1]!)) end--;
  return cps.slice(start, end).join("");
}

/**
 * Python's `text.strip(chars)`: removes leading and trailing characters that are any of `chars`
 * (each character counts on its own; not a regular expression), or whitespace when `chars` is
 * null (the default). `chars` is recorded as an input either way.
 */
export function strip(text: MaybeNode<string>, chars: MaybeNode<string | null> = null): MessageNode<string> {
  return recordOp(STRIP, { text, chars }, (v) => stripChars("strip", v.text, v.chars, "both"));
}

/** Python's `text.lstrip(chars)`: as `strip`, at the start only. */
export function lstrip(text: MaybeNode<string>, chars: MaybeNode<string | null> = null): MessageNode<string> {
  return recordOp(LSTRIP, { text, chars }, (v) => stripChars("lstrip", v.text, v.chars, "start"));
}

/** Python's `text.rstrip(chars)`: as `strip`, at the end only. */
export function rstrip(text: MaybeNode<string>, chars: MaybeNode<string | null> = null): MessageNode<string> {
  return recordOp(RSTRIP, { text, chars }, (v) => stripChars("rstrip", v.text, v.chars, "end"));
}
