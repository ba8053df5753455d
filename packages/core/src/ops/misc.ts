import type { MaybeNode, MessageNode } from "../graph/node.js";
import { recordOp } from "./record.js";

const GET_ATTR = { name: "getAttr", description: "Returns the property name of obj." } as const;
const CALL = {
  name: "call",
  description: "Calls the function fn with the arguments args_0, args_1, … and returns its result.",
} as const;
const CLONE = { name: "clone", description: "Returns a deep copy of x." } as const;
const IDENTITY = { name: "identity", description: "Returns x unchanged." } as const;
const TO_NUMBER = {
  name: "toNumber",
  description: "Converts x to a number (NaN when it is not numeric).",
} as const;
const TO_STRING = { name: "toString", description: "Converts x to its text." } as const;
const TO_BOOLEAN = {
  name: "toBoolean",
  description: "Converts x to true or false (false for 0, '', null, undefined, NaN).",
} as const;
const TO_JSON = { name: "toJSON", description: "Serializes x as JSON text." } as const;
const PARSE_JSON = { name: "parseJSON", description: "Parses the JSON text x into a value." } as const;

/** `obj[name]`. */
export function getAttr<T, K extends keyof T & string>(
  obj: MaybeNode<T>,
  name: MaybeNode<K>,
): MessageNode<T[K]> {
  return recordOp(GET_ATTR, { obj, name }, (v) => {
    const o = v.obj as T;
    if (o === null || o === undefined)
      throw new TypeError(`cannot read property '${String(v.name)}' of ${o}`);
    return o[v.name as K];
  });
}

/** Calls the function held by `fn` (a node or a function) with the given arguments. */
export function call<A extends unknown[], R>(
  fn: MaybeNode<(...args: A) => R>,
  ...args: { [I in keyof A]: MaybeNode<A[I]> }
): MessageNode<R> {
  const inputs: Record<string, unknown> = { fn };
  args.forEach((a, i) => {
    inputs[`args_${i}`] = a;
  });
  return recordOp(CALL, inputs, (v) => {
    const f = v.fn as (...a: unknown[]) => R;
    if (typeof f !== "function") throw new TypeError(`call(): fn is not a function but ${typeof f}`);
    return f(...args.map((_, i) => v[`args_${i}`]));
  });
}

/** A deep copy of `x` (`structuredClone`) as a new node. */
export function clone<T>(x: MaybeNode<T>): MessageNode<T> {
  return recordOp(CLONE, { x }, (v) => structuredClone(v.x) as T);
}

/** `x` unchanged, as a new node (useful to name or describe a value in the graph). */
export function identity<T>(x: MaybeNode<T>): MessageNode<T> {
  return recordOp(IDENTITY, { x }, (v) => v.x as T);
}

/** `Number(x)`. */
export function toNumber(x: MaybeNode<unknown>): MessageNode<number> {
  return recordOp(TO_NUMBER, { x }, (v) => Number(v.x));
}

/** `String(x)`. */
export function convertToString(x: MaybeNode<unknown>): MessageNode<string> {
  return recordOp(TO_STRING, { x }, (v) => String(v.x));
}

/** `Boolean(x)`. */
export function toBoolean(x: MaybeNode<unknown>): MessageNode<boolean> {
  return recordOp(TO_BOOLEAN, { x }, (v) => Boolean(v.x));
}

/** `JSON.stringify(x)`. */
export function toJSON(x: MaybeNode<unknown>): MessageNode<string> {
  return recordOp(TO_JSON, { x }, (v) => {
    const text = JSON.stringify(v.x);
    if (text === undefined) throw new TypeError(`cannot serialize ${typeof v.x} as JSON`);
    return text;
  });
}

/** `JSON.parse(x)`. */
export function parseJSON<T = unknown>(x: MaybeNode<string>): MessageNode<T> {
  return recordOp(PARSE_JSON, { x }, (v) => JSON.parse(v.x) as T);
}
