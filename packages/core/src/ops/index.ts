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
  /** Sum of two numbers, or string concatenation when either input is a string (JavaScript `+`). */
  add,
  /** `x - y`. */
  subtract,
  /** `x * y`. */
  multiply,
  /** `x / y` (true division; dividing by 0 gives `Infinity`, `-Infinity` or `NaN`). */
  divide,
  /**
   * `x % y`, JavaScript's remainder with the sign of `x` (`mod(-7, 3)` is `-1`); Python's `%` is `floorMod`.
   */
  mod,
  /** Python's `x // y`: the quotient rounded down (`floorDivide(-7, 2)` is `-4`). */
  floorDivide,
  /** Python's `x % y`: the remainder with the sign of `y` (`floorMod(-7, 3)` is `2`); `NaN` when `y` is 0. */
  floorMod,
  /** Python's `divmod(x, y)`: `[floorDivide(x, y), floorMod(x, y)]` as one node. */
  divmod,
  /** `x ** y`. */
  power,
  /** `-x`. */
  neg,
  /**
   * Unary plus `+x`: a number unchanged, other values converted as JavaScript's `+` does (a bigint throws).
   */
  pos,
  /** `Math.abs(x)`. */
  abs,
  /** `Math.floor(x)`. */
  floor,
  /** `Math.ceil(x)`. */
  ceil,
  /** `Math.trunc(x)`: `x` rounded toward zero (Python's `math.trunc`). */
  trunc,
  /** `x` rounded to `digits` decimal places (default 0); halves go toward +Infinity, as with `Math.round`. */
  round,
  // bitwise
  /** `x << y`: 32-bit for numbers (`1 << 32` is `1`), exact for two bigints; mixing them throws. */
  lshift,
  /** `x >> y`, keeping the sign (Python's `>>`): 32-bit for numbers, exact for bigints. */
  rshift,
  /** `x >>> y`: unsigned right shift of a 32-bit integer; bigints throw `InvalidOperandError`. */
  urshift,
  /** `x & y`: 32-bit for numbers, exact for two bigints. */
  bitAnd,
  /** `x | y`: 32-bit for numbers, exact for two bigints. */
  bitOr,
  /** `x ^ y`: 32-bit for numbers, exact for two bigints. */
  bitXor,
  /** `~x` (Python's `~`, `-x - 1`): 32-bit for a number, exact for a bigint. */
  bitNot,
  // comparison, identity, membership
  /** `x < y` for numbers, strings or bigints. */
  lt,
  /** `x <= y` for numbers, strings or bigints. */
  le,
  /** `x > y` for numbers, strings or bigints. */
  gt,
  /** `x >= y` for numbers, strings or bigints. */
  ge,
  /**
   * Python's `x == y`: primitives with `===`; arrays, plain objects, Maps, Sets and Dates by content; other
   * objects by identity.
   */
  eq,
  /** Python's `x != y`: the negation of `eq` (by content). Use `isNot` for identity. */
  neq,
  /** Python's `x is y`: identity, compared with SameValueZero (`NaN` is `NaN`, `0` is `-0`). */
  is,
  /** Python's `x is not y`: the negation of `is` (identity, SameValueZero). */
  isNot,
  /**
   * Python's `item in container`: substring of a string, element of an array (by content), key of a Map or
   * object, member of a Set.
   */
  contains,
  /** Python's `item not in container`: the negation of `contains`. */
  notContains,
  // logic
  /** `x && y`; both inputs are recorded, whichever is returned. */
  and,
  /** `x || y`; both inputs are recorded, whichever is returned. */
  or,
  /** `!x`. */
  not,
  /** `condition ? ifTrue : ifFalse` over values already computed; all three inputs are parents. */
  cond,
  // strings
  /** `String(x) + String(y)`. */
  concat,
  /**
   * Fills the `{name}` placeholders of a template with named arguments, each an input of that name (`{{` and
   * `}}` are literal braces).
   */
  format,
  /** `text.split(separator)`. */
  split,
  /** `list.join(separator)`. */
  join,
  /** `text.replaceAll(pattern, replacement)` with a plain-text pattern (not a regular expression). */
  replace,
  /** `text.trim()`. */
  trim,
  /**
   * Python's `text.strip(chars)`: without leading and trailing characters from `chars` (whitespace by
   * default).
   */
  strip,
  /** Python's `text.lstrip(chars)`: as `strip`, at the start only. */
  lstrip,
  /** Python's `text.rstrip(chars)`: as `strip`, at the end only. */
  rstrip,
  /** `text.toLowerCase()`. */
  lower,
  /** `text.toUpperCase()`. */
  upper,
  /**
   * Python's `str.title()`: the first letter of every run of cased letters upper case, the rest lower case.
   */
  title,
  /** Python's `str.capitalize()`: the first character upper case, every other one lower case. */
  capitalize,
  /** Python's `str.swapcase()`: upper-case letters become lower case and lower-case ones upper case. */
  swapCase,
  /**
   * Python's `ord(char)`: the code point of a one-character string; anything else throws
   * `InvalidOperandError`.
   */
  charCode,
  /** Python's `chr(code)`: the string of one code point (`code` an integer from 0 to 0x10FFFF). */
  fromCharCode,
  // collections: reading
  /** Element of an array, property of an object, or entry of a Map (`container[key]`). */
  getItem,
  /** Length of a string or array, size of a Map or Set, key count of an object. */
  len,
  /** Keys of an object or Map, as an array. */
  keys,
  /** Values of an object, Map or Set, as an array. */
  values,
  /** `[key, value]` pairs of an object or Map, as an array. */
  entries,
  // collections: copy-then-modify
  /** A copy of `list` with `item` appended. */
  push,
  /** A copy of an array, object or Map with `key` set to `value`. */
  set,
  /** A copy of an array, object or Map without `key` (Python's `del container[key]` without the mutation). */
  delete: deleteItem,
  /**
   * Python's `container.pop(key)` without the mutation: the item that would be removed (the last array
   * element by default); `container` is unchanged.
   */
  pop,
  /**
   * Python's `list.extend(items)` without the mutation: a copy of `list` followed by the items of `items`.
   */
  extend,
  /**
   * Python's `list.insert(index, item)` without the mutation: a copy of `list` with `item` before position
   * `index`.
   */
  insert,
  /**
   * Python's `list.remove(item)` without the mutation: a copy of `list` without its first element `eq` to
   * `item`.
   */
  remove,
  /**
   * Python's `container.update(other)` without the mutation: a copy of a Map or object with `other`'s entries
   * added.
   */
  update,
  // sets
  /** Python's `set.add(item)` without the mutation: a new Set of the members of `set` and `item`. */
  addToSet,
  /** Python's `set.discard(item)` without the mutation: a new Set without `item` (no error if absent). */
  discard,
  /** Python's `x | y`: a new Set of the members of `x`, then those of `y` not already in it. */
  union,
  /** Python's `x & y`: a new Set of the members of `x`, in order, that are members of `y`. */
  intersection,
  /** Python's `x - y`: a new Set of the members of `x`, in order, that are not members of `y`. */
  difference,
  // constructors
  /** Python's `[a, b, …]`: a new array of the given values (inputs `items_0`, `items_1`, …). */
  makeList,
  /** Python's `{"k": v, …}`: a new plain object; each value is an input named after its key. */
  makeDict,
  /** Python's `{a, b, …}`: a new Set of the given values (inputs `items_0`, …); repeats kept once. */
  makeSet,
  /** Python's `list(x)`: a new array of the items of `x` (elements, characters, Set members, Map entries). */
  toList,
  /** Python's `tuple(x)`: as `toList`, but the array is frozen. */
  toTuple,
  // other
  /** `obj[name]`; a method comes back bound to `obj`, and calling it records `obj` as the input `this`. */
  getAttr,
  /** Calls the function held by `fn` with the given arguments, each recorded as an input. */
  call,
  /**
   * Calls the method `name` of the value `obj` holds (Python Trace's `node.call("method", …)`); `obj` is an
   * input.
   */
  callMethod,
  /**
   * Iterates a traced value as item nodes (`for (const x of ops.items(list))`); Maps and objects give
   * `[keyNode, valueNode]` pairs.
   */
  items,
  /** A deep copy of `x` (`structuredClone`) as a new node. */
  clone,
  /** `x` unchanged, as a new node (to name or describe a value in the graph). */
  identity,
  /** `Number(x)`. */
  toNumber,
  /** `String(x)`. */
  toString: convertToString,
  /** `Boolean(x)`. */
  toBoolean,
  /** `JSON.stringify(x)`. */
  toJSON,
  /** `JSON.parse(x)`. */
  parseJSON,
  /**
   * Tagged template building a string node; each interpolated value is an input (`arg0`, `arg1`, …), the
   * literal parts the input `template`.
   */
  fmt,
} as const;

export { CALL_LLM_OP, type CallLLMOptions, callLLM } from "./call-llm.js";
export { sameValueZero, setHas, structurallyEqual } from "./equality.js";
export { InvalidOperandError, ItemNotFoundError } from "./errors.js";
export { collectInputs, type InputValues, type OpSpec, recordOp } from "./record.js";
export { fmt };
