import { type DependencyContainer, registerOptimizer } from "@trace-ts/core";
import { Opro } from "./opro.js";
import type { OproOptions } from "./options.js";

/** Name under which `registerOpro` registers the optimizer (`TRACE_OPTIMIZER=opro`). */
export const OPRO_NAME = "opro";

/** Options of `registerOpro`: the optimizer's options plus whether it becomes the default. */
export interface RegisterOproOptions extends OproOptions {
  /** Also make it the container's default optimizer (default true). */
  readonly asDefault?: boolean;
}

/**
 * Registers OPRO in `container` under the name `opro` (and, unless `asDefault: false`, as the
 * default optimizer), so `createOptimizer(parameters, container)` builds it and
 * `useOptimizer(container, "opro")` / `TRACE_OPTIMIZER=opro` select it. Without a `model` option,
 * the optimizer uses the default model of the container it is created from, looked up at its
 * first step.
 *
 * @example
 * const container = createContainer();
 * registerModel(container, model);
 * registerOpro(container, { direction: "maximize" });
 * const optimizer = createOptimizer(agent.parameters(), container);
 */
export function registerOpro(
  container: DependencyContainer,
  options: RegisterOproOptions = {},
): DependencyContainer {
  const { asDefault, ...optimizerOptions } = options;
  return registerOptimizer(
    container,
    (parameters, from) =>
      new Opro(parameters, { ...optimizerOptions, container: optimizerOptions.container ?? from }),
    { name: OPRO_NAME, asDefault: asDefault ?? true },
  );
}
