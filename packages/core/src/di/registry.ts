/**
 * Model registry: turns specifiers such as `openai:gpt-4o-mini`, `anthropic:claude-sonnet-4-6`
 * or `openai-compatible:llama3.1@http://localhost:11434/v1` into models. Core never imports a
 * provider package statically: the built-in providers are loaded with a dynamic `import()` the
 * first time they are asked for, and other providers can be added with `registerProvider`.
 */
import { MissingProviderPackageError, UnknownModelError } from "../llm/errors.js";
import { type WithDefaultsOptions, withDefaults } from "../llm/middleware/defaults.js";
import type { LanguageModel } from "../llm/types.js";

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

const BUILT_IN: Readonly<Record<string, string>> = {
  openai: "@trace-ts/openai",
  "openai-compatible": "@trace-ts/openai",
  anthropic: "@trace-ts/anthropic",
};

const providers = new Map<string, ProviderFactory | LazyProvider>(
  Object.entries(BUILT_IN).map(([name, packageName]) => [name, { packageName }]),
);

/**
 * Adds (or replaces) a provider: a factory, or the name of a package exporting `modelProviders`
 * (loaded on first use).
 *
 * @example
 * registerProvider("echo", (id) => new ScriptedModel((r) => r.messages.at(-1)!.content, { modelId: id }));
 * const m = await resolveModel("echo:test");
 *
 * @param name the prefix used in specifiers (`name:model`)
 * @param provider the factory, or `{ packageName }`
 */
export function registerProvider(name: string, provider: ProviderFactory | LazyProvider): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new RangeError(
      `registerProvider: provider names are lower-case letters, digits and '-', got "${name}"`,
    );
  }
  if (typeof provider !== "function" && typeof provider?.packageName !== "string") {
    throw new TypeError("registerProvider: pass a factory (modelId, options) => model, or { packageName }");
  }
  providers.set(name, provider);
}

/**
 * Removes a provider; the built-in ones (`openai`, `openai-compatible`, `anthropic`) go back to
 * their lazily loaded default.
 * @param name the provider prefix
 */
export function unregisterProvider(name: string): void {
  const builtIn = BUILT_IN[name];
  if (builtIn) providers.set(name, { packageName: builtIn });
  else providers.delete(name);
}

/** Names of the known providers. */
export function registeredProviders(): string[] {
  return [...providers.keys()].sort();
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

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions {
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
}

async function factoryFor(provider: string, spec: string): Promise<ProviderFactory> {
  const entry = providers.get(provider);
  if (entry === undefined) {
    throw new UnknownModelError(
      spec,
      `unknown provider "${provider}" in "${spec}" (known: ${registeredProviders().join(", ")}); ` +
        "register it with registerProvider(name, factory)",
    );
  }
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
  // remember the loaded factory unless someone registered another one meanwhile
  if (providers.get(provider) === entry) providers.set(provider, factory);
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
 * Builds a model from a specifier (see `parseModelSpec`), wrapped in `withDefaults`.
 *
 * @example
 * const model = await resolveModel("openai:gpt-4o-mini");              // needs OPENAI_API_KEY
 * const local = await resolveModel("openai-compatible:llama3.1@http://localhost:11434/v1");
 *
 * @param spec the specifier
 * @param options key, base URL, environment, timeout and middleware
 */
export async function resolveModel(spec: string, options: ResolveModelOptions = {}): Promise<LanguageModel> {
  const parsed = parseModelSpec(spec);
  const factory = await factoryFor(parsed.provider, spec);
  const baseURL = parsed.baseURL ?? options.baseURL;
  const model = await factory(parsed.modelId, {
    env: options.env ?? process.env,
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  return options.defaults === false ? model : withDefaults(model, options.defaults ?? {});
}

/** Options of {@link modelFromEnv}. */
export interface ModelFromEnvOptions {
  /** Environment to read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Middleware stack, as for `resolveModel` (default: retries only; `false` for none). */
  readonly defaults?: WithDefaultsOptions | false;
}

/**
 * Builds the model named by the `TRACE_MODEL` environment variable (a specifier such as
 * `openai:gpt-4o-mini`), with `TRACE_BASE_URL` as the base URL when set. A specifier without a
 * provider prefix and a `TRACE_BASE_URL` means an OpenAI-compatible server. API keys come from
 * the provider's usual variable (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`; `TRACE_API_KEY` for
 * OpenAI-compatible servers, optional).
 *
 * @param options environment and middleware
 */
export async function modelFromEnv(options: ModelFromEnvOptions = {}): Promise<LanguageModel> {
  const env = options.env ?? process.env;
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
    if (prefix === undefined || !providers.has(prefix)) effective = `openai-compatible:${spec}`;
  }
  return resolveModel(effective, {
    env,
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(options.defaults !== undefined ? { defaults: options.defaults } : {}),
  });
}
