import type { MaybeNode, MessageNode } from "../graph/node.js";
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
