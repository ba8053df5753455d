import { attachHandle } from "./bundle.js";
import { callBundle } from "./call.js";
import { NotBundledError } from "./errors.js";
import { bundleOf, methodSlot } from "./registry.js";
import type { Traced } from "./types.js";

const views = new WeakMap<object, object>();

/**
 * A typed view of an object's `@bundle` methods: `traced(agent).answer(node)` calls the bundled
 * method on `agent` and is typed to accept nodes and return a `MessageNode` (a stage-3 decorator
 * cannot change the method's own declared type). Each member is bound to `obj` and also offers
 * the bundle's source access (`getSource()`, `setSource()`, `parameter`, `rollback()`) for this
 * instance. Accessing a member that is not bundled throws `NotBundledError`. The view is cached
 * per object, so calling `traced(this)` inside methods is cheap.
 *
 * @example
 * class Agent {
 *   @bundle() plan(q: string): string { return `plan for ${q}`; }
 *   @bundle() act(plan: string): string { return plan.toUpperCase(); }
 *   run(q: MaybeNode<string>): MessageNode<string> {
 *     const t = traced(this);
 *     return t.act(t.plan(q));
 *   }
 * }
 */
export function traced<T extends object>(obj: T): Traced<T> {
  let view = views.get(obj);
  if (view === undefined) {
    view = makeView(obj);
    views.set(obj, view);
  }
  return view as Traced<T>;
}

function makeView(obj: object): object {
  const members = new Map<PropertyKey, unknown>();
  const className = (typeof obj === "function" ? obj.name : obj.constructor?.name) || "object";
  return new Proxy(Object.create(null) as object, {
    get(_target, key) {
      if (typeof key === "symbol" || key === "then") return undefined;
      const member = Reflect.get(obj, key) as unknown;
      const cached = members.get(key);
      if (cached !== undefined && (cached as { source?: unknown }).source === member) return cached;
      const found = bundleOf(member);
      if (found === undefined) throw new NotBundledError(className, key);
      const slot = found.slot ?? methodSlot(found.definition, obj);
      const bound = (...args: unknown[]): unknown => callBundle(slot, obj, args, true);
      Object.defineProperty(bound, "name", { value: found.definition.name });
      Object.defineProperty(bound, "source", { value: member });
      attachHandle(bound, slot);
      members.set(key, bound);
      return bound;
    },
    has(_target, key) {
      return typeof key === "string" && bundleOf(Reflect.get(obj, key)) !== undefined;
    },
  });
}
