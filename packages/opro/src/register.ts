import type { DependencyContainer } from "@trace-ts/core";
import {
  type OptimizerRegistration,
  optimizerRegistration,
  type RegisterWithOptions,
} from "@trace-ts/core/optimizer";
import { Opro } from "./opro.js";
import type { OproOptions } from "./options.js";

/** Name under which `registerOpro` registers the optimizer (`TRACE_OPTIMIZER=opro`). */
export const OPRO_NAME = "opro";

/**
 * OPRO's factory and registration (`oproRegistration.factory(options)` builds an
 * `OptimizerFactory`; `oproRegistration.register(container, options)` is `registerOpro`).
 */
export const oproRegistration: OptimizerRegistration<OproOptions> = optimizerRegistration(
  OPRO_NAME,
  (parameters, options: OproOptions) => new Opro(parameters, options),
);

/** Options of `registerOpro`: the optimizer's options plus `asDefault` (default true). */
export type RegisterOproOptions = RegisterWithOptions<OproOptions>;

/**
 * Registers OPRO in `container` under the name `opro` (and, unless `asDefault: false`, as the
 * default optimizer), so `createOptimizer(parameters, container)` builds it and
 * `useOptimizer(container, "opro")` / `TRACE_OPTIMIZER=opro` select it. Without a `model` option,
 * the optimizer uses the default model of the container it is created from, looked up at its
 * first step.
 *
 * @example
 * const container = createContainer();
 * registerLanguageModel(container, model);
 * registerOpro(container, { direction: "maximize" });
 * const optimizer = createOptimizer(agent.parameters(), container);
 *
 * @param container the container to register in
 * @param options the optimizer's options, and whether it becomes the default
 */
export function registerOpro(
  container: DependencyContainer,
  options: RegisterOproOptions = {},
): DependencyContainer {
  return oproRegistration.register(container, options);
}
