import { attachHandle } from "../bundle/bundle.js";
import { callBundle } from "../bundle/call.js";
import { CodeSlot } from "../bundle/code-slot.js";
import { bundledMethods, bundleOf, markBundled, methodSlot, setMethodSlot } from "../bundle/registry.js";
import { Node, ParameterNode } from "../graph/node.js";
import { ParameterList, ParameterMap } from "./containers.js";
import { isModel } from "./marker.js";
import { isPlainObject } from "./walk.js";

/** Options of `clone()`. */
export interface CloneOptions<T> {
  /**
   * `copy` (default): the clone gets new parameters holding copies of the current values and code,
   * so training one does not change the other. `share`: the clone uses the very same parameter
   * nodes (and code parameters), so both learn together.
   */
  readonly parameters?: "copy" | "share";
  /**
   * Makes the fresh instance the clone's fields are copied into (default: an object with the same
   * prototype, no constructor run). Pass `() => new Agent(...)` for classes with `#private` fields,
   * which only a constructor can create.
   */
  readonly create?: () => T;
}

/**
 * A copy of a model: its own fields are copied (nested models, arrays, Maps and plain objects
 * recursively; other values by reference) and its parameters are copied or shared as asked.
 */
export function cloneModel<T extends object>(model: T, options: CloneOptions<T> = {}): T {
  const share = options.parameters === "share";
  const memo = new Map<object, unknown>();

  const cloneParameter = (p: ParameterNode): ParameterNode => {
    if (share) return p;
    const hit = memo.get(p);
    if (hit !== undefined) return hit as ParameterNode;
    const copy = new ParameterNode(structuredCloneOr(p._data), {
      // an unnamed parameter stays unnamed, so the clone's field names it as it did the original
      name: p._unnamed ? undefined : p.name.slice(0, p.name.lastIndexOf(":")),
      description: p.description,
      constraint: p.constraint,
      trainable: p.trainable,
      info: p.info,
      validate: (candidate) => p.validate(candidate),
    });
    memo.set(p, copy);
    return copy;
  };

  const cloneValue = (value: unknown): unknown => {
    if (value instanceof ParameterNode) return cloneParameter(value);
    if (value instanceof Node) return value;
    if (typeof value === "function") {
      const found = bundleOf(value);
      if (share || found?.slot === undefined || !found.slot.trainable) return value;
      const hit = memo.get(value);
      if (hit !== undefined) return hit;
      const slot = new CodeSlot(found.definition);
      copyCode(found.slot, slot);
      const fn = function (this: unknown, ...args: unknown[]): unknown {
        return callBundle(slot, this, args, true);
      };
      Object.defineProperty(fn, "name", { value: found.definition.name, configurable: true });
      attachHandle(fn, slot);
      markBundled(fn, found.definition, slot);
      memo.set(value, fn);
      return fn;
    }
    if (typeof value !== "object" || value === null) return value;
    const hit = memo.get(value);
    if (hit !== undefined) return hit;
    if (isModel(value)) return cloneObject(value, undefined);
    if (Array.isArray(value)) {
      const out: unknown[] = value instanceof ParameterList ? new ParameterList() : [];
      memo.set(value, out);
      for (const item of value) out.push(cloneValue(item));
      return out;
    }
    if (value instanceof Map) {
      const out =
        value instanceof ParameterMap ? new ParameterMap<unknown, unknown>() : new Map<unknown, unknown>();
      memo.set(value, out);
      for (const [k, v] of value) {
        // keys that hold parameters are copied like values; other keys keep their identity (lookups)
        const key = k instanceof ParameterNode || isModel(k) || typeof k === "function" ? cloneValue(k) : k;
        out.set(key, cloneValue(v));
      }
      return out;
    }
    if (isPlainObject(value)) return cloneObject(value, undefined);
    return value;
  };

  const cloneObject = <O extends object>(source: O, create: (() => O) | undefined): O => {
    const target = create ? create() : (Object.create(Object.getPrototypeOf(source) as object | null) as O);
    memo.set(source, target);
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(source))) {
      if ("value" in descriptor) descriptor.value = cloneValue(descriptor.value);
      Object.defineProperty(target, key, descriptor);
    }
    if (isModel(source)) {
      const ctor = (source as { constructor?: unknown }).constructor;
      if (typeof ctor === "function") {
        for (const m of bundledMethods(ctor as abstract new (...args: never[]) => unknown)) {
          if (m.isStatic || !m.definition.options.trainable) continue;
          const from = methodSlot(m.definition, source);
          if (share) setMethodSlot(m.definition, target, from);
          else copyCode(from, methodSlot(m.definition, target));
        }
      }
    }
    return target;
  };

  return cloneObject(model, options.create);
}

/** Gives `to` the current source of `from` (when it differs from the captured source). */
function copyCode(from: CodeSlot, to: CodeSlot): void {
  const source = from.parameter?._data;
  const target = to.parameter;
  if (source !== undefined && target !== undefined && source !== target._data) target.data = source;
}

function structuredCloneOr(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
