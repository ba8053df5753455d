import { type DependencyContainer, registerOptimizer } from "@trace-ts/core";
import type { TextGradOptions } from "./options.js";
import { TextGrad } from "./textgrad.js";

/** Name under which `registerTextGrad` registers the optimizer (`TRACE_OPTIMIZER=textgrad`). */
export const TEXTGRAD_NAME = "textgrad";

/** Options of `registerTextGrad`: the optimizer's options plus whether it becomes the default. */
export interface RegisterTextGradOptions extends TextGradOptions {
  /** Also make it the container's default optimizer (default true). */
  readonly asDefault?: boolean;
}

/**
 * Registers TextGrad in `container` under the name `textgrad` (and, unless `asDefault: false`, as
 * the default optimizer), so `createOptimizer(parameters, container)` builds it and
 * `useOptimizer(container, "textgrad")` / `TRACE_OPTIMIZER=textgrad` select it. Without a `model`
 * option, the optimizer uses the default model of the container it is created from, looked up at
 * its first step.
 *
 * @example
 * const container = createContainer();
 * registerModel(container, model);
 * registerTextGrad(container, { objective: "Answer in one sentence." });
 * const optimizer = createOptimizer(agent.parameters(), container);
 */
export function registerTextGrad(
  container: DependencyContainer,
  options: RegisterTextGradOptions = {},
): DependencyContainer {
  const { asDefault, ...optimizerOptions } = options;
  return registerOptimizer(
    container,
    (parameters, from) =>
      new TextGrad(parameters, { ...optimizerOptions, container: optimizerOptions.container ?? from }),
    { name: TEXTGRAD_NAME, asDefault: asDefault ?? true },
  );
}
