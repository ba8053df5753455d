import { InvalidOptionError, NotJsonValueError } from "../errors/graph-errors.js";
import { validateOptions } from "../util/options.js";
import { Node, type NodeInit, ParameterNode } from "./node.js";

/** Options of `node()`. */
export interface NodeOptions {
  /** Make it a `ParameterNode` an optimizer may change (default false). */
  readonly trainable?: boolean;
  /** Base of the name (`prompt` → `prompt:0`, key `prompt0`); default from the value's type. */
  readonly name?: string;
  /** What the value is, shown to optimizers. */
  readonly description?: string;
  /** A rule the value must keep, shown to optimizers (trainable nodes only). */
  readonly constraint?: string;
}

/**
 * Wraps a value in a node. A node passed in is returned as it is, unless `trainable: true` is
 * asked for and it is not already a trainable parameter: then a new `ParameterNode` holding its
 * value is made. A trainable value must be JSON data (plain objects, arrays, strings, finite
 * numbers, booleans, null), because optimizers read and write it as JSON: anything else (a `Map`,
 * a `Set`, a `Date`, a function, a class instance, `undefined`, a bigint, a symbol, a cycle)
 * throws `NotJsonValueError` naming where it is. For trainable code, use `bundle`.
 *
 * @throws NotJsonValueError, InvalidOptionError
 *
 * @example
 * const prompt = node("Answer briefly.", { trainable: true, description: "system prompt" });
 * const x = node(3); // constant input, name int:N
 */
export function node<T>(value: Node<T>, options: NodeOptions & { trainable: true }): ParameterNode<T>;
export function node<T>(value: T, options: NodeOptions & { trainable: true }): ParameterNode<T>;
export function node<T>(value: Node<T>, options?: NodeOptions): Node<T>;
export function node<T>(value: T, options?: NodeOptions): Node<T>;
export function node<T>(value: T | Node<T>, options: NodeOptions = {}): Node<T> {
  validateOptions("node()", options, {
    trainable: "boolean",
    name: "string",
    description: "string",
    constraint: "string",
  });
  const init: NodeInit = { name: options.name, description: options.description };
  if (options.trainable) {
    if (value instanceof ParameterNode && value.trainable) return value as ParameterNode<T>;
    const data = value instanceof Node ? (value._data as T) : value;
    const name = options.name ?? (value instanceof Node ? value.name.split(":")[0] : undefined);
    const problem = jsonProblem(data, name ?? "value");
    if (problem !== undefined) throw new NotJsonValueError(problem.path, problem.found);
    return new ParameterNode<T>(data, {
      ...init,
      name,
      trainable: true,
      constraint: options.constraint,
    });
  }
  if (value instanceof Node) return value;
  if (options.constraint !== undefined) {
    throw new InvalidOptionError(
      "node()",
      "constraint",
      "only applies to trainable nodes; add trainable: true",
    );
  }
  return new Node<T>(value, init);
}

/** Where a value stops being JSON data, and what is there. */
interface JsonProblem {
  readonly path: string;
  readonly found: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The first place where `value` is not JSON data (depth first), or undefined when all of it is:
 * plain objects (prototype `Object.prototype` or null), arrays, strings, finite numbers, booleans
 * and null, without cycles. Shared (non-cyclic) references are fine.
 *
 * @param value the value to check
 * @param path how the value itself is named in the message
 */
function jsonProblem(
  value: unknown,
  path: string,
  ancestors: Map<object, string> = new Map(),
): JsonProblem | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : { path, found: String(value) };
    case "undefined":
      return { path, found: "undefined" };
    case "bigint":
      return { path, found: `a bigint (${value}n)` };
    case "symbol":
      return { path, found: "a symbol" };
    case "function":
      return {
        path,
        found: /^class[\s{]/.test(Function.prototype.toString.call(value)) ? "a class" : "a function",
      };
  }
  if (value === null) return undefined;
  const object = value as object;
  const seen = ancestors.get(object);
  if (seen !== undefined) return { path, found: `a reference back to ${seen} (a cycle)` };
  const isArray = Array.isArray(object);
  if (!isArray) {
    const proto = Object.getPrototypeOf(object) as object | null;
    if (proto !== Object.prototype && proto !== null) return { path, found: describeObject(object) };
  }
  ancestors.set(object, path);
  try {
    if (isArray) {
      const array = object as readonly unknown[];
      for (let i = 0; i < array.length; i++) {
        const problem = jsonProblem(array[i], `${path}[${i}]`, ancestors);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(object)) {
      const sub = IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      const problem = jsonProblem(item, sub, ancestors);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } finally {
    ancestors.delete(object);
  }
}

function describeObject(object: object): string {
  if (object instanceof Map) return "a Map";
  if (object instanceof Set) return "a Set";
  if (object instanceof Date) return "a Date";
  if (object instanceof RegExp) return "a RegExp";
  if (object instanceof Promise) return "a Promise";
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer)
    return `binary data (${object.constructor.name})`;
  if (object instanceof Node)
    return `a node (${object.name}); pass its data, or the node itself as the value`;
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object"
    ? `an instance of the class ${name}`
    : "an object with a custom prototype";
}
