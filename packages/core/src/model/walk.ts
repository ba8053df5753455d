import type { CodeSlot } from "../bundle/code-slot.js";
import { bundledMethods, bundleOf, methodSlot } from "../bundle/registry.js";
import { Node, ParameterNode } from "../graph/node.js";
import { isModel } from "./marker.js";

/** A model's trainable parameter with its name (its path in the model). */
export interface NamedParameter {
  /** Path in the model: `prompt`, `retriever.prompt`, `tools.0.prompt`, `experts["a.b"].prompt`, `answer` (a method's code). */
  readonly name: string;
  /** The parameter. */
  readonly parameter: ParameterNode;
  /** `code` for the source of a bundled function or method, `value` otherwise. */
  readonly kind: "code" | "value";
  /**
   * @internal The code slot behind a code parameter (its bundle definition and compiled code), for
   * `exportSource()` and `clone()`.
   */
  readonly slot?: CodeSlot;
}

const PLAIN_SEGMENT = /^(#?[A-Za-z_$][A-Za-z0-9_$]*|\d+)$/;

/** Appends a path segment: `a.b`, or `a["x.y"]` when the segment is not a plain identifier. */
export function joinPath(prefix: string, segment: string): string {
  if (PLAIN_SEGMENT.test(segment)) return prefix === "" ? segment : `${prefix}.${segment}`;
  return `${prefix}[${JSON.stringify(segment)}]`;
}

/**
 * A model's trainable parameters in a stable order, each once (under the first name it is reached
 * by): for each own enumerable field in declaration order — a trainable `ParameterNode`, a trainable
 * bundled function, a nested model, or an array, Map or plain object of these (arrays and Maps
 * include their subclasses `ParameterList` and `ParameterMap`) — then the code of each trainable
 * `@bundle` instance method (base class first, in declaration order; static methods belong to the
 * class, not to an instance, and are not listed). Objects of other classes are not searched.
 *
 * Map keys are searched too: a key that is an object or a function (a trainable node, a model, a
 * bundled function, a container) has no string to be named by, so it is named by its position,
 * `tools.#key0` for the first entry's key (the entry's value is `tools["#0"]` when its key is not a
 * string or number).
 *
 * A trainable value made without a `name` (`node("…", { trainable: true })`) is named after the
 * field that holds it the first time it is listed: the field `systemPrompt` gives the name
 * `systemPrompt:0` and the key `systemPrompt0` (indices are counted per name, so keys stay
 * unique), which is what optimizers show the model instead of `str0`. A key that was already read
 * (shown in a problem view) is kept. Saved states are keyed by the field path, not by the node
 * name, so they are unaffected.
 */
export function namedParametersOf(root: object): NamedParameter[] {
  return walk({ model: root });
}

/** Walks a model (its fields and bundled methods) or any value. */
function walk(root: { readonly model: object } | { readonly value: unknown }): NamedParameter[] {
  const out: NamedParameter[] = [];
  const seenParams = new Set<ParameterNode>();
  const seenObjects = new Set<object>();

  const emit = (
    name: string,
    parameter: ParameterNode | undefined,
    kind: "code" | "value",
    slot?: CodeSlot,
  ): void => {
    if (parameter === undefined || !parameter.trainable || seenParams.has(parameter)) return;
    seenParams.add(parameter);
    out.push(slot ? { name, parameter, kind, slot } : { name, parameter, kind });
  };

  const visitValue = (value: unknown, path: string, field: string): void => {
    if (value instanceof ParameterNode) {
      if (value.trainable && !seenParams.has(value) && field !== "") value._nameAfter(field);
      emit(path, value, value.info.code === true ? "code" : "value");
      return;
    }
    if (value instanceof Node) return;
    if (typeof value === "function") {
      const found = bundleOf(value);
      if (found?.slot?.trainable) emit(path, found.slot.parameter, "code", found.slot);
      return;
    }
    if (typeof value !== "object" || value === null || seenObjects.has(value)) return;
    if (isModel(value)) {
      visitObject(value, path, true);
    } else if (Array.isArray(value)) {
      seenObjects.add(value);
      value.forEach((item, i) => {
        visitValue(item, joinPath(path, String(i)), field);
      });
    } else if (value instanceof Map) {
      seenObjects.add(value);
      let i = 0;
      for (const [key, item] of value) {
        // a key that is an object or function may hold parameters too: named by its position
        if ((typeof key === "object" && key !== null) || typeof key === "function")
          visitValue(key, joinPath(path, `#key${i}`), field);
        const segment = typeof key === "string" || typeof key === "number" ? String(key) : `#${i}`;
        visitValue(item, joinPath(path, segment), typeof key === "string" ? key : field);
        i++;
      }
    } else if (isPlainObject(value)) {
      visitObject(value, path, false);
    }
  };

  const visitObject = (obj: object, prefix: string, asModel: boolean): void => {
    if (seenObjects.has(obj)) return;
    seenObjects.add(obj);
    for (const key of Object.keys(obj))
      visitValue((obj as Record<string, unknown>)[key], joinPath(prefix, key), key);
    if (!asModel) return;
    const ctor = (obj as { constructor?: unknown }).constructor;
    if (typeof ctor !== "function") return;
    for (const m of bundledMethods(ctor as abstract new (...args: never[]) => unknown)) {
      if (m.isStatic || !m.definition.options.trainable) continue;
      const slot = methodSlot(m.definition, obj);
      emit(
        joinPath(prefix, String(typeof m.member === "symbol" ? m.member.description : m.member)),
        slot.parameter,
        "code",
        slot,
      );
    }
  };

  if ("model" in root) visitObject(root.model, "", true);
  else visitValue(root.value, "", "");
  return out;
}

/**
 * The trainable parameters held by any value, as `namedParametersOf` finds them in a model's
 * field: a `ParameterNode`, a bundled function, a model, or an array, Map (keys included) or plain
 * object of these, nested to any depth. Names are paths from the value (`0`, `0.prompt`,
 * `retriever.prompt`, `#key0`); a bare parameter or function is named `""`. Used by the parameter
 * containers (`ParameterList`, `ParameterMap`).
 */
export function namedParametersIn(value: unknown): NamedParameter[] {
  return walk({ value });
}

/** Whether a value is a plain object (`{}` or `Object.create(null)`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}
