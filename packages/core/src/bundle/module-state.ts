import type { ParameterNode } from "../graph/node.js";
import type { LoadStateOptions, ModelState, ParameterState } from "../model/state.js";
import type { CodeSlot } from "./code-slot.js";
import { StateFormatError, StateMismatchError, StateValueError } from "./state-errors.js";

/** The `format` field of every state (of a model or of a bundled function). */
export const MODULE_STATE_FORMAT: ModelState["format"] = "trace-ts/model-state";
/** The state format version this trace-ts writes and reads. */
export const MODULE_STATE_VERSION: ModelState["version"] = 1;

/**
 * Checks that a value is a state in the versioned model-state format (parsing JSON text first):
 * an object with the right `format` and `version` and a `parameters` object whose entries are
 * `{ kind: "code" | "value", value }`. Says nothing about whether it fits a given target.
 *
 * @throws StateFormatError
 */
export function readModuleState(state: unknown): ModelState {
  let value = state;
  if (typeof state === "string") {
    try {
      value = JSON.parse(state);
    } catch (error) {
      throw new StateFormatError(
        `the state text is not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  if (!isRecord(value))
    throw new StateFormatError(`a model state must be an object, got ${describeStateValue(value)}`);
  if (value.format !== MODULE_STATE_FORMAT) {
    throw new StateFormatError(
      `the object is not a trace-ts model state (format is ${JSON.stringify(value.format)}, expected "${MODULE_STATE_FORMAT}")`,
    );
  }
  if (value.version !== MODULE_STATE_VERSION) {
    throw new StateFormatError(
      `unsupported model state version ${JSON.stringify(value.version)} (this trace-ts reads version ${MODULE_STATE_VERSION})`,
    );
  }
  const parameters = value.parameters;
  if (!isRecord(parameters)) throw new StateFormatError("the state's parameters must be an object");
  for (const [name, entry] of Object.entries(parameters)) {
    if (
      !isRecord(entry) ||
      (entry.kind !== "code" && entry.kind !== "value") ||
      !Object.hasOwn(entry, "value")
    ) {
      throw new StateFormatError(`parameter ${name} must be { "kind": "code" | "value", "value": … }`);
    }
  }
  return value as unknown as ModelState;
}

/**
 * The parameters of a bundled function (or of a bundled method on one instance) seen as a module:
 * its code parameter under the bundle's name, or nothing when the bundle is not trainable.
 */
export function bundleParameters(slot: CodeSlot): Map<string, ParameterNode<string>> {
  const p = slot.trainable ? slot.parameter : undefined;
  return p === undefined ? new Map() : new Map([[slot.definition.name, p]]);
}

/**
 * The state of a bundled function: the model-state format with one `code` entry named after the
 * bundle (none when it is not trainable); `model` is the bundle's name.
 */
export function bundleState(slot: CodeSlot): ModelState {
  const parameters: Record<string, ParameterState> = {};
  for (const [name, p] of bundleParameters(slot)) parameters[name] = { kind: "code", value: p._data };
  return {
    format: MODULE_STATE_FORMAT,
    version: MODULE_STATE_VERSION,
    model: slot.definition.name,
    parameters,
  };
}

/**
 * Loads a state into a bundled function: checks the format, the names (the bundle's own name
 * only; it is missing unless `allowMissing`), the kind (code), and the code itself (parse,
 * signature, sandbox rules, compile) before changing anything. On any problem nothing changes.
 *
 * @param state what `state()` returned, or its JSON text
 * @throws StateFormatError, StateMismatchError or StateValueError
 */
export function loadBundleState(slot: CodeSlot, state: unknown, options: LoadStateOptions = {}): void {
  const parsed = readModuleState(state);
  const own = bundleParameters(slot);
  const target = slot.definition.name;
  const entries = Object.entries(parsed.parameters);
  const unknown = entries.map(([name]) => name).filter((name) => !own.has(name));
  const missing = options.allowMissing
    ? []
    : [...own.keys()].filter((name) => !Object.hasOwn(parsed.parameters, name));
  const kinds = entries
    .filter(([name, entry]) => own.has(name) && entry.kind !== "code")
    .map(([name, entry]) => `${name} is code in the bundle but ${entry.kind} in the state`);
  if (unknown.length > 0 || missing.length > 0 || kinds.length > 0) {
    throw new StateMismatchError(target, unknown, missing, kinds, `the same bundled function (${target})`);
  }
  const updates: Array<[ParameterNode<string>, string]> = [];
  for (const [name, entry] of entries) {
    const p = own.get(name)!;
    if (typeof entry.value !== "string") throw new StateValueError([`code of ${name} must be a string`]);
    if (entry.value === p._data) continue;
    const reason = p.validate(entry.value);
    if (reason !== undefined) throw new StateValueError([`${name} was rejected: ${reason}`]);
    updates.push([p, entry.value]);
  }
  for (const [p, value] of updates) p.data = value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

/** A short description of a value's kind for state error messages: `null`, `an array`, `a Map`, `a number`. */
export function describeStateValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `a ${(value as object).constructor?.name ?? "non-plain object"}`;
  return `a ${typeof value}`;
}
