import "reflect-metadata";
import { type DependencyContainer, type InjectionToken, container as rootContainer } from "tsyringe";
import { parentContainer } from "../di/container.js";
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

// tsyringe cannot list a container's tokens: the names registered through this module, per container
const namesByContainer = new WeakMap<DependencyContainer, Set<string>>();

/**
 * Names of the optimizers registered by name (`registerOptimizer(…, { name })`, an optimizer
 * package's `register…`) in `container` and its ancestors, sorted.
 *
 * @param container where to look (default: the root container)
 */
export function registeredOptimizers(container: DependencyContainer = rootContainer): string[] {
  const names = new Set<string>();
  for (let c: DependencyContainer | undefined = container; c !== undefined; c = parentContainer(c)) {
    for (const name of namesByContainer.get(c) ?? []) names.add(name);
  }
  return [...names].filter((name) => container.isRegistered(namedToken(name), true)).sort();
}

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
  if (options.name !== undefined) {
    container.register(namedToken(options.name), { useValue: factory });
    const names = namesByContainer.get(container) ?? new Set<string>();
    namesByContainer.set(container, names);
    names.add(options.name);
  }
  if (options.asDefault ?? true) container.register(OPTIMIZER_FACTORY, { useValue: factory });
  return container;
}

/** Makes the optimizer registered under `name` the container's default. */
export function useOptimizer(container: DependencyContainer, name: string): DependencyContainer {
  if (!container.isRegistered(namedToken(name), true))
    throw new NoOptimizerError(name, registeredOptimizers(container));
  const factory = container.resolve<OptimizerFactory>(namedToken(name));
  container.register(OPTIMIZER_FACTORY, { useValue: factory });
  return container;
}

/**
 * Selects the default optimizer from the environment variable `TRACE_OPTIMIZER` (e.g.
 * `optoprime`, `textgrad`, `opro`) among those registered by name; without the variable the
 * current default stays.
 *
 * @throws NoOptimizerError naming the variable and the registered names when none matches
 */
export function optimizerFromEnv(
  container: DependencyContainer = rootContainer,
  env: Readonly<Record<string, string | undefined>> = process.env,
): DependencyContainer {
  const name = env.TRACE_OPTIMIZER?.trim();
  if (!name) return container;
  const wanted = name.toLowerCase();
  if (!container.isRegistered(namedToken(wanted), true))
    throw new NoOptimizerError(wanted, registeredOptimizers(container), "TRACE_OPTIMIZER");
  return useOptimizer(container, wanted);
}

/** Builds the container's default optimizer for `parameters`. */
export function createOptimizer(
  parameters: Iterable<ParameterNode>,
  container: DependencyContainer = rootContainer,
): Optimizer {
  if (!container.isRegistered(OPTIMIZER_FACTORY, true)) throw new NoOptimizerError();
  return container.resolve<OptimizerFactory>(OPTIMIZER_FACTORY)([...parameters], container);
}

/** Options of an optimizer's `register…` function: its options plus whether it becomes the default. */
export type RegisterWithOptions<O> = O & {
  /** Make it the container's default optimizer (`createOptimizer`) (default true). */
  readonly asDefault?: boolean;
};

/** The factory and registration functions of one optimizer class (see `optimizerRegistration`). */
export interface OptimizerRegistration<O> {
  /** The name it is registered under (`useOptimizer(container, name)`, `TRACE_OPTIMIZER=name`). */
  readonly name: string;
  /**
   * A factory building the optimizer with `options`; without a `container` option, the optimizer
   * takes its default language model from the container the factory is called with.
   */
  factory(options?: O): OptimizerFactory;
  /**
   * Registers the factory in `container` under `name` and, unless `asDefault: false`, as the
   * container's default optimizer.
   */
  register(container: DependencyContainer, options?: RegisterWithOptions<O>): DependencyContainer;
}

/**
 * The factory and `register` function of an optimizer class, so a package needs no registration
 * code of its own.
 *
 * @example
 * const registration = optimizerRegistration("rewrite", (parameters, options: RewriteOptions) => new Rewrite(parameters, options));
 * registration.register(container, { objective: "…" });
 * const optimizer = createOptimizer(agent.parameters(), container);
 *
 * @param name the registration name (lower case, e.g. `optoprime`)
 * @param build builds the optimizer for parameters and options
 */
export function optimizerRegistration<
  O extends {
    /**
     * Container the optimizer takes its default language model from; when absent, the factory
     * fills in the container it is called with.
     */
    readonly container?: DependencyContainer | undefined;
  },
>(
  name: string,
  build: (parameters: readonly ParameterNode[], options: O) => Optimizer,
): OptimizerRegistration<O> {
  const factory = (options: O = {} as O): OptimizerFactory => {
    return (parameters, container) =>
      build(parameters, { ...options, container: options.container ?? container });
  };
  return {
    name,
    factory,
    register(container, options = {} as RegisterWithOptions<O>) {
      const { asDefault, ...rest } = options;
      return registerOptimizer(container, factory(rest as unknown as O), {
        name,
        asDefault: asDefault ?? true,
      });
    },
  };
}
