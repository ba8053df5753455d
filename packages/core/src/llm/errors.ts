/**
 * Typed errors of the language-model layer. Branch on `code` (stable across releases) or on the
 * class; `retryable` tells the retry middleware whether trying again can help.
 */
import { type RunStopReason, TraceError } from "../errors/trace-error.js";

/** Options shared by every {@link LLMError}. */
export interface LLMErrorOptions extends ErrorOptions {
  /** Provider name (`openai`, `anthropic`, ...) when known. */
  readonly provider?: string;
  /** Model id when known. */
  readonly modelId?: string;
}

/** Base class of every error raised by a language model or its middleware. */
export class LLMError extends TraceError {
  /** Provider that raised the error, when known. */
  readonly provider: string | undefined;
  /** Model that raised the error, when known. */
  readonly modelId: string | undefined;
  /** Whether retrying the same request may succeed. */
  readonly retryable: boolean;

  /**
   * @param code stable identifier, e.g. `LLM_RATE_LIMIT`
   * @param message what went wrong and what to do
   * @param retryable whether retrying the same request may succeed
   * @param options provider, model id and cause
   */
  constructor(code: string, message: string, retryable: boolean, options: LLMErrorOptions = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.modelId = options.modelId;
    this.retryable = retryable;
  }
}

/** The provider rejected the credentials (HTTP 401/403). Not retryable: fix the API key. */
export class AuthenticationError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** HTTP status, when the error came from an HTTP response. */
  readonly status: number | undefined;
  /**
   * @param message what went wrong
   * @param options provider/model/cause and the HTTP status
   */
  constructor(message: string, options: LLMErrorOptions & { readonly status?: number } = {}) {
    super("LLM_AUTHENTICATION", message, false, options);
    this.status = options.status;
  }
}

/** The provider is rate limiting (HTTP 429). Retryable; honour `retryAfterMs` when set. */
export class RateLimitError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** How long the provider asked us to wait, in milliseconds, when it said so. */
  readonly retryAfterMs: number | undefined;
  /**
   * @param message what went wrong
   * @param options provider/model/cause and the server's retry-after hint in milliseconds
   */
  constructor(message: string, options: LLMErrorOptions & { readonly retryAfterMs?: number } = {}) {
    super("LLM_RATE_LIMIT", message, true, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The call did not complete within its time limit. Retryable. */
export class LLMTimeoutError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /**
   * @param message what went wrong
   * @param options provider, model id and cause
   */
  constructor(message: string, options: LLMErrorOptions = {}) {
    super("LLM_TIMEOUT", message, true, options);
  }
}

/**
 * The provider failed: a 5xx response, an unexpected 4xx, or a dropped connection (status
 * undefined). Retryable for 5xx, 408, 409 and connection failures.
 */
export class ProviderError extends LLMError {
  /** HTTP status, or undefined when no response arrived (connection error). */
  readonly status: number | undefined;
  /** Server hint for when to retry, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /**
   * @param message what went wrong
   * @param options provider/model/cause, HTTP status, retry hint, and an explicit `retryable`
   *   (default: true for no status, 408, 409 and ≥ 500)
   */
  constructor(
    message: string,
    options: LLMErrorOptions & {
      readonly status?: number;
      readonly retryAfterMs?: number;
      readonly retryable?: boolean;
    } = {},
  ) {
    const status = options.status;
    const retryable =
      options.retryable ?? (status === undefined || status === 408 || status === 409 || status >= 500);
    super("LLM_PROVIDER", message, retryable, options);
    this.status = status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * An outage (no response, 408, 409, 429 or a 5xx) ends the run; another 4xx (a request the
   * provider refused, such as a prompt over the context window) is feedback about the agent.
   */
  override get stopsRun(): RunStopReason | undefined {
    const s = this.status;
    return s === undefined || s === 408 || s === 409 || s === 429 || s >= 500 ? "outage" : undefined;
  }
}

/** The provider answered with a body we could not understand (malformed JSON, no content). */
export class BadResponseError extends LLMError {
  /**
   * @param message what went wrong
   * @param options provider/model/cause and whether retrying may help (default false)
   */
  constructor(message: string, options: LLMErrorOptions & { readonly retryable?: boolean } = {}) {
    super("LLM_BAD_RESPONSE", message, options.retryable ?? false, options);
  }
}

/** A budget middleware refused the call before sending it because it would exceed the limit. */
export class BudgetExceededError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "budget";
  }

  /** Which limit was hit. */
  readonly limit: "tokens" | "cost";
  /** The configured limit (tokens, or money in the price table's currency). */
  readonly max: number;
  /** Amount already spent or reserved when the call was refused. */
  readonly used: number;
  /** The estimated amount this call would have needed. */
  readonly requested: number;
  /**
   * @param message what went wrong
   * @param details which limit, its maximum, what is used and what the call needed
   * @param options provider, model id and cause
   */
  constructor(
    message: string,
    details: {
      readonly limit: "tokens" | "cost";
      readonly max: number;
      readonly used: number;
      readonly requested: number;
    },
    options: LLMErrorOptions = {},
  ) {
    super("LLM_BUDGET_EXCEEDED", message, false, options);
    this.limit = details.limit;
    this.max = details.max;
    this.used = details.used;
    this.requested = details.requested;
  }
}

/** The call was aborted through its `AbortSignal`. Never retried. */
export class CancelledError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "cancelled";
  }

  /**
   * @param message what went wrong (defaults to a generic message)
   * @param options provider/model and the abort reason as cause
   */
  constructor(
    message = "the language-model call was cancelled via its AbortSignal",
    options: LLMErrorOptions = {},
  ) {
    super("LLM_CANCELLED", message, false, options);
  }
}

/** A provider needs an API key and the environment variable holding it is not set. */
export class MissingApiKeyError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** The environment variable to set, e.g. `OPENAI_API_KEY`. */
  readonly envVar: string;
  /**
   * @param envVar the environment variable to set
   * @param provider provider that needs the key
   * @param modelId the model that was being set up, when known
   */
  constructor(envVar: string, provider: string, modelId?: string) {
    super(
      "LLM_MISSING_KEY",
      `no API key for provider "${provider}"${modelId ? ` (model ${modelId})` : ""}: set the ${envVar} environment variable, or pass apiKey explicitly`,
      false,
      modelId ? { provider, modelId } : { provider },
    );
    this.envVar = envVar;
  }
}

/** A model specifier could not be resolved (unknown provider prefix or malformed string). */
export class UnknownModelError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** The specifier that failed to resolve. */
  readonly spec: string;
  /**
   * @param spec the specifier, e.g. `foo:bar`
   * @param message what went wrong and which forms are accepted
   */
  constructor(spec: string, message: string) {
    super("LLM_UNKNOWN_MODEL", message, false);
    this.spec = spec;
  }
}

/**
 * The request was rejected as malformed or unsatisfiable: HTTP 400/404/413/422 from the provider
 * (bad parameter, unknown model, prompt too long), or a request we can tell is invalid before
 * sending it. Not retryable: fix the request or the model id.
 */
export class InvalidRequestError extends LLMError {
  /** HTTP status, when the provider rejected the request. */
  readonly status: number | undefined;
  /**
   * @param message what went wrong
   * @param options provider/model/cause and the HTTP status
   */
  constructor(message: string, options: LLMErrorOptions & { readonly status?: number } = {}) {
    super("LLM_INVALID_REQUEST", message, false, options);
    this.status = options.status;
  }
}

/** `resolveLanguageModel` needs a provider package (e.g. `@trace-ts/openai`) that is not installed. */
export class MissingProviderPackageError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** The npm package to install. */
  readonly packageName: string;
  /**
   * @param provider the provider prefix that was asked for
   * @param packageName the npm package to install
   * @param cause the import failure
   */
  constructor(provider: string, packageName: string, cause?: unknown) {
    super(
      "LLM_MISSING_PACKAGE",
      `models of provider "${provider}" need the package ${packageName}: run \`npm install ${packageName}\``,
      false,
      { provider, cause },
    );
    this.packageName = packageName;
  }
}

/** A cost budget or cost report needs the price of a model that is not in the price table. */
export class MissingPriceError extends LLMError {
  /**
   * @param provider provider of the model
   * @param modelId the model without a price
   */
  constructor(provider: string, modelId: string) {
    super(
      "LLM_MISSING_PRICE",
      `no price for model "${modelId}" (provider "${provider}"): add it to the price table ` +
        `(prices: { "${modelId}": { inputPerMillion, outputPerMillion } }) to enforce a cost budget`,
      false,
      { provider, modelId },
    );
  }
}

/** No model was given and none is registered as the default in the container. */
export class NoDefaultLanguageModelError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  constructor() {
    super(
      "LLM_NO_DEFAULT_MODEL",
      "no language model: pass { model } explicitly, or register a default with " +
        "registerLanguageModel(container, model) (e.g. registerLanguageModel(container, await languageModelFromEnv()))",
      false,
    );
  }
}

/** True when `error` is an {@link LLMError} that retrying may fix. */
export function isRetryableError(error: unknown): boolean {
  return error instanceof LLMError && error.retryable;
}

/** Builds a {@link CancelledError} from an aborted signal, keeping its reason as the cause. */
export function cancelledFrom(
  signal: AbortSignal | undefined,
  options: LLMErrorOptions = {},
): CancelledError {
  const reason: unknown = signal?.reason;
  return new CancelledError(undefined, { ...options, cause: reason });
}
