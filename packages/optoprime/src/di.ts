import { type DependencyContainer, type OptimizerFactory, registerOptimizer } from "@trace-ts/core";
import { OptoPrimeMulti, type OptoPrimeMultiOptions } from "./multi.js";
import type { OptoPrimeOptions } from "./options.js";
import { OptoPrime } from "./optoprime.js";

/** Name under which `registerOptoPrime` registers OptoPrime (`useOptimizer(c, "optoprime")`). */
export const OPTOPRIME = "optoprime";
/** Name under which `registerOptoPrimeMulti` registers OptoPrimeMulti. */
export const OPTOPRIME_MULTI = "optoprime-multi";

/** How to register: as the container's default optimizer or only by name. */
export interface RegisterOptoPrimeOptions {
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
 * @param options OptoPrime options used for every optimizer the factory builds
 * @param registration `asDefault: false` registers it by name only
 */
export function registerOptoPrime(
  container: DependencyContainer,
  options: OptoPrimeOptions = {},
  registration: RegisterOptoPrimeOptions = {},
): DependencyContainer {
  return registerOptimizer(container, optoPrimeFactory(options), {
    name: OPTOPRIME,
    asDefault: registration.asDefault ?? true,
  });
}

/**
 * Registers OptoPrimeMulti under the name `optoprime-multi` (and by default as the container's
 * default optimizer); see `registerOptoPrime`.
 *
 * @param container where to register
 * @param options OptoPrimeMulti options used for every optimizer the factory builds
 * @param registration `asDefault: false` registers it by name only
 */
export function registerOptoPrimeMulti(
  container: DependencyContainer,
  options: OptoPrimeMultiOptions = {},
  registration: RegisterOptoPrimeOptions = {},
): DependencyContainer {
  return registerOptimizer(container, optoPrimeMultiFactory(options), {
    name: OPTOPRIME_MULTI,
    asDefault: registration.asDefault ?? true,
  });
}
