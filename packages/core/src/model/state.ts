import { describeStateValue, readModuleState as readState } from "../bundle/module-state.js";
import { StateMismatchError, StateValueError } from "./errors.js";
import { isPlainObject, type NamedParameter, namedParametersOf } from "./walk.js";

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One parameter in a saved state. */
export interface ParameterState {
  /** `code` for a function's source, `value` otherwise. */
  readonly kind: "code" | "value";
  /** The parameter's value (a source string for code). */
  readonly value: JsonValue;
}

/**
 * A model's trainable state as plain JSON: every trainable parameter's value and every trainable
 * function's source, by name. Portable across processes and machines (no class instances, no
 * functions); load it into an instance of the same model class with `loadState()`.
 */
export interface ModelState {
  /** Always `trace-ts/model-state`. */
  readonly format: typeof STATE_FORMAT;
  /** Format version (1). */
  readonly version: typeof STATE_VERSION;
  /** Class name of the model that produced it (informational). */
  readonly model: string;
  /** Parameters by name (see `namedParameters()`). */
  readonly parameters: Readonly<Record<string, ParameterState>>;
}

/** Options of `loadState()` and `load()`. */
export interface LoadStateOptions {
  /** Keep the current value of parameters the state does not mention (default false: an error). */
  readonly allowMissing?: boolean;
}

/** The `format` field of every model state. */
export const STATE_FORMAT = "trace-ts/model-state";
/** The current state format version. */
export const STATE_VERSION = 1;

/**
 * The state of a model: every trainable parameter's value (which must be JSON: strings, finite
 * numbers, booleans, null, arrays and plain objects of these) and every trainable function's source.
 *
 * @throws StateValueError when a value cannot be represented as JSON
 */
export function stateOf(model: object): ModelState {
  const parameters: Record<string, ParameterState> = {};
  const problems: string[] = [];
  for (const p of namedParametersOf(model)) {
    const value = p.parameter._data;
    const problem = jsonProblem(value);
    if (problem !== undefined) {
      problems.push(
        `parameter ${p.name} holds ${problem}, which JSON cannot represent (store plain data in trainable parameters)`,
      );
      continue;
    }
    parameters[p.name] = { kind: p.kind, value: structuredClone(value) as JsonValue };
  }
  if (problems.length > 0) throw new StateValueError(problems);
  return { format: STATE_FORMAT, version: STATE_VERSION, model: className(model), parameters };
}

/**
 * Loads a state into a model: checks everything first (format, unknown and missing names, code or
 * value kinds, each parameter's own validation — code is parsed, signature-checked and compiled),
 * then sets all values. On any problem nothing changes.
 *
 * @param state what `state()` returned, or its JSON text
 * @throws StateFormatError, StateMismatchError or StateValueError
 */
export function loadStateInto(model: object, state: unknown, options: LoadStateOptions = {}): void {
  const parsed = readState(state);
  const params = namedParametersOf(model);
  const byName = new Map<string, NamedParameter>(params.map((p) => [p.name, p]));
  const entries = Object.entries(parsed.parameters);
  const unknown = entries.map(([name]) => name).filter((name) => !byName.has(name));
  const missing = options.allowMissing
    ? []
    : params.map((p) => p.name).filter((name) => !Object.hasOwn(parsed.parameters, name));
  const kindProblems: string[] = [];
  for (const [name, entry] of entries) {
    const target = byName.get(name);
    if (target !== undefined && target.kind !== entry.kind) {
      kindProblems.push(
        `${name} is ${target.kind === "code" ? "code" : "a value"} in the model but ${entry.kind} in the state`,
      );
    }
  }
  if (unknown.length > 0 || missing.length > 0 || kindProblems.length > 0) {
    throw new StateMismatchError(className(model), unknown, missing, kindProblems);
  }
  const updates: Array<[NamedParameter, unknown]> = [];
  const problems: string[] = [];
  for (const [name, entry] of entries) {
    const target = byName.get(name)!;
    if (entry.kind === "code" && typeof entry.value !== "string") {
      problems.push(`code of ${name} must be a string`);
      continue;
    }
    const value: unknown = structuredClone(entry.value);
    if (Object.is(value, target.parameter._data)) continue;
    const reason = target.parameter.validate(value);
    if (reason !== undefined) {
      problems.push(`${name} was rejected: ${reason}`);
      continue;
    }
    updates.push([target, value]);
  }
  if (problems.length > 0) throw new StateValueError(problems);
  for (const [target, value] of updates) target.parameter.data = value;
}

/** Why a value is not plain JSON data, or undefined when it is. */
export function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 200) return "data nested too deeply";
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `the number ${value}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const p = jsonProblem(item, depth + 1);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const item of Object.values(value)) {
      const p = jsonProblem(item, depth + 1);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  return describeStateValue(value);
}

function className(model: object): string {
  return (model as { constructor?: { name?: string } }).constructor?.name || "model";
}
