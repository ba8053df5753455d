import "../polyfill.js";

const MODEL = Symbol("trace-ts.model");

/** Marks a class as a model in its decorator metadata (what `@model` does). */
export function markModelMetadata(metadata: DecoratorMetadataObject): void {
  (metadata as Record<PropertyKey, unknown>)[MODEL] = true;
}

/** Marks a prototype as a model's (used by the `Model` base class). */
export function brandPrototype(proto: object): void {
  Object.defineProperty(proto, MODEL, { value: true });
}

/** Whether a value is an instance of a model class (`@model` or a subclass of `Model`). */
export function isModel(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if ((value as Record<PropertyKey, unknown>)[MODEL] === true) return true;
  const ctor = (value as { constructor?: unknown }).constructor;
  if (typeof ctor !== "function") return false;
  const meta = (ctor as { [Symbol.metadata]?: Record<PropertyKey, unknown> | null })[Symbol.metadata];
  return meta?.[MODEL] === true;
}
