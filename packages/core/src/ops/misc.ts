import { type MaybeNode, type MessageNode, Node } from "../graph/node.js";
import { holdsNodes } from "../graph/unwrap.js";
import { recordOp } from "./record.js";

const GET_ATTR = {
  name: "getAttr",
  description: "Returns the property name of obj (a method comes back bound to obj).",
} as const;
const CALL = {
  name: "call",
  description:
    "Calls the function fn with the arguments args_0, args_1, … and returns its result (this: the object a method was read from).",
} as const;
const CALL_METHOD = {
  name: "callMethod",
  description:
    "Calls the method name of obj (with obj as this) with the arguments args_0, args_1, … and returns its result.",
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

/**
 * The objects that bound methods returned by `getAttr` belong to, by the bound function: a later
 * `call` of such a method records the object node as its `this` input (a direct parent).
 */
const boundTo = new WeakMap<(...args: never[]) => unknown, Node>();

/**
 * `obj[name]`. A method comes back bound to `obj` (as `obj.name` would be called in JavaScript),
 * so `getAttr(x, "add")` followed by `call(method, y)` runs `x.add(y)`; that call records the
 * object node as an input named `this`, so feedback on the result reaches the object directly.
 */
export function getAttr<T, K extends keyof T & string>(
  obj: MaybeNode<T>,
  name: MaybeNode<K>,
): MessageNode<T[K]> {
  // a field holding a node (or nodes in a container) of an object that is not searched itself (a
  // class instance) gives its value, and the node becomes an input named after the field
  const held = ownField(obj instanceof Node ? obj._data : obj, name instanceof Node ? name._data : name);
  const inputs: { obj: MaybeNode<T>; name: MaybeNode<K>; [field: string]: unknown } = { obj, name };
  const field = `obj.${String(name instanceof Node ? name._data : name)}`;
  if (holdsNodes(held)) inputs[field] = held;
  const out = recordOp(GET_ATTR, inputs, (v) => {
    const o = v.obj as T;
    if (o === null || o === undefined)
      throw new TypeError(`cannot read property '${String(v.name)}' of ${o}`);
    if (field in v) return (v as Record<string, unknown>)[field] as T[K];
    const value = o[v.name as K];
    if (typeof value !== "function" || isClass(value)) return value;
    return (value as (...args: unknown[]) => unknown).bind(o) as T[K];
  });
  const value = out._data;
  const objNode = out.inputs.obj;
  if (typeof value === "function" && objNode !== undefined)
    boundTo.set(value as (...args: never[]) => unknown, objNode);
  return out;
}

/** An own data property of an object (no getter is run), or undefined. */
function ownField(target: unknown, key: unknown): unknown {
  if ((typeof target !== "object" && typeof target !== "function") || target === null) return undefined;
  if (typeof key !== "string" && typeof key !== "number" && typeof key !== "symbol") return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor !== undefined && "value" in descriptor ? descriptor.value : undefined;
}

function isClass(fn: unknown): boolean {
  return typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * Calls the function held by `fn` (a node or a function) with the given arguments. When `fn` is a
 * method obtained with `getAttr`, the object it belongs to is recorded as the input `this`.
 */
export function call<A extends unknown[], R>(
  fn: MaybeNode<(...args: A) => R>,
  ...args: { [I in keyof A]: MaybeNode<A[I]> }
): MessageNode<R> {
  const inputs: Record<string, unknown> = { fn };
  const f = fn instanceof Node ? fn._data : fn;
  const self = typeof f === "function" ? boundTo.get(f as (...args: never[]) => unknown) : undefined;
  if (self !== undefined) inputs.this = self;
  args.forEach((a, i) => {
    inputs[`args_${i}`] = a;
  });
  return recordOp(CALL, inputs, (v) => {
    const f = v.fn as (...a: unknown[]) => R;
    if (typeof f !== "function") throw new TypeError(`call(): fn is not a function but ${typeof f}`);
    return f(...args.map((_, i) => v[`args_${i}`]));
  });
}

/** Method names of `T` (properties holding functions). */
export type MethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/**
 * Calls the method `name` of the value `obj` holds, with `obj`'s value as `this`: Python Trace's
 * `node.call("method", ...)`. The object, the method name and each argument are inputs (`obj`,
 * `name`, `args_0`, …), so feedback on the result reaches the object directly. A missing method
 * fails as an `ExecutionError`. The method may change the object (as it would untraced).
 */
export function callMethod<T, K extends MethodName<T>>(
  obj: MaybeNode<T>,
  name: K,
  ...args: T[K] extends (...a: infer A) => unknown ? { [I in keyof A]: MaybeNode<A[I]> } : never
): MessageNode<T[K] extends (...a: never[]) => infer R ? R : never> {
  type R = T[K] extends (...a: never[]) => infer Out ? Out : never;
  const inputs: Record<string, unknown> = { obj, name };
  (args as readonly unknown[]).forEach((a, i) => {
    inputs[`args_${i}`] = a;
  });
  return recordOp(CALL_METHOD, inputs, (v) => {
    const o = v.obj as Record<string, unknown> | null | undefined;
    if (o === null || o === undefined) throw new TypeError(`cannot call method '${name}' of ${o}`);
    const method = o[name];
    if (typeof method !== "function")
      throw new TypeError(`${describeValue(o)} has no method '${name}' (found ${typeof method})`);
    return Reflect.apply(
      method,
      o,
      (args as readonly unknown[]).map((_, i) => v[`args_${i}`]),
    ) as R;
  });
}

function describeValue(value: object): string {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === "string" && ctor !== "" ? `the ${ctor}` : "the value";
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
