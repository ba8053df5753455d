import type { DependencyContainer } from "@trace-ts/core";
import { optimizerRegistration, type RegisterWithOptions } from "@trace-ts/core/optimizer";
import type { TextGradOptions } from "./options.js";
import { TextGrad } from "./textgrad.js";

/** Name under which `registerTextGrad` registers the optimizer (`TRACE_OPTIMIZER=textgrad`). */
export const TEXTGRAD_NAME = "textgrad";

/** Options of `registerTextGrad`: the optimizer's options plus whether it becomes the default. */
export type RegisterTextGradOptions = RegisterWithOptions<TextGradOptions>;

const registration = optimizerRegistration(
  TEXTGRAD_NAME,
  (parameters, options: TextGradOptions) => new TextGrad(parameters, options),
);

/**
 * Registers TextGrad in `container` under the name `textgrad` (and, unless `asDefault: false`, as
 * the default optimizer), so `createOptimizer(parameters, container)` builds it and
 * `useOptimizer(container, "textgrad")` / `TRACE_OPTIMIZER=textgrad` select it. Without a `model`
 * option, the optimizer uses the default model of the container it is created from, looked up at
 * its first step.
 *
 * @example
 * const container = createContainer();
 * registerLanguageModel(container, model);
 * registerTextGrad(container, { objective: "Answer in one sentence." });
 * const optimizer = createOptimizer(agent.parameters(), container);
 */
export function registerTextGrad(
  container: DependencyContainer,
  options: RegisterTextGradOptions = {},
): DependencyContainer {
  return registration.register(container, options);
}
