import type { MaybeNode, MessageNode } from "../graph/node.js";
import { recordOp } from "./record.js";

const spec = (name: string, description: string) => ({ name, description }) as const;

const ADD = spec(
  "add",
  "Returns x + y: the sum of two numbers, or the concatenation when either is a string.",
);
const SUBTRACT = spec("subtract", "Returns x - y.");
const MULTIPLY = spec("multiply", "Returns x * y.");
const DIVIDE = spec(
  "divide",
  "Returns x / y (floating-point division; dividing by 0 gives Infinity or NaN).",
);
const MOD = spec("mod", "Returns x % y, the remainder of x divided by y (takes the sign of x).");
const POWER = spec("power", "Returns x raised to the power y.");
const NEG = spec("neg", "Returns -x.");
const ABS = spec("abs", "Returns the absolute value of x.");
const FLOOR = spec("floor", "Returns the largest integer less than or equal to x.");
const CEIL = spec("ceil", "Returns the smallest integer greater than or equal to x.");
const ROUND = spec("round", "Returns x rounded to `digits` decimal places (0 by default; halves round up).");

/** Sum of two numbers, or string concatenation when either input is a string (like JavaScript `+`). */
export function add(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number>;
export function add(x: MaybeNode<string>, y: MaybeNode<unknown>): MessageNode<string>;
export function add(x: MaybeNode<unknown>, y: MaybeNode<string>): MessageNode<string>;
export function add(x: MaybeNode<unknown>, y: MaybeNode<unknown>): MessageNode<unknown> {
  return recordOp(ADD, { x, y }, (v) => (v.x as number) + (v.y as number));
}

/** `x - y`. */
export function subtract(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(SUBTRACT, { x, y }, (v) => v.x - v.y);
}

/** `x * y`. */
export function multiply(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(MULTIPLY, { x, y }, (v) => v.x * v.y);
}

/** `x / y`. */
export function divide(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(DIVIDE, { x, y }, (v) => v.x / v.y);
}

/** `x % y`. */
export function mod(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(MOD, { x, y }, (v) => v.x % v.y);
}

/** `x ** y`. */
export function power(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(POWER, { x, y }, (v) => v.x ** v.y);
}

/** `-x`. */
export function neg(x: MaybeNode<number>): MessageNode<number> {
  return recordOp(NEG, { x }, (v) => -v.x);
}

/** `Math.abs(x)`. */
export function abs(x: MaybeNode<number>): MessageNode<number> {
  return recordOp(ABS, { x }, (v) => Math.abs(v.x));
}

/** `Math.floor(x)`. */
export function floor(x: MaybeNode<number>): MessageNode<number> {
  return recordOp(FLOOR, { x }, (v) => Math.floor(v.x));
}

/** `Math.ceil(x)`. */
export function ceil(x: MaybeNode<number>): MessageNode<number> {
  return recordOp(CEIL, { x }, (v) => Math.ceil(v.x));
}

/** `x` rounded to `digits` decimal places (default 0). */
export function round(x: MaybeNode<number>, digits: MaybeNode<number> = 0): MessageNode<number> {
  return recordOp(ROUND, { x, digits }, (v) => {
    const f = 10 ** v.digits;
    return Math.round(v.x * f) / f;
  });
}
