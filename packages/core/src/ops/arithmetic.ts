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
const MOD = spec(
  "mod",
  "Returns x % y, the JavaScript remainder of x divided by y (takes the sign of x; floorMod takes the sign of y).",
);
const FLOOR_DIVIDE = spec(
  "floorDivide",
  "Returns x // y: x divided by y rounded down to an integer (dividing by 0 gives Infinity, -Infinity or NaN).",
);
const FLOOR_MOD = spec(
  "floorMod",
  "Returns Python's x % y: the remainder of x divided by y with the sign of y (NaN when y is 0).",
);
const DIVMOD = spec("divmod", "Returns the pair [x // y, x % y] (floor division and floorMod of x by y).");
const TRUNC = spec("trunc", "Returns x without its fractional part (rounded toward zero).");
const POS = spec("pos", "Returns +x: x converted to a number (unary plus).");
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

/**
 * `x % y`, JavaScript's remainder: it takes the sign of `x` (`mod(-7, 3)` is `-1`). Python's `%`
 * is `floorMod` (`floorMod(-7, 3)` is `2`).
 */
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

/**
 * Python's `x // y`: the quotient rounded down (`floorDivide(-7, 2)` is `-4`). Consistent with
 * `floorMod`: `floorDivide(x, y) * y + floorMod(x, y)` is `x` up to rounding. Where Python raises
 * `ZeroDivisionError`, this keeps JavaScript's result: dividing by 0 gives `Infinity`, `-Infinity`
 * or `NaN`.
 */
export function floorDivide(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(FLOOR_DIVIDE, { x, y }, (v) => floorDivMod(v.x, v.y)[0]);
}

/**
 * Python's `x % y`: the remainder with the sign of the divisor `y` (`floorMod(-7, 3)` is `2`,
 * `floorMod(7, -3)` is `-2`). `mod` is JavaScript's `%` instead. Where Python raises
 * `ZeroDivisionError`, this gives `NaN` (as `x % 0` does in JavaScript).
 */
export function floorMod(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<number> {
  return recordOp(FLOOR_MOD, { x, y }, (v) => floorDivMod(v.x, v.y)[1]);
}

/**
 * Python's `divmod(x, y)`: `[floorDivide(x, y), floorMod(x, y)]` as one node. Dividing by 0 gives
 * `[±Infinity or NaN, NaN]` instead of raising.
 */
export function divmod(x: MaybeNode<number>, y: MaybeNode<number>): MessageNode<[number, number]> {
  return recordOp(DIVMOD, { x, y }, (v) => floorDivMod(v.x, v.y));
}

/** `Math.trunc(x)`: `x` rounded toward zero (Python's `math.trunc`, `int(x)` for a float). */
export function trunc(x: MaybeNode<number>): MessageNode<number> {
  return recordOp(TRUNC, { x }, (v) => Math.trunc(v.x));
}

/**
 * Unary plus `+x`: a number stays as it is, other values are converted as JavaScript's `+` does
 * (`"3"` becomes `3`, `true` becomes `1`, text that is not a number `NaN`); a bigint throws.
 */
export function pos(x: MaybeNode<unknown>): MessageNode<number> {
  return recordOp(POS, { x }, (v) => +(v.x as number));
}

/**
 * Floor quotient and floor remainder of `x / y`, computed the way Python does for floats so that
 * they agree with each other (the remainder from `%`, then the quotient from the exact difference).
 */
function floorDivMod(x: number, y: number): [number, number] {
  if (y === 0) return [Math.floor(x / y), Number.NaN];
  let rem = x % y;
  let quot = (x - rem) / y;
  if (rem !== 0) {
    if (rem < 0 !== y < 0) {
      rem += y;
      quot -= 1;
    }
  } else {
    rem = y < 0 ? -0 : 0;
  }
  let floored: number;
  if (quot !== 0) {
    floored = Math.floor(quot);
    if (quot - floored > 0.5) floored += 1;
  } else {
    floored = x / y < 0 ? -0 : 0;
  }
  return [floored, rem];
}
