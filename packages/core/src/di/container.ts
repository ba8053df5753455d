/**
 * Dependency injection with tsyringe (registration API only: stage-3 code cannot use tsyringe's
 * constructor-parameter decorators, so dependencies are wired with `useValue`/`useFactory`).
 *
 * Everything swappable lives in tsyringe containers: the default language model (`LANGUAGE_MODEL`,
 * here), the model providers (`providerToken(name)`, see `registry.ts`) and the optimizer factories
 * (`OPTIMIZER_FACTORY`, see `optim/di.ts`). A child container overrides any of them for one
 * experiment and falls back to its parent for the rest. This folder imports `llm/`; `llm/` never
 * imports it.
 */
import "reflect-metadata";
import { type DependencyContainer, type InjectionToken, container as rootContainer } from "tsyringe";
import { NoDefaultLanguageModelError } from "../llm/errors.js";
import type { LanguageModel } from "../llm/types.js";

export type { DependencyContainer, InjectionToken } from "tsyringe";

/** Token under which the default {@link LanguageModel} is registered. */
export const LANGUAGE_MODEL: InjectionToken<LanguageModel> = Symbol.for("trace-ts.LanguageModel");

/** The process-wide root container (tsyringe's global container). */
export function rootTraceContainer(): DependencyContainer {
  return rootContainer;
}

// tsyringe cannot tell a container's parent; the registry needs it to find which container holds a
// provider (see registry.ts). Containers made by createContainer are recorded here.
const parents = new WeakMap<DependencyContainer, DependencyContainer>();

const isContainer = (value: unknown): value is DependencyContainer =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Partial<DependencyContainer>).isRegistered === "function" &&
  typeof (value as Partial<DependencyContainer>).createChildContainer === "function";

/**
 * A new child container: its registrations override the parent's, and anything it lacks is looked
 * up in the parent. Use one per experiment/test so registrations do not leak.
 *
 * @param parent container to inherit from (default: the root container)
 */
export function createContainer(parent: DependencyContainer = rootContainer): DependencyContainer {
  const child = parent.createChildContainer();
  parents.set(child, parent);
  return child;
}

/**
 * The parent of `container` (`undefined` for the root container). Knows the parents of containers
 * made with {@link createContainer}; for one made with `createChildContainer()` directly it reads
 * the `parent` field tsyringe 4 keeps, and assumes the root container when there is none.
 *
 * @param container a container descending from the root container
 */
export function parentContainer(container: DependencyContainer): DependencyContainer | undefined {
  if (container === rootContainer) return undefined;
  const known = parents.get(container);
  if (known !== undefined) return known;
  const internal = (container as unknown as { readonly parent?: unknown }).parent;
  return isContainer(internal) ? internal : rootContainer;
}

/**
 * Registers `model` as the default language model of `container` (replacing an earlier one).
 * A function is called on every resolve, so it can build models lazily.
 *
 * @param container where to register (e.g. from `createContainer()`)
 * @param model the model, or a factory returning it
 */
export function registerLanguageModel(
  container: DependencyContainer,
  model: LanguageModel | ((container: DependencyContainer) => LanguageModel),
): DependencyContainer {
  if (typeof model === "function") container.register(LANGUAGE_MODEL, { useFactory: model });
  else {
    if (model === null || typeof model !== "object" || typeof model.generate !== "function") {
      throw new TypeError("registerLanguageModel: pass a LanguageModel (an object with generate(request))");
    }
    container.register(LANGUAGE_MODEL, { useValue: model });
  }
  return container;
}

/** True when `container` (or an ancestor) has a default model. */
export function hasDefaultLanguageModel(container: DependencyContainer = rootContainer): boolean {
  return container.isRegistered(LANGUAGE_MODEL, true);
}

/**
 * The default language model of `container` (or an ancestor); throws `NoDefaultLanguageModelError`
 * saying how to register one when there is none.
 *
 * @param container where to look (default: the root container)
 */
export function getDefaultLanguageModel(container: DependencyContainer = rootContainer): LanguageModel {
  if (!container.isRegistered(LANGUAGE_MODEL, true)) throw new NoDefaultLanguageModelError();
  return container.resolve<LanguageModel>(LANGUAGE_MODEL);
}
