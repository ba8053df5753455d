import { type DependencyContainer, type OptimizerFactory, registerOptimizer } from "@trace-ts/core";
import { OptoPrimeMulti, type OptoPrimeMultiOptions } from "./multi.js";
import type { OptoPrimeOptions } from "./options.js";
import { OptoPrime } from "./optoprime.js";

/** Name under which `registerOptoPrime` registers OptoPrime (`useOptimizer(c, "optoprime")`). */
export const OPTOPRIME = "optoprime";
/** Name under which `registerOptoPrimeMulti` registers OptoPrimeMulti. */
export const OPTOPRIME_MULTI = "optoprime-multi";

/** Options of `registerOptoPrime`: OptoPrime's options plus whether it becomes the default. */
export interface RegisterOptoPrimeOptions extends OptoPrimeOptions {
  /** Make it the container's default optimizer (`createOptimizer`) (default true). */
  readonly asDefault?: boolean;
}

/** Options of `registerOptoPrimeMulti`: OptoPrimeMulti's options plus whether it becomes the default. */
export interface RegisterOptoPrimeMultiOptions extends OptoPrimeMultiOptions {
  /** Make it the container's default optimizer (`createOptimizer`) (default true). */
  readonly asDefault?: boolean;
}

/**
 * A factory building OptoPrime with `options`; without a `model` option, the model is the
 * default model of the container the factory is called with, looked up at the first step.
 */
export function optoPrimeFactory(options: OptoPrimeOptions = {}): OptimizerFactory {
  return (parameters, container) =>
    new OptoPrime(parameters, { ...options, container: options.container ?? container });
}

/** Like `optoPrimeFactory`, for OptoPrimeMulti. */
export function optoPrimeMultiFactory(options: OptoPrimeMultiOptions = {}): OptimizerFactory {
  return (parameters, container) =>
    new OptoPrimeMulti(parameters, { ...options, container: options.container ?? container });
}

/**
 * Registers OptoPrime in a tsyringe container under the name `optoprime` and, by default, as the
 * container's default optimizer, so training code can write `createOptimizer(params, container)`
 * and the optimizer is chosen by configuration (`useOptimizer(container, "optoprime")`,
 * `TRACE_OPTIMIZER=optoprime`).
 *
 * @example
 * const container = createContainer();
 * registerModel(container, model);
 * registerOptoPrime(container, { memorySize: 3 });
 * const optimizer = createOptimizer(agent.parameters(), container);
 *
 * @param container where to register
 * @param options OptoPrime options used for every optimizer the factory builds, and
 *   `asDefault: false` to register it by name only
 */
export function registerOptoPrime(
  container: DependencyContainer,
  options: RegisterOptoPrimeOptions = {},
): DependencyContainer {
  const { asDefault, ...optimizerOptions } = options;
  return registerOptimizer(container, optoPrimeFactory(optimizerOptions), {
    name: OPTOPRIME,
    asDefault: asDefault ?? true,
  });
}

/**
 * Registers OptoPrimeMulti under the name `optoprime-multi` (and by default as the container's
 * default optimizer); see `registerOptoPrime`.
 *
 * @param container where to register
 * @param options OptoPrimeMulti options used for every optimizer the factory builds, and
 *   `asDefault: false` to register it by name only
 */
export function registerOptoPrimeMulti(
  container: DependencyContainer,
  options: RegisterOptoPrimeMultiOptions = {},
): DependencyContainer {
  const { asDefault, ...optimizerOptions } = options;
  return registerOptimizer(container, optoPrimeMultiFactory(optimizerOptions), {
    name: OPTOPRIME_MULTI,
    asDefault: asDefault ?? true,
  });
}
