import {
  abs,
  add,
  ceil,
  divide,
  divmod,
  floor,
  floorDivide,
  floorMod,
  mod,
  multiply,
  neg,
  pos,
  power,
  round,
  subtract,
  trunc,
} from "./arithmetic.js";
import { bitAnd, bitNot, bitOr, bitXor, lshift, rshift, urshift } from "./bitwise.js";
import { deleteItem, entries, getItem, keys, len, push, set, values } from "./collection.js";
import { eq, ge, gt, is, isNot, le, lt, neq } from "./comparison.js";
import { makeDict, makeList, makeSet, toList, toTuple } from "./construct.js";
import { extend, insert, pop, remove, update } from "./edit.js";
import { fmt } from "./fmt.js";
import { items } from "./items.js";
import { and, cond, not, or } from "./logic.js";
import { contains, notContains } from "./membership.js";
import {
  call,
  callMethod,
  clone,
  convertToString,
  getAttr,
  identity,
  parseJSON,
  toBoolean,
  toJSON,
  toNumber,
} from "./misc.js";
import { addToSet, difference, discard, intersection, union } from "./sets.js";
import {
  capitalize,
  charCode,
  concat,
  format,
  fromCharCode,
  join,
  lower,
  lstrip,
  replace,
  rstrip,
  split,
  strip,
  swapCase,
  title,
  trim,
  upper,
} from "./string.js";

/**
 * Traced operations. Each takes nodes or plain values, computes the result and records a
 * `MessageNode` whose inputs are named after the operation's parameters. TypeScript has no
 * operator overloading, so `ops.add(x, y)` (or `x.add(y)`) is how `x + y` is traced. Operations
 * never change their inputs: Python's mutating methods (`pop`, `extend`, `update`, …) return a
 * new value instead.
 */
export const ops = {
  // arithmetic
  add,
  subtract,
  multiply,
  divide,
  mod,
  floorDivide,
  floorMod,
  divmod,
  power,
  neg,
  pos,
  abs,
  floor,
  ceil,
  trunc,
  round,
  // bitwise
  lshift,
  rshift,
  urshift,
  bitAnd,
  bitOr,
  bitXor,
  bitNot,
  // comparison, identity, membership
  lt,
  le,
  gt,
  ge,
  eq,
  neq,
  is,
  isNot,
  contains,
  notContains,
  // logic
  and,
  or,
  not,
  cond,
  // strings
  concat,
  format,
  split,
  join,
  replace,
  trim,
  strip,
  lstrip,
  rstrip,
  lower,
  upper,
  title,
  capitalize,
  swapCase,
  charCode,
  fromCharCode,
  // collections: reading
  getItem,
  len,
  keys,
  values,
  entries,
  // collections: copy-then-modify
  push,
  set,
  delete: deleteItem,
  pop,
  extend,
  insert,
  remove,
  update,
  // sets
  addToSet,
  discard,
  union,
  intersection,
  difference,
  // constructors
  makeList,
  makeDict,
  makeSet,
  toList,
  toTuple,
  // other
  getAttr,
  call,
  callMethod,
  items,
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
export { sameValueZero, setHas, structurallyEqual } from "./equality.js";
export { InvalidOperandError, ItemNotFoundError } from "./errors.js";
export { collectInputs, type InputValues, type OpSpec, recordOp } from "./record.js";
export { fmt };
