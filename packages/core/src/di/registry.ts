/**
 * Model registry: turns specifiers such as `openai:gpt-4o-mini`, `anthropic:claude-sonnet-4-6`
 * or `openai-compatible:llama3.1@http://localhost:11434/v1` into models. Core never imports a
 * provider package statically: the built-in providers are loaded with a dynamic `import()` the
 * first time they are asked for, and other providers can be added with `registerProvider`.
 *
 * Providers live in tsyringe containers, one token per name (`providerToken("openai")` is
 * `trace-ts.Provider:openai`). The built-in ones are lazy descriptors in the root container; a
 * child container (`createContainer()`) can override any provider for one experiment, and a lookup
 * walks from the container up to the root. There is no module-level table of providers.
 */
import "reflect-metadata";
import type { DependencyContainer, InjectionToken } from "tsyringe";
import { MissingProviderPackageError, UnknownModelError } from "../llm/errors.js";
import { type WithDefaultsOptions, withDefaults } from "../llm/middleware/defaults.js";
import type { LanguageModel } from "../llm/types.js";
import { parentContainer, rootTraceContainer } from "./container.js";

/** What a provider factory receives besides the model id. */
export interface ProviderModelOptions {
  /** Environment to read API keys from (default `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Explicit API key (wins over the environment). */
  readonly apiKey?: string;
  /** Base URL of the API (for OpenAI-compatible servers, proxies, tests). */
  readonly baseURL?: string;
  /** Per-call timeout in ms (provider default when absent). */
  readonly timeoutMs?: number;
}

/** Builds the model `modelId` of one provider. Throws `MissingApiKeyError` when a key is missing. */
export type ProviderFactory = (
  modelId: string,
  options: ProviderModelOptions,
) => LanguageModel | Promise<LanguageModel>;

/**
 * What a provider package exports for the registry: its factories by provider name
 * (`@trace-ts/openai` exports `openai` and `openai-compatible`).
 */
export interface ProviderModule {
  /** Factories by provider name. */
  readonly modelProviders: Readonly<Record<string, ProviderFactory>>;
}

/** A lazily loaded provider: the npm package whose `modelProviders` export has the factory. */
export interface LazyProvider {
  /** Package to `import()` when the provider is first used. */
  readonly packageName: string;
}

/** What can be registered for a provider name: a factory, or a package to load it from. */
export type ProviderEntry = ProviderFactory | LazyProvider;

/**
 * The tsyringe token a provider is registered under, e.g. `trace-ts.Provider:openai`. Prefer
 * {@link registerProvider}: a value registered under this token directly is found by
 * `resolveLanguageModel` but not listed by {@link registeredProviders}.
 *
 * @param name the provider prefix
 */
export function providerToken(name: string): InjectionToken<ProviderEntry> {
  return `trace-ts.Provider:${name}`;
}

/**
 * Registered by `unregisterProvider`: tsyringe cannot remove a registration, so this one means
 * "nothing here": the lookup goes on to the parent container.
 */
const NONE: unique symbol = Symbol("trace-ts.Provider.none");
type Stored = ProviderEntry | typeof NONE;

const BUILT_IN: Readonly<Record<string, string>> = {
  openai: "@trace-ts/openai",
  "openai-compatible": "@trace-ts/openai",
  anthropic: "@trace-ts/anthropic",
};

const lazyDefault = (name: string): LazyProvider => Object.freeze({ packageName: BUILT_IN[name]! });

// tsyringe cannot list a container's tokens: the names registered through this module, per container
const namesByContainer = new WeakMap<DependencyContainer, Set<string>>();

function namesOf(container: DependencyContainer): Set<string> {
  let names = namesByContainer.get(container);
  if (names === undefined) {
    names = new Set();
    namesByContainer.set(container, names);
  }
  return names;
}

function store(container: DependencyContainer, name: string, value: Stored): void {
  container.register<Stored>(providerToken(name), { useValue: value });
}

/** The container's own registration for `name` (not its ancestors'), if any. */
function ownEntry(container: DependencyContainer, name: string): Stored | undefined {
  const token = providerToken(name);
  return container.isRegistered(token, false) ? container.resolve<Stored>(token) : undefined;
}

/** The entry `name` resolves to from `container`, and the container holding it. */
function lookup(
  container: DependencyContainer,
  name: string,
): { readonly entry: ProviderEntry; readonly holder: DependencyContainer } | undefined {
  const token = providerToken(name);
  for (let c: DependencyContainer | undefined = container; c !== undefined; c = parentContainer(c)) {
    if (!c.isRegistered(token, true)) return undefined; // nowhere up the chain
    const entry = ownEntry(c, name);
    if (entry !== undefined && entry !== NONE) return { entry, holder: c };
  }
  return undefined;
}

// the built-in providers: lazy descriptors in the root container, loaded on first use
for (const name of Object.keys(BUILT_IN)) {
  store(rootTraceContainer(), name, lazyDefault(name));
  namesOf(rootTraceContainer()).add(name);
}

/**
 * Adds (or replaces) a provider in `container`: a factory, or the name of a package exporting
 * `modelProviders` (loaded on first use). Registering in a child container (`createContainer()`)
 * overrides the provider for that container and its descendants only.
 *
 * @example
 * registerProvider("echo", (id) => new ScriptedModel((r) => r.messages.at(-1)!.content, { modelId: id }));
 * const m = await resolveLanguageModel("echo:test");
 *
 * @param name the prefix used in specifiers (`name:model`)
 * @param provider the factory, or `{ packageName }`
 * @param container where to register (default: the root container)
 */
export function registerProvider(
  name: string,
  provider: ProviderFactory | LazyProvider,
  container: DependencyContainer = rootTraceContainer(),
): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new RangeError(
      `registerProvider: provider names are lower-case letters, digits and '-', got "${name}"`,
    );
  }
  if (typeof provider !== "function" && typeof provider?.packageName !== "string") {
    throw new TypeError("registerProvider: pass a factory (modelId, options) => model, or { packageName }");
  }
  store(container, name, provider);
  namesOf(container).add(name);
}

/**
 * Removes the provider `name` registered in `container`. In a child container this removes the
 * child's override, so the parent's provider shows through again; in the root container the
 * built-in ones (`openai`, `openai-compatible`, `anthropic`) go back to their lazily loaded default.
 * Does nothing when `container` itself has no registration for `name`.
 *
 * @param name the provider prefix
 * @param container where it was registered (default: the root container)
 */
export function unregisterProvider(
  name: string,
  container: DependencyContainer = rootTraceContainer(),
): void {
  const root = rootTraceContainer();
  if (container === root && Object.hasOwn(BUILT_IN, name)) {
    store(root, name, lazyDefault(name));
    return;
  }
  const own = ownEntry(container, name);
  if (own !== undefined && own !== NONE) store(container, name, NONE);
  namesByContainer.get(container)?.delete(name);
}

/**
 * Names of the providers visible from `container` (its own and its ancestors'), sorted.
 *
 * @param container where to look (default: the root container)
 */
export function registeredProviders(container: DependencyContainer = rootTraceContainer()): string[] {
  const candidates = new Set<string>();
  for (let c: DependencyContainer | undefined = container; c !== undefined; c = parentContainer(c)) {
    for (const name of namesByContainer.get(c) ?? []) candidates.add(name);
  }
  return [...candidates].filter((name) => lookup(container, name) !== undefined).sort();
}

/** A parsed model specifier. */
export interface ModelSpec {
  /** Provider prefix, e.g. `openai`. */
  readonly provider: string;
  /** Model id, e.g. `gpt-4o-mini`. */
  readonly modelId: string;
  /** Base URL given after `@`, if any. */
  readonly baseURL?: string;
}

const FORMS =
  "use provider:model, e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-6, or " +
  "openai-compatible:<model>@<baseURL> (e.g. openai-compatible:llama3.1@http://localhost:11434/v1)";

/**
 * Parses `provider:model[@baseURL]`. Without a provider prefix, `gpt-*`, `o1*`/`o3*`/`o4*` and
 * `chatgpt-*` mean OpenAI and `claude-*` means Anthropic; anything else is an error.
 *
 * @param spec the specifier
 */
export function parseModelSpec(spec: string): ModelSpec {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new UnknownModelError(String(spec), `empty model specifier: ${FORMS}`);
  }
  let rest = spec.trim();
  let baseURL: string | undefined;
  const at = /^(.+?)@(https?:\/\/\S+)$/.exec(rest);
  if (at) {
    rest = at[1]!;
    baseURL = at[2]!;
  }
  const colon = rest.indexOf(":");
  const prefix = colon > 0 ? rest.slice(0, colon) : undefined;
  if (prefix !== undefined && /^[a-z][a-z0-9-]*$/.test(prefix)) {
    const modelId = rest.slice(colon + 1);
    if (modelId === "")
      throw new UnknownModelError(spec, `no model id after "${prefix}:" in "${spec}": ${FORMS}`);
    return baseURL === undefined ? { provider: prefix, modelId } : { provider: prefix, modelId, baseURL };
  }
  const inferred = /^(gpt-|chatgpt-|o[1-9](-|$))/.test(rest)
    ? "openai"
    : /^claude-/.test(rest)
      ? "anthropic"
      : undefined;
  if (!inferred) throw new UnknownModelError(spec, `cannot tell the provider of "${spec}": ${FORMS}`);
  return baseURL === undefined
    ? { provider: inferred, modelId: rest }
    : { provider: inferred, modelId: rest, baseURL };
}

/** Options of {@link resolveLanguageModel}. */
export interface ResolveLanguageModelOptions {
  /** Environment to read keys from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Explicit API key (wins over the environment). */
  readonly apiKey?: string;
  /** Base URL (the specifier's `@baseURL` wins). */
  readonly baseURL?: string;
  /** Per-call timeout in ms. */
  readonly timeoutMs?: number;
  /**
   * Middleware stack to wrap the model in (see `withDefaults`; default `{}`: retries only, since
   * providers turn their SDK retries off). `false` returns the bare provider model.
   */
  readonly defaults?: WithDefaultsOptions | false;
  /** Container to look the provider up in, then its ancestors (default: the root container). */
  readonly container?: DependencyContainer;
}

async function factoryFor(
  container: DependencyContainer,
  provider: string,
  spec: string,
): Promise<ProviderFactory> {
  const found = lookup(container, provider);
  if (found === undefined) {
    throw new UnknownModelError(
      spec,
      `unknown provider "${provider}" in "${spec}" (known: ${registeredProviders(container).join(", ")}); ` +
        "register it with registerProvider(name, factory)",
    );
  }
  const { entry, holder } = found;
  if (typeof entry === "function") return entry;
  let loaded: unknown;
  try {
    loaded = await import(entry.packageName);
  } catch (error) {
    if (isModuleNotFound(error, entry.packageName)) {
      throw new MissingProviderPackageError(provider, entry.packageName, error);
    }
    throw error;
  }
  const factories = (loaded as Partial<ProviderModule> | undefined)?.modelProviders;
  const factory = factories?.[provider];
  if (typeof factory !== "function") {
    throw new UnknownModelError(
      spec,
      `package ${entry.packageName} does not provide "${provider}" models (its modelProviders export lacks it)`,
    );
  }
  // remember the loaded factory where the lazy entry was, unless it was replaced meanwhile
  if (ownEntry(holder, provider) === entry) store(holder, provider, factory);
  return factory;
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  if (!message.includes(packageName)) return false;
  return (
    code === "ERR_MODULE_NOT_FOUND" ||
    code === "MODULE_NOT_FOUND" ||
    /cannot find (module|package)|could not locate module/i.test(message)
  );
}

/**
 * Builds a model from a specifier (see `parseModelSpec`), wrapped in `withDefaults`. The provider
 * is looked up in `options.container` and its ancestors (default: the root container).
 *
 * @example
 * const model = await resolveLanguageModel("openai:gpt-4o-mini");              // needs OPENAI_API_KEY
 * const local = await resolveLanguageModel("openai-compatible:llama3.1@http://localhost:11434/v1");
 * const mine = await resolveLanguageModel("echo:x", { container: experiment }); // a child's provider
 *
 * @param spec the specifier
 * @param options container, key, base URL, environment, timeout and middleware
 */
export async function resolveLanguageModel(
  spec: string,
  options: ResolveLanguageModelOptions = {},
): Promise<LanguageModel> {
  const parsed = parseModelSpec(spec);
  const factory = await factoryFor(options.container ?? rootTraceContainer(), parsed.provider, spec);
  const baseURL = parsed.baseURL ?? options.baseURL;
  const model = await factory(parsed.modelId, {
    env: options.env ?? process.env,
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  return options.defaults === false ? model : withDefaults(model, options.defaults ?? {});
}

/** Options of {@link languageModelFromEnv}. */
export interface LanguageModelFromEnvOptions {
  /** Environment to read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Middleware stack, as for `resolveLanguageModel` (default: retries only; `false` for none). */
  readonly defaults?: WithDefaultsOptions | false;
  /** Container to look providers up in, as for `resolveLanguageModel` (default: the root container). */
  readonly container?: DependencyContainer;
}

/**
 * Builds the model named by the `TRACE_MODEL` environment variable (a specifier such as
 * `openai:gpt-4o-mini`), with `TRACE_BASE_URL` as the base URL when set. A specifier without a
 * provider prefix and a `TRACE_BASE_URL` means an OpenAI-compatible server. API keys come from
 * the provider's usual variable (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`; `TRACE_API_KEY` for
 * OpenAI-compatible servers, optional).
 *
 * @param options environment, container and middleware
 */
export async function languageModelFromEnv(
  options: LanguageModelFromEnvOptions = {},
): Promise<LanguageModel> {
  const env = options.env ?? process.env;
  const container = options.container ?? rootTraceContainer();
  const spec = env.TRACE_MODEL?.trim();
  if (!spec) {
    throw new UnknownModelError(
      "",
      "the TRACE_MODEL environment variable is not set: set it to a model specifier, e.g. " +
        "TRACE_MODEL=openai:gpt-4o-mini, TRACE_MODEL=anthropic:claude-sonnet-4-6, or " +
        "TRACE_MODEL=openai-compatible:llama3.1 with TRACE_BASE_URL=http://localhost:11434/v1",
    );
  }
  const baseURL = env.TRACE_BASE_URL?.trim() || undefined;
  let effective = spec;
  if (baseURL !== undefined) {
    // "llama3.1" or "qwen2:7b" (Ollama tags) on a custom server: an OpenAI-compatible model
    const prefix = /^([a-z][a-z0-9-]*):/.exec(spec)?.[1];
    if (prefix === undefined || lookup(container, prefix) === undefined)
      effective = `openai-compatible:${spec}`;
  }
  return resolveLanguageModel(effective, {
    env,
    container,
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(options.defaults !== undefined ? { defaults: options.defaults } : {}),
  });
}
