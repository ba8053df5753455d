import "../polyfill.js";
import type { LoadStateOptions } from "../model/state.js";
import { callBundle } from "./call.js";
import { CodeSlot } from "./code-slot.js";
import { type AnyFunction, BundleDefinition } from "./definition.js";
import {
  DecoratorUsageError,
  isLegacyDecoratorCall,
  legacyDecoratorError,
  SourceUnavailableError,
} from "./errors.js";
import { captureDefinitionSite, type DefinitionSite } from "./location.js";
import { bundleParameters, bundleState, loadBundleState } from "./module-state.js";
import { type BundleOptions, type ResolvedBundleOptions, resolveBundleOptions } from "./options.js";
import { markBundled, methodSlot, recordMethod } from "./registry.js";
import { rawSource } from "./source.js";
import { readStateFile, writeStateFile } from "./state-file.js";
import type { BundleableFunction, BundledFunction, BundleHandle, TrainableBundledFunction } from "./types.js";

/** What `@bundle(options)` returns: a TC39 stage-3 method decorator. */
export type BundleMethodDecorator = <This, A extends unknown[], R>(
  value: (this: This, ...args: A) => R,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
) => (this: This, ...args: A) => R;

/**
 * Turns a function into one traced operation. Called with nodes or plain values, it returns a
 * `MessageNode` (a `Promise<MessageNode>` for an async function) whose named inputs are the
 * arguments. With `trainable: true` its source code becomes a parameter an optimizer may rewrite.
 *
 * @example
 * const score = bundle(function score(answer: string, expected: string): number {
 *   return answer.trim() === expected ? 1 : 0;
 * }, { description: "1 when the answer matches" });
 * const s = score(answerNode, "42"); // MessageNode<number>, inputs answer and expected
 *
 * @example
 * // a per-instance trainable function as a class field: types stay exact
 * class Agent {
 *   solve = bundle(function solve(this: Agent, q: string): string { return q; }, { trainable: true });
 * }
 */
export function bundle<F extends BundleableFunction>(
  fn: F,
  options: BundleOptions & { readonly trainable: true },
): TrainableBundledFunction<F>;
/**
 * `bundle(fn, options)` without `trainable: true` (or with a `trainable` that is only known at run
 * time): `parameter` is `ParameterNode<string> | undefined`.
 */
export function bundle<F extends BundleableFunction>(fn: F, options?: BundleOptions): BundledFunction<F>;
/**
 * `@bundle(options)`: a TC39 stage-3 method decorator with the same behavior for methods. Each
 * instance gets its own code parameter. A decorator cannot change the method's declared type, so
 * call bundled methods with nodes through `traced(obj)` (see docs/bundle.md).
 *
 * @example
 * class Agent {
 *   @bundle({ trainable: true })
 *   answer(q: string): string { return q.toUpperCase(); }
 * }
 * const out = traced(new Agent()).answer(node("hi")); // MessageNode<string>
 */
export function bundle(options?: BundleOptions): BundleMethodDecorator;
export function bundle(...args: unknown[]): unknown {
  const [first, second] = args;
  // `@bundle` without parentheses, compiled with experimentalDecorators: (target, key, descriptor),
  // always three arguments (a function first is a static member's class, not `bundle(fn, options)`)
  if (
    (typeof second === "string" || typeof second === "symbol") &&
    (typeof first !== "function" || args.length >= 3)
  ) {
    if (isLegacyDecoratorCall(args)) throw legacyDecoratorError("@bundle", args);
  }
  if (typeof first === "function") {
    if (isDecoratorContext(second)) {
      throw new DecoratorUsageError("@bundle", "write @bundle() with parentheses (it takes options)");
    }
    return bundleFunction(first as AnyFunction, second, captureDefinitionSite(bundle));
  }
  const resolved = resolveBundleOptions("@bundle", first);
  const decorator = (...decoratorArgs: unknown[]): unknown => {
    if (isLegacyDecoratorCall(decoratorArgs)) throw legacyDecoratorError("@bundle", decoratorArgs);
    return decorateMethod(
      decoratorArgs[0] as AnyFunction,
      decoratorArgs[1] as ClassMethodDecoratorContext,
      resolved,
      captureDefinitionSite(decorator),
    );
  };
  return decorator;
}

function isDecoratorContext(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value as { addInitializer?: unknown }).addInitializer === "function"
  );
}

function bundleFunction(fn: AnyFunction, options: unknown, site: DefinitionSite): unknown {
  const resolved = resolveBundleOptions(`bundle(${fn.name || "function"})`, options);
  const name = resolved.name ?? (fn.name || "bundle");
  if (resolved.trainable && rawSource(fn) === undefined) throw new SourceUnavailableError(name);
  const definition = new BundleDefinition(fn, name, resolved, "function", site);
  const slot = new CodeSlot(definition);
  const bundled = function (this: unknown, ...args: unknown[]): unknown {
    return callBundle(slot, this, args, true);
  };
  Object.defineProperty(bundled, "name", { value: name, configurable: true });
  attachHandle(bundled, slot);
  markBundled(bundled, definition, slot);
  return bundled;
}

function decorateMethod(
  value: AnyFunction,
  context: ClassMethodDecoratorContext,
  resolved: ResolvedBundleOptions,
  site: DefinitionSite,
): AnyFunction {
  if (context?.kind !== "method") {
    throw new DecoratorUsageError(
      "@bundle",
      `it decorates methods, not ${String(context?.kind ?? typeof context)}s; for a field write name = bundle(function name(...) { ... }, options)`,
    );
  }
  const member = context.name;
  const name = resolved.name ?? (typeof member === "symbol" ? (member.description ?? "bundle") : member);
  if (resolved.trainable && rawSource(value) === undefined) throw new SourceUnavailableError(name);
  const definition = new BundleDefinition(value, name, resolved, "method", site);
  recordMethod(context.metadata, {
    member,
    definition,
    isStatic: context.static,
    isPrivate: context.private,
  });
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    return callBundle(methodSlot(definition, this), this, args, false);
  };
  Object.defineProperty(wrapper, "name", {
    value: typeof member === "symbol" ? `[${member.description}]` : member,
    configurable: true,
  });
  markBundled(wrapper, definition);
  return wrapper as AnyFunction;
}

/**
 * Adds the `BundleHandle` members to a callable, forwarding to a code slot: source access, the
 * module methods (`parameters()`, `state()`, `save()`…) and the source location.
 */
export function attachHandle(target: object, slot: CodeSlot): void {
  const handle: { [K in keyof BundleHandle]: PropertyDescriptor } = {
    trainable: { get: () => slot.trainable, enumerable: false },
    parameter: { get: () => slot.parameter, enumerable: false },
    getSource: { value: () => slot.getSource(), enumerable: false },
    setSource: { value: (source: string) => slot.setSource(source), enumerable: false },
    lastWorkingSource: { get: () => slot.lastWorkingSource, enumerable: false },
    rollback: { value: () => slot.rollback(), enumerable: false },
    parameters: { value: () => [...bundleParameters(slot).values()], enumerable: false },
    namedParameters: { value: () => bundleParameters(slot), enumerable: false },
    state: { value: () => bundleState(slot), enumerable: false },
    loadState: {
      value: (state: unknown, options?: LoadStateOptions) => loadBundleState(slot, state, options),
      enumerable: false,
    },
    save: { value: (path: string) => writeStateFile(path, bundleState(slot)), enumerable: false },
    load: {
      value: async (path: string, options?: LoadStateOptions) =>
        loadBundleState(slot, await readStateFile(path), options),
      enumerable: false,
    },
    sourceLocation: { get: () => slot.definition.sourceLocation, enumerable: false },
  };
  Object.defineProperties(target, handle);
}
