import "../polyfill.js";

const MODEL = Symbol("trace-ts.model");

type Metadata = Record<PropertyKey, unknown>;

/**
 * Marks a class as a model (what `@model` does): in its decorator metadata, and with a brand on
 * its prototype that every subclass inherits.
 *
 * The prototype brand is what `isModel` reads, because decorator metadata is not reliably
 * inherited: swc (jest's compiler here) creates the metadata of a subclass that has member
 * decorators but no class decorator without chaining it to the base class's metadata, so
 * `Sub[Symbol.metadata][MODEL]` is missing there although tsc's output has it.
 */
export function markModelClass(
  cls: abstract new (...args: never[]) => object,
  metadata: DecoratorMetadataObject,
): void {
  (metadata as Metadata)[MODEL] = true;
  const proto = cls.prototype as object | null | undefined;
  // a prototype frozen by an earlier decorator cannot take the brand (it is a model anyway when it
  // extends Model, whose prototype is branded)
  if (typeof proto === "object" && proto !== null && Object.isExtensible(proto)) brandPrototype(proto);
}

/** Marks a prototype as a model's (used by the `Model` base class and `@model`). */
export function brandPrototype(proto: object): void {
  if (Object.hasOwn(proto, MODEL)) return;
  Object.defineProperty(proto, MODEL, { value: true });
}

/**
 * Whether a value is an instance of a model class: a class decorated with `@model`, a subclass of
 * `Model`, or any subclass of these at any depth, decorated or not, whichever compiler (tsc or swc)
 * emitted the decorators (it reads the prototype brand, which every subclass inherits).
 */
export function isModel(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  return (value as Metadata)[MODEL] === true;
}
