import { InvalidOperandError, kindOf } from "./errors.js";

/**
 * The items of a value as a new array, as Python's `list(x)` would give them: the elements of an
 * array, the characters of a string (by code point), the members of a Set, the `[key, value]`
 * entries of a Map, or what any other iterable yields. A plain object or any other value that
 * cannot be iterated throws `InvalidOperandError` naming the operation (`keys`, `values` or
 * `entries` read objects).
 *
 * @param op the operation asking, for the error message
 * @param value the value to list
 */
export function itemsOf(op: string, value: unknown): unknown[] {
  if (Array.isArray(value)) return [...value];
  if (typeof value === "string") return [...value];
  if (
    value !== null &&
    value !== undefined &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  ) {
    return [...(value as Iterable<unknown>)];
  }
  throw new InvalidOperandError(
    op,
    `needs an array, string, Set, Map or other iterable, got ${kindOf(value)}${kindOf(value) === "object" ? " (use keys, values or entries for objects)" : ""}`,
  );
}
