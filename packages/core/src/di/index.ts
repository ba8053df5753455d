/** Dependency injection and model resolution, re-exported from `@trace-ts/core`. */
export {
  createContainer,
  type DependencyContainer,
  getDefaultModel,
  hasDefaultModel,
  type InjectionToken,
  LANGUAGE_MODEL,
  registerModel,
  rootTraceContainer,
} from "./container.js";
export {
  type LazyProvider,
  type ModelFromEnvOptions,
  type ModelSpec,
  modelFromEnv,
  type ProviderFactory,
  type ProviderModelOptions,
  type ProviderModule,
  parseModelSpec,
  type ResolveModelOptions,
  registeredProviders,
  registerProvider,
  resolveModel,
  unregisterProvider,
} from "./registry.js";
