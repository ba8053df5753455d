import type { MaybeNode, MessageNode } from "../graph/node.js";
import { InvalidOperandError, kindOf } from "./errors.js";
import { recordOp } from "./record.js";

const spec = (name: string, description: string) => ({ name, description }) as const;

const LSHIFT = spec("lshift", "Returns x << y: the bits of x shifted left by y places.");
const RSHIFT = spec("rshift", "Returns x >> y: the bits of x shifted right by y places, keeping the sign.");
const URSHIFT = spec(
  "urshift",
  "Returns x >>> y: the bits of x shifted right by y places, filling with zeros (numbers only).",
);
const BIT_AND = spec("bitAnd", "Returns x & y: the bits set in both x and y.");
const BIT_OR = spec("bitOr", "Returns x | y: the bits set in x or in y.");
const BIT_XOR = spec("bitXor", "Returns x ^ y: the bits set in exactly one of x and y.");
const BIT_NOT = spec("bitNot", "Returns ~x: x with every bit flipped (equals -x - 1).");

/** The integer kinds bitwise operations accept. */
type Int = number | bigint;

/**
 * Checks that both operands are numbers or both are bigints (JavaScript cannot mix them) and
 * returns them as a pair of the same kind.
 */
function sameKind(op: string, x: unknown, y: unknown): [number, number] | [bigint, bigint] {
  if (typeof x === "number" && typeof y === "number") return [x, y];
  if (typeof x === "bigint" && typeof y === "bigint") return [x, y];
  throw new InvalidOperandError(op, `needs two numbers or two bigints, got ${kindOf(x)} and ${kindOf(y)}`);
}

/**
 * Applies a binary bitwise operation: numbers are first converted to 32-bit integers (as
 * JavaScript does: `2 ** 32 + 1` counts as `1`, fractions are dropped), bigints are exact.
 */
function binary(
  op: string,
  numbers: (a: number, b: number) => number,
  bigints: (a: bigint, b: bigint) => bigint,
  x: unknown,
  y: unknown,
): Int {
  const pair = sameKind(op, x, y);
  return typeof pair[0] === "number"
    ? numbers(pair[0], pair[1] as number)
    : bigints(pair[0], pair[1] as bigint);
}

/**
 * `x << y`. Numbers are 32-bit integers (`1 << 32` is `1`, as in JavaScript, not `2 ** 32` as in
 * Python); two bigints shift exactly. Mixing a number and a bigint throws `InvalidOperandError`.
 */
export function lshift(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number>;
export function lshift(x: MaybeNode<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
export function lshift(x: MaybeNode<Int>, y: MaybeNode<Int>): MessageNode<Int> {
  return recordOp(LSHIFT, { x, y }, (v) =>
    binary(
      "lshift",
      (a, b) => a << b,
      (a, b) => a << b,
      v.x,
      v.y,
    ),
  );
}

/** `x >> y`, keeping the sign (Python's `>>`). Numbers are 32-bit integers; bigints are exact. */
export function rshift(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number>;
export function rshift(x: MaybeNode<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
export function rshift(x: MaybeNode<Int>, y: MaybeNode<Int>): MessageNode<Int> {
  return recordOp(RSHIFT, { x, y }, (v) =>
    binary(
      "rshift",
      (a, b) => a >> b,
      (a, b) => a >> b,
      v.x,
      v.y,
    ),
  );
}

/**
 * `x >>> y`: unsigned right shift of a 32-bit integer (`-1 >>> 0` is `4294967295`). Python has no
 * such operator; bigints have none either, so they throw `InvalidOperandError`.
 */
export function urshift(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(URSHIFT, { x, y }, (v) => {
    if (typeof v.x !== "number" || typeof v.y !== "number") {
      throw new InvalidOperandError(
        "urshift",
        `needs two numbers (bigints have no unsigned shift), got ${kindOf(v.x)} and ${kindOf(v.y)}`,
      );
    }
    return v.x >>> v.y;
  });
}

/** `x & y`. Numbers are 32-bit integers; two bigints combine exactly. */
export function bitAnd(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number>;
export function bitAnd(x: MaybeNode<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
export function bitAnd(x: MaybeNode<Int>, y: MaybeNode<Int>): MessageNode<Int> {
  return recordOp(BIT_AND, { x, y }, (v) =>
    binary(
      "bitAnd",
      (a, b) => a & b,
      (a, b) => a & b,
      v.x,
      v.y,
    ),
  );
}

/** `x | y`. Numbers are 32-bit integers; two bigints combine exactly. */
export function bitOr(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number>;
export function bitOr(x: MaybeNode<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
export function bitOr(x: MaybeNode<Int>, y: MaybeNode<Int>): MessageNode<Int> {
  return recordOp(BIT_OR, { x, y }, (v) =>
    binary(
      "bitOr",
      (a, b) => a | b,
      (a, b) => a | b,
      v.x,
      v.y,
    ),
  );
}

/** `x ^ y`. Numbers are 32-bit integers; two bigints combine exactly. */
export function bitXor(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number>;
export function bitXor(x: MaybeNode<bigint>, y: MaybeNode<bigint>): MessageNode<bigint>;
export function bitXor(x: MaybeNode<Int>, y: MaybeNode<Int>): MessageNode<Int> {
  return recordOp(BIT_XOR, { x, y }, (v) =>
    binary(
      "bitXor",
      (a, b) => a ^ b,
      (a, b) => a ^ b,
      v.x,
      v.y,
    ),
  );
}

/** `~x` (Python's `~`, `-x - 1`). A number is a 32-bit integer; a bigint is exact. */
export function bitNot(x: MaybeNode<number>): MessageNode<number>;
export function bitNot(x: MaybeNode<bigint>): MessageNode<bigint>;
export function bitNot(x: MaybeNode<Int>): MessageNode<Int> {
  return recordOp(BIT_NOT, { x }, (v) => {
    const value: unknown = v.x;
    if (typeof value === "number") return ~value;
    if (typeof value === "bigint") return ~value;
    throw new InvalidOperandError("bitNot", `needs a number or a bigint, got ${kindOf(value)}`);
  });
}
