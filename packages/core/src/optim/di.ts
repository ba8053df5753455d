import "reflect-metadata";
import { type DependencyContainer, type InjectionToken, container as rootContainer } from "tsyringe";
import type { ParameterNode } from "../graph/node.js";
import { NoOptimizerError } from "./errors.js";
import type { Optimizer } from "./optimizer.js";

/**
 * Builds an optimizer for a list of parameters. Registered in a tsyringe container so the
 * optimizer is chosen by configuration, not by the code that trains.
 */
export type OptimizerFactory = (
  parameters: readonly ParameterNode[],
  container: DependencyContainer,
) => Optimizer;

/** Token under which the default optimizer factory is registered. */
export const OPTIMIZER_FACTORY: InjectionToken<OptimizerFactory> = Symbol.for("trace-ts.OptimizerFactory");

const namedToken = (name: string): string => `trace-ts.OptimizerFactory:${name}`;

/** Options of `registerOptimizer`. */
export interface RegisterOptimizerOptions {
  /** Also (or only, with `asDefault: false`) register it under this name, for `useOptimizer`. */
  readonly name?: string;
  /** Make it the container's default optimizer (default true). */
  readonly asDefault?: boolean;
}

/**
 * Registers an optimizer factory in `container`: as the default (`OPTIMIZER_FACTORY`) and/or under
 * a name (`optoprime`, `textgrad`, …) that `useOptimizer` or `optimizerFromEnv` can select later.
 */
export function registerOptimizer(
  container: DependencyContainer,
  factory: OptimizerFactory,
  options: RegisterOptimizerOptions = {},
): DependencyContainer {
  if (typeof factory !== "function")
    throw new TypeError("registerOptimizer: factory must be a function (parameters, container) => Optimizer");
  if (options.name !== undefined) container.register(namedToken(options.name), { useValue: factory });
  if (options.asDefault ?? true) container.register(OPTIMIZER_FACTORY, { useValue: factory });
  return container;
}

/** Makes the optimizer registered under `name` the container's default. */
export function useOptimizer(container: DependencyContainer, name: string): DependencyContainer {
  if (!container.isRegistered(namedToken(name), true)) throw new NoOptimizerError(name);
  const factory = container.resolve<OptimizerFactory>(namedToken(name));
  container.register(OPTIMIZER_FACTORY, { useValue: factory });
  return container;
}

/**
 * Selects the default optimizer from the environment variable `TRACE_OPTIMIZER` (e.g.
 * `optoprime`, `textgrad`, `opro`) among those registered by name; without the variable the
 * current default stays.
 */
export function optimizerFromEnv(
  container: DependencyContainer = rootContainer,
  env: Readonly<Record<string, string | undefined>> = process.env,
): DependencyContainer {
  const name = env.TRACE_OPTIMIZER?.trim();
  if (name) useOptimizer(container, name.toLowerCase());
  return container;
}

/** Builds the container's default optimizer for `parameters`. */
export function createOptimizer(
  parameters: Iterable<ParameterNode>,
  container: DependencyContainer = rootContainer,
): Optimizer {
  if (!container.isRegistered(OPTIMIZER_FACTORY, true)) throw new NoOptimizerError();
  return container.resolve<OptimizerFactory>(OPTIMIZER_FACTORY)([...parameters], container);
}
