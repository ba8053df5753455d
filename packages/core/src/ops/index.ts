import { abs, add, ceil, divide, floor, mod, multiply, neg, power, round, subtract } from "./arithmetic.js";
import { deleteItem, entries, getItem, keys, len, push, set, values } from "./collection.js";
import { eq, ge, gt, le, lt, neq } from "./comparison.js";
import { fmt } from "./fmt.js";
import { and, cond, not, or } from "./logic.js";
import {
  call,
  clone,
  convertToString,
  getAttr,
  identity,
  parseJSON,
  toBoolean,
  toJSON,
  toNumber,
} from "./misc.js";
import { concat, format, join, lower, replace, split, trim, upper } from "./string.js";

/**
 * Traced operations. Each takes nodes or plain values, computes the result and records a
 * `MessageNode` whose inputs are named after the operation's parameters. TypeScript has no
 * operator overloading, so `ops.add(x, y)` (or `x.add(y)`) is how `x + y` is traced.
 */
export const ops = {
  add,
  subtract,
  multiply,
  divide,
  mod,
  power,
  neg,
  abs,
  floor,
  ceil,
  round,
  lt,
  le,
  gt,
  ge,
  eq,
  neq,
  and,
  or,
  not,
  cond,
  concat,
  format,
  split,
  join,
  replace,
  trim,
  lower,
  upper,
  getItem,
  len,
  keys,
  values,
  entries,
  push,
  set,
  delete: deleteItem,
  getAttr,
  call,
  clone,
  identity,
  toNumber,
  toString: convertToString,
  toBoolean,
  toJSON,
  parseJSON,
  fmt,
} as const;

export { CALL_LLM_OP, type CallLLMOptions, callLLM } from "./call-llm.js";
export { collectInputs, type InputValues, type OpSpec, recordOp } from "./record.js";
export { fmt };
