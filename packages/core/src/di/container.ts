/**
 * Dependency injection with tsyringe (registration API only: stage-3 code cannot use tsyringe's
 * constructor-parameter decorators, so dependencies are wired with `useValue`/`useFactory`).
 */
import "reflect-metadata";
import { type DependencyContainer, type InjectionToken, container as rootContainer } from "tsyringe";
import { NoDefaultModelError } from "../llm/errors.js";
import type { LanguageModel } from "../llm/types.js";

export type { DependencyContainer, InjectionToken } from "tsyringe";

/** Token under which the default {@link LanguageModel} is registered. */
export const LANGUAGE_MODEL: InjectionToken<LanguageModel> = Symbol.for("trace-ts.LanguageModel");

/** The process-wide root container (tsyringe's global container). */
export function rootTraceContainer(): DependencyContainer {
  return rootContainer;
}

/**
 * A new child container: its registrations override the parent's, and anything it lacks is looked
 * up in the parent. Use one per experiment/test so registrations do not leak.
 *
 * @param parent container to inherit from (default: the root container)
 */
export function createContainer(parent: DependencyContainer = rootContainer): DependencyContainer {
  return parent.createChildContainer();
}

/**
 * Registers `model` as the default language model of `container` (replacing an earlier one).
 * A function is called on every resolve, so it can build models lazily.
 *
 * @param container where to register (e.g. from `createContainer()`)
 * @param model the model, or a factory returning it
 */
export function registerModel(
  container: DependencyContainer,
  model: LanguageModel | ((container: DependencyContainer) => LanguageModel),
): DependencyContainer {
  if (typeof model === "function") container.register(LANGUAGE_MODEL, { useFactory: model });
  else {
    if (model === null || typeof model !== "object" || typeof model.generate !== "function") {
      throw new TypeError("registerModel: pass a LanguageModel (an object with generate(request))");
    }
    container.register(LANGUAGE_MODEL, { useValue: model });
  }
  return container;
}

/** True when `container` (or an ancestor) has a default model. */
export function hasDefaultModel(container: DependencyContainer = rootContainer): boolean {
  return container.isRegistered(LANGUAGE_MODEL, true);
}

/**
 * The default language model of `container` (or an ancestor); throws `NoDefaultModelError`
 * saying how to register one when there is none.
 *
 * @param container where to look (default: the root container)
 */
export function getDefaultModel(container: DependencyContainer = rootContainer): LanguageModel {
  if (!container.isRegistered(LANGUAGE_MODEL, true)) throw new NoDefaultModelError();
  return container.resolve<LanguageModel>(LANGUAGE_MODEL);
}
