import { TraceError } from "../errors/trace-error.js";

/**
 * An operation received a value it cannot work on: the wrong kind of value (a number where a
 * container is needed, a bigint mixed with a number), or a value out of range (a code point above
 * 0x10FFFF, a string of two characters for `charCode`). Thrown inside the operation, so it reaches
 * the caller as the cause of an `ExecutionError` and is recorded in the graph as feedback.
 */
export class InvalidOperandError extends TraceError {
  /** The operation that refused the value, e.g. `charCode`. */
  readonly op: string;

  /**
   * @param op the operation's name
   * @param problem what is wrong with the value, as a clause
   */
  constructor(op: string, problem: string) {
    super("INVALID_OPERAND", `${op}(): ${problem}`);
    this.op = op;
  }
}

/**
 * An operation looked for an item that is not there: `pop` from an empty array, at an index out of
 * range or with a missing key; `remove` of a value the array does not hold (Python raises
 * `IndexError`, `KeyError` or `ValueError` there). Reaches the caller as the cause of an
 * `ExecutionError`.
 */
export class ItemNotFoundError extends TraceError {
  /** The operation that looked for the item, e.g. `pop`. */
  readonly op: string;

  /**
   * @param op the operation's name
   * @param problem which item is missing from what, as a clause
   */
  constructor(op: string, problem: string) {
    super("ITEM_NOT_FOUND", `${op}(): ${problem}`);
    this.op = op;
  }
}

/** Short description of a value's kind for error messages: `null`, `array`, `Map`, `number`, …. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    const name = proto?.constructor?.name;
    return typeof name === "string" && name !== "Object" ? name : "object";
  }
  return typeof value;
}
