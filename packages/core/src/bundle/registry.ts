import "../polyfill.js";
import { CodeSlot } from "./code-slot.js";
import type { BundleDefinition } from "./definition.js";

const DEFINITION = Symbol("trace-ts.bundle");
const METHODS = Symbol("trace-ts.bundle-methods");

/** A `@bundle` method recorded in its class's decorator metadata. */
export interface MethodBundle {
  /** The member name (`#name` for private methods). */
  readonly member: string | symbol;
  /** The bundle. */
  readonly definition: BundleDefinition;
  /** Whether the method is static. */
  readonly isStatic: boolean;
  /** Whether the method is `#private`. */
  readonly isPrivate: boolean;
}

type Metadata = Record<PropertyKey, unknown>;

/** Records a `@bundle` method in the class's decorator metadata (an own list per class). */
export function recordMethod(metadata: DecoratorMetadataObject, entry: MethodBundle): void {
  const meta = metadata as Metadata;
  if (!Object.hasOwn(meta, METHODS)) meta[METHODS] = [];
  (meta[METHODS] as MethodBundle[]).push(entry);
}

/**
 * The `@bundle` methods of a class and its ancestors, base class first; a method overridden in a
 * subclass appears once (the subclass's).
 */
export function bundledMethods(cls: abstract new (...args: never[]) => unknown): MethodBundle[] {
  const chain: MethodBundle[][] = [];
  for (
    let c: unknown = cls;
    typeof c === "function" && c !== Function.prototype;
    c = Object.getPrototypeOf(c)
  ) {
    // a class without decorators of its own inherits its base's metadata: read each list once
    if (!Object.hasOwn(c as object, Symbol.metadata)) continue;
    const meta = (c as { [Symbol.metadata]?: Metadata | null })[Symbol.metadata];
    if (meta && Object.hasOwn(meta, METHODS)) chain.push(meta[METHODS] as MethodBundle[]);
  }
  // the most derived declaration of each member wins; output in base-class-first declaration order
  const winners = new Set<MethodBundle>();
  const seen = new Set<string>();
  for (const list of chain) {
    for (const m of list) {
      const key = `${m.isStatic ? "static " : ""}${String(m.member)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      winners.add(m);
    }
  }
  const out: MethodBundle[] = [];
  for (let i = chain.length - 1; i >= 0; i--) for (const m of chain[i]!) if (winners.has(m)) out.push(m);
  return out;
}

/** Marks a wrapper function (a `bundle(fn)` result or a `@bundle` method) with its bundle. */
export function markBundled(fn: object, definition: BundleDefinition, slot?: CodeSlot): void {
  Object.defineProperty(fn, DEFINITION, { value: { definition, slot } });
}

/** The bundle behind a wrapper function, or undefined for any other value. */
export function bundleOf(
  fn: unknown,
): { definition: BundleDefinition; slot: CodeSlot | undefined } | undefined {
  if (typeof fn !== "function") return undefined;
  return (fn as { [DEFINITION]?: { definition: BundleDefinition; slot: CodeSlot | undefined } })[DEFINITION];
}

const methodSlots = new WeakMap<BundleDefinition, WeakMap<object, CodeSlot>>();
const looseSlots = new WeakMap<BundleDefinition, CodeSlot>();

/**
 * The code slot of a bundled method for one instance (`this`), created on first use: each
 * instance has its own code parameter. Calls without an object `this` share one slot.
 */
export function methodSlot(definition: BundleDefinition, self: unknown): CodeSlot {
  if ((typeof self !== "object" && typeof self !== "function") || self === null) {
    let slot = looseSlots.get(definition);
    if (slot === undefined) {
      slot = new CodeSlot(definition);
      looseSlots.set(definition, slot);
    }
    return slot;
  }
  let slots = methodSlots.get(definition);
  if (slots === undefined) {
    slots = new WeakMap();
    methodSlots.set(definition, slots);
  }
  let slot = slots.get(self);
  if (slot === undefined) {
    slot = new CodeSlot(definition);
    slots.set(self, slot);
  }
  return slot;
}

/** Replaces the code slot of a method on one instance (used by `clone()` to share code parameters). */
export function setMethodSlot(definition: BundleDefinition, self: object, slot: CodeSlot): void {
  let slots = methodSlots.get(definition);
  if (slots === undefined) {
    slots = new WeakMap();
    methodSlots.set(definition, slots);
  }
  slots.set(self, slot);
}
