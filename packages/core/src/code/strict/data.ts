/**
 * Host side of the data crossing: checks that a host value is JSON-like and turns it into JSON
 * text, and turns replies of the sandbox back into host values.
 *
 * JSON-like means: null, booleans, finite numbers, strings, arrays (no holes, no `undefined`
 * elements) and plain objects (prototype `Object.prototype` or null), nested at most
 * {@link MAX_DATA_DEPTH} levels, without cycles. An object property whose value is `undefined` is
 * left out, as `JSON.stringify` does. Getters are read like data properties.
 *
 * Values cross as JSON text: one string per direction and call, parsed by the native `JSON.parse`
 * on the other side (cheaper than building the value handle by handle through the FFI).
 */
import { types } from "node:util";

/** Deepest nesting of arrays and objects that may cross (deeper data is refused, not truncated). */
export const MAX_DATA_DEPTH = 200;

/** Why a value cannot cross, phrased to follow "cannot cross the sandbox: ". */
export interface DataProblem {
  /** E.g. `it is a function` or `a Map at .items[2]`. */
  readonly problem: string;
}

/** Wraps a problem text found at a path inside a value. */
function problemAt(what: string, path: string): DataProblem {
  return { problem: path === "" ? `it is ${what}` : `${what} at ${path}` };
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** A short description of a value that is not JSON-like ("a Map", "an instance of Node"). */
export function describeNonData(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "number":
      return String(value);
    case "bigint":
      return "a BigInt";
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      break;
  }
  if (value === null || typeof value !== "object") return String(value);
  if (types.isProxy(value)) return "a Proxy";
  if (value instanceof Map) return "a Map";
  if (value instanceof Set) return "a Set";
  if (value instanceof Date) return "a Date";
  if (value instanceof RegExp) return "a RegExp";
  if (value instanceof Promise) return "a Promise";
  if (value instanceof Error) return "an Error";
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    return "binary data (a typed array or buffer)";
  if (Array.isArray(value)) return "an Array subclass";
  const proto = Object.getPrototypeOf(value) as object | null;
  const ctor = proto === null ? undefined : Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  const name = typeof ctor === "function" ? ctor.name : "";
  return name !== "" ? `an instance of ${name}` : "an object with a custom prototype";
}

/** The first reason `value` is not JSON-like, or undefined when it is. `undefined` itself is refused. */
export function findDataProblem(value: unknown): DataProblem | undefined {
  const trail: Array<string | number> = [];
  const what = check(value, 0, [], trail);
  return what === undefined ? undefined : problemAt(what, pathOf(trail));
}

/** The path text of a trail of keys and indexes, e.g. `.items[2]` (built only for a problem). */
function pathOf(trail: ReadonlyArray<string | number>): string {
  let path = "";
  for (const key of trail) path = typeof key === "number" ? `${path}[${key}]` : childPath(path, key);
  return path;
}

/**
 * What is wrong at the end of `trail` (which is left pointing there), or undefined. Paths are
 * tracked as a trail of keys so that valid data pays nothing for error messages.
 */
function check(
  value: unknown,
  depth: number,
  ancestors: object[],
  trail: Array<string | number>,
): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : String(value);
    case "object":
      if (value === null) return undefined;
      break;
    default:
      return describeNonData(value);
  }
  if (depth >= MAX_DATA_DEPTH) return `data nested more than ${MAX_DATA_DEPTH} levels deep`;
  if (ancestors.includes(value)) return "a cycle (a value that contains itself)";
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Array.prototype && Array.isArray(value) && !types.isProxy(value)) {
    ancestors.push(value);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === null || typeof item === "string" || typeof item === "boolean") continue;
      trail.push(i);
      const found =
        item === undefined
          ? i in value
            ? "undefined (use null in arrays)"
            : "an empty array slot"
          : check(item, depth + 1, ancestors, trail);
      if (found !== undefined) return found;
      trail.pop();
    }
    ancestors.pop();
    return undefined;
  }
  if ((proto === Object.prototype || proto === null) && !types.isProxy(value)) {
    ancestors.push(value);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (item === undefined || item === null || typeof item === "string" || typeof item === "boolean")
        continue;
      trail.push(key);
      const found = check(item, depth + 1, ancestors, trail);
      if (found !== undefined) return found;
      trail.pop();
    }
    ancestors.pop();
    return undefined;
  }
  return describeNonData(value);
}

/** JSON text of a JSON-like value, or the reason it is not one. */
export function toJsonText(value: unknown): string | DataProblem {
  const problem = findDataProblem(value);
  return problem ?? JSON.stringify(value);
}

/**
 * The wire form of one value for the sandbox: `u` for undefined, `j<json>` for data, or the
 * problem when the value cannot cross.
 */
export function toReply(value: unknown): string | DataProblem {
  if (value === undefined) return "u";
  const text = toJsonText(value);
  return typeof text === "string" ? `j${text}` : text;
}

/** The wire form of a reply that carries a data problem instead of a value. */
export function dataProblemReply(where: string, problem: string): string {
  return `d${JSON.stringify({ where, problem })}`;
}

/** The wire form of a reply that carries a host error (name and message only) into the sandbox. */
export function errorReply(error: unknown): string {
  const name = error instanceof Error && typeof error.name === "string" ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return `x${JSON.stringify({ name, message })}`;
}

/**
 * The JSON text of a call's arguments: `[values, indexesOfUndefined]` (a whole argument may be
 * `undefined`), or the 0-based index and problem of the first argument that cannot cross.
 */
export function argumentsToJson(
  args: readonly unknown[],
): string | { readonly index: number; readonly problem: string } {
  const parts: string[] = [];
  const undefinedAt: number[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === undefined) {
      undefinedAt.push(i);
      parts.push("null");
      continue;
    }
    const text = toJsonText(arg);
    if (typeof text !== "string") return { index: i, problem: text.problem };
    parts.push(text);
  }
  return `[[${parts.join(",")}],[${undefinedAt.join(",")}]]`;
}

/** Decodes the sandbox's wire form of arguments (see {@link argumentsToJson}). */
export function argumentsFromJson(text: string): unknown[] {
  const [values, undefinedAt] = JSON.parse(text) as [unknown[], number[]];
  for (const i of undefinedAt) values[i] = undefined;
  return values;
}
