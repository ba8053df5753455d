import "../polyfill.js";
import { DecoratorUsageError, isLegacyDecoratorCall, legacyDecoratorError } from "../bundle/errors.js";
import type { ParameterNode } from "../graph/node.js";
import { type CloneOptions, cloneModel } from "./clone.js";
import { NotAModelError } from "./errors.js";
import { exportModelSource } from "./export-source.js";
import { brandPrototype, isModel, markModelClass } from "./marker.js";
import { loadModel, saveModel } from "./persist.js";
import { type LoadStateOptions, loadStateInto, type ModelState, stateOf } from "./state.js";
import { namedParametersOf } from "./walk.js";

/** The methods every model has (from `Model`, or installed by `@model`). */
export interface ModelMethods {
  /**
   * The trainable parameters: own trainable nodes, the code of trainable bundled methods and
   * functions, nested models, and arrays, Maps (keys included) and plain objects of these; each
   * once, in a stable order (fields in declaration order, then bundled instance methods base class
   * first), for any chain of `@model` classes and `Model` subclasses, decorated or not.
   */
  parameters(): ParameterNode[];
  /** The same parameters by name (their path in the model: `prompt`, `retriever.prompt`, `tools.0.prompt`, `answer`). */
  namedParameters(): Map<string, ParameterNode>;
  /** Every trainable value and every trainable function's source, as plain JSON (see `ModelState`). */
  state(): ModelState;
  /**
   * Loads a state (the object or its JSON text): everything is checked first (unknown or missing
   * names, code/value kinds, code compiles and keeps its signature), then applied; on any problem
   * nothing changes.
   */
  loadState(state: ModelState | string, options?: LoadStateOptions): void;
  /** Writes `state()` as JSON to a file, atomically. */
  save(path: string): Promise<void>;
  /** Reads a file written by `save()` and loads it. */
  load(path: string, options?: LoadStateOptions): Promise<void>;
  /** A copy of the model with copied (default) or shared parameters (see `CloneOptions`). */
  clone(options?: CloneOptions<this>): this;
  /** The learned values and code as an ES module text (values as JSON, code as written). */
  exportSource(): string;
}

/**
 * Base class of agent models: gives subclasses typed `parameters()`, `state()`, `loadState()`,
 * `save()`, `load()`, `clone()` and `exportSource()`. Decorating a class with `@model` instead
 * installs the same methods at runtime (reach them with types through `asModel(obj)`).
 *
 * @example
 * class Agent extends Model {
 *   prompt = node("Answer briefly.", { trainable: true });
 *   @bundle({ trainable: true }) answer(q: string): string { return q; }
 * }
 * const agent = new Agent();
 * agent.parameters(); // [prompt, the code of answer]
 */
export class Model implements ModelMethods {
  /** See `ModelMethods.parameters`. */
  parameters(): ParameterNode[] {
    return namedParametersOf(this).map((p) => p.parameter);
  }

  /** See `ModelMethods.namedParameters`. */
  namedParameters(): Map<string, ParameterNode> {
    return new Map(namedParametersOf(this).map((p) => [p.name, p.parameter]));
  }

  /** See `ModelMethods.state`. */
  state(): ModelState {
    return stateOf(this);
  }

  /** See `ModelMethods.loadState`. */
  loadState(state: ModelState | string, options?: LoadStateOptions): void {
    loadStateInto(this, state, options);
  }

  /** See `ModelMethods.save`. */
  save(path: string): Promise<void> {
    return saveModel(this, path);
  }

  /** See `ModelMethods.load`. */
  load(path: string, options?: LoadStateOptions): Promise<void> {
    return loadModel(this, path, options);
  }

  /** See `ModelMethods.clone`. */
  clone(options?: CloneOptions<this>): this {
    return cloneModel(this, options);
  }

  /** See `ModelMethods.exportSource`. */
  exportSource(): string {
    return exportModelSource(this);
  }
}
brandPrototype(Model.prototype);

const MODEL_METHOD_NAMES = [
  "parameters",
  "namedParameters",
  "state",
  "loadState",
  "save",
  "load",
  "clone",
  "exportSource",
] as const satisfies readonly (keyof ModelMethods)[];

/**
 * `@model`: a TC39 stage-3 class decorator marking an agent class as a model. Nested models are
 * found by `parameters()`; classes that do not extend `Model` get its methods installed (methods
 * the class defines itself are kept). A decorator cannot change the class's type: extend `Model`
 * for typed methods, or use `asModel(obj)`.
 *
 * @example
 * ```ts
 * @model
 * class Retriever { prompt = node("Find documents about", { trainable: true }); }
 * asModel(new Retriever()).state();
 * ```
 */
export function model<C extends abstract new (...args: never[]) => object>(
  value: C,
  context: ClassDecoratorContext<C>,
): C {
  if (context?.kind !== "class") {
    // compiled with experimentalDecorators: (constructor) for a class, (target, key, descriptor) for a member
    const legacy: unknown[] = context === undefined ? [value] : [value, context];
    if (isLegacyDecoratorCall(legacy)) throw legacyDecoratorError("@model", legacy);
    throw new DecoratorUsageError(
      "@model",
      `it decorates classes, not ${String(context?.kind ?? typeof context)}s`,
    );
  }
  markModelClass(value, context.metadata);
  const proto = value.prototype as Record<string, unknown>;
  if (!(proto instanceof Model)) {
    for (const name of MODEL_METHOD_NAMES) {
      if (name in proto) continue;
      Object.defineProperty(proto, name, {
        value: Model.prototype[name],
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
  return value;
}

/**
 * A model instance typed with the model methods (for `@model` classes that do not extend `Model`).
 *
 * @throws NotAModelError when `obj` is not a model
 */
export function asModel<T extends object>(obj: T): T & ModelMethods {
  if (!isModel(obj))
    throw new NotAModelError(
      `${(obj as { constructor?: { name?: string } }).constructor?.name ?? typeof obj}`,
    );
  return obj as T & ModelMethods;
}

export { isModel };
