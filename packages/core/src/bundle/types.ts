import type { MessageNode, ParameterNode, Unwrap } from "../graph/node.js";
import type { WithNodes } from "../graph/unwrap.js";
import type { LoadStateOptions, ModelState } from "../model/state.js";
import type { BundleSourceLocation } from "./location.js";

/**
 * A bundled function's arguments: each may be a plain value, a node holding one, or a container
 * (array, object, Map, Set) holding nodes in place of its items (the body sees the values; the
 * nodes become inputs).
 */
export type TracedArgs<A extends readonly unknown[]> = { [I in keyof A]: WithNodes<Unwrap<A[I]>> };

/**
 * What calling a bundled function returns: a `MessageNode` of the function's (unwrapped) result,
 * or a promise of one for a function that returns a promise.
 */
export type TracedResult<R> = [R] extends [PromiseLike<infer U>]
  ? Promise<MessageNode<Unwrap<U>>>
  : MessageNode<Unwrap<R>>;

/**
 * Source-code access shared by bundled functions and bundled methods (through `traced()`), and
 * the module methods that let a bundle stand alone like a model: list its parameters, save and
 * load its code.
 */
export interface BundleHandle {
  /** Whether the code is a trainable parameter. */
  readonly trainable: boolean;
  /**
   * The code parameter (key like `__code0`): its value is the current source. Undefined when the
   * bundle is not trainable. For a method, each instance has its own.
   */
  readonly parameter: ParameterNode<string> | undefined;
  /**
   * The current source: the code parameter's value, or the captured source (dedented, with 2-space
   * indentation steps whatever the compiler printed).
   */
  getSource(): string;
  /**
   * Checks new source (JavaScript or TypeScript; parse, signature, sandbox rules, strict-mode
   * compile) and makes it the code parameter's value. Throws a typed error and changes nothing
   * when the source is rejected.
   */
  setSource(source: string): void;
  /** The last source that finished a call without error (initially the captured source). */
  readonly lastWorkingSource: string | undefined;
  /** Puts `lastWorkingSource` back into the code parameter; returns whether anything changed. */
  rollback(): boolean;
  /**
   * The trainable parameters, as a model lists them: `[parameter]` (the code) when the bundle is
   * trainable, `[]` otherwise. For a method, this instance's code.
   */
  parameters(): ParameterNode<string>[];
  /** The same parameters by name: the bundle's name (e.g. `summarize`) maps to its code parameter. */
  namedParameters(): Map<string, ParameterNode<string>>;
  /**
   * The code as a model state (the format of `Model.state()`: `format`, `version`, `model` is the
   * bundle's name, one `code` entry named after the bundle; no entry when not trainable).
   */
  state(): ModelState;
  /**
   * Loads a state (the object or its JSON text) written by `state()`/`save()` of a bundle with the
   * same name. Checks everything first — format and version (`StateFormatError`), names and kinds
   * (`StateMismatchError`: a model's state or another bundle's is refused), the code itself
   * (`StateValueError`: parse, signature, sandbox rules, compile) — and only then sets the code; on
   * any problem nothing changes.
   */
  loadState(state: ModelState | string, options?: LoadStateOptions): void;
  /** Writes `state()` as JSON to a file, atomically (temporary file + rename). */
  save(path: string): Promise<void>;
  /**
   * Reads a file written by `save()` and loads it (see `loadState`); `StateFormatError` for a
   * missing, unreadable or non-JSON file.
   */
  load(path: string, options?: LoadStateOptions): Promise<void>;
  /**
   * Where the function or method starts in the user's file, `{ file, line }` (1-based), worked
   * out on first read (it may read the file); undefined when it cannot be found. Code run without
   * source maps reports the compiled file's line.
   */
  readonly sourceLocation: BundleSourceLocation | undefined;
}

/**
 * The handle of a bundle declared with `trainable: true` (a literal `true` in the options): its code
 * parameter always exists, so `parameter` is not `| undefined`.
 */
export interface TrainableBundleHandle extends BundleHandle {
  /** Always true. */
  readonly trainable: true;
  /** The code parameter (key like `__code0`): its value is the current source. */
  readonly parameter: ParameterNode<string>;
  /** The code parameter, alone. */
  parameters(): [ParameterNode<string>];
}

/** Any function `bundle()` accepts (an optional `this` annotation is kept). */
export type BundleableFunction = (...args: never[]) => unknown;

/**
 * A function made by `bundle(fn, options)`: callable with nodes or plain values (same `this`
 * as `fn`), returning a `MessageNode` (or a promise of one), plus source-code access. `H` is
 * `TrainableBundleHandle` when the options said `trainable: true` (then `parameter` is always set).
 */
export type BundledFunction<F extends BundleableFunction, H extends BundleHandle = BundleHandle> = H &
  ((this: ThisParameterType<F>, ...args: TracedArgs<Parameters<F>>) => TracedResult<ReturnType<F>>);

/** A function made by `bundle(fn, { trainable: true, … })`: its `parameter` is always set. */
export type TrainableBundledFunction<F extends BundleableFunction> = BundledFunction<
  F,
  TrainableBundleHandle
>;

/** A `@bundle` method seen through `traced(obj)`: bound to `obj`, typed to take nodes and return nodes. */
export type TracedMethod<A extends unknown[], R> = BundleHandle &
  ((...args: TracedArgs<A>) => TracedResult<R>);

/** Names of the methods `@model` adds; `traced()` leaves them out. */
export type ModelMethodName =
  | "parameters"
  | "namedParameters"
  | "state"
  | "loadState"
  | "save"
  | "load"
  | "clone"
  | "exportSource";

/** How `traced()` types one member: bundled functions keep their type, methods become `TracedMethod`s. */
export type TracedMember<M> = M extends BundleHandle
  ? M
  : M extends (...args: infer A) => infer R
    ? TracedMethod<A, R>
    : never;

/**
 * The typed view `traced(obj)` returns: every method of `T` as a `TracedMethod` (only `@bundle`
 * methods may actually be called; others throw `NotBundledError`), bundled functions held in
 * fields (`answer = bundle(...)`) with their own types, and other members as `never`. A
 * homomorphic mapped type, so `traced(this)` inside a class resolves too.
 */
export type Traced<T> = {
  readonly [K in keyof T]: K extends ModelMethodName ? never : TracedMember<T[K]>;
};
