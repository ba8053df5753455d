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

/** What is wrong with a cassette file (see {@link CassetteFileError}). */
export type CassetteProblem =
  /** Replay: the file does not exist. */
  | "missing"
  /** The file could not be read, created or appended to. */
  | "io"
  /** Record: the file exists and `overwrite` is not set. */
  | "exists"
  /** Replay: the file is larger than `maxBytes`. */
  | "too-large"
  /** Replay: it holds more entries than `maxEntries`. */
  | "too-many-entries"
  /** Replay: the first line is not a trace-ts cassette header. */
  | "not-a-cassette"
  /** Replay: the header names a format version this trace-ts does not read. */
  | "unknown-version"
  /** Replay: recorded with another request-key version, so no call could match. */
  | "key-version"
  /** Replay: a line is not valid JSON or lacks a field. */
  | "corrupt-line"
  /** Replay: the last line has no line end (the recording was cut off). */
  | "truncated";

/**
 * A cassette file of the response cache's record and replay mode cannot be used: it is missing,
 * already exists (record without `overwrite`), too large, of another format or version, or has a
 * corrupt or cut-off line. The message names the file, the line (when one is at fault) and the
 * problem. Thrown when the cassette is opened, or by a call whose recording could not be appended;
 * the latter ends the run like an outage (the model stack cannot be used).
 */
export class CassetteFileError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** The cassette file. */
  readonly path: string;
  /** The 1-based line at fault, when one is. */
  readonly line: number | undefined;
  /** What is wrong. */
  readonly problem: CassetteProblem;
  /**
   * @param path the cassette file
   * @param problem what is wrong
   * @param detail the explanation, with what to do
   * @param options the line at fault and the underlying error
   */
  constructor(
    path: string,
    problem: CassetteProblem,
    detail: string,
    options: { readonly line?: number; readonly cause?: unknown } = {},
  ) {
    super(
      "LLM_CASSETTE_FILE",
      `cassette ${JSON.stringify(path)}${options.line === undefined ? "" : ` line ${options.line}`}: ${detail}`,
      false,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.path = path;
    this.line = options.line;
    this.problem = problem;
  }
}

/** What {@link CassetteMissError} reports about the call the cassette does not hold. */
export interface CassetteMissDetails {
  /** The cassette file. */
  readonly path: string;
  /** The model called, as `provider:modelId`. */
  readonly model: string;
  /** The start of the request's last user message (redacted), or undefined when it has none. */
  readonly lastUserMessage: string | undefined;
  /** The models (`provider:modelId`) the cassette holds calls of. */
  readonly recordedModels: readonly string[];
}

/**
 * Replay from a cassette met a call it has no recording of: the run asked for something the
 * recorded run did not (a changed prompt, parameter, model or setting). Replay never calls the
 * model, so this fails loudly instead. It ends the run at once like a spent budget (`stopsRun` is
 * `budget`: replay allows no real call): `evaluate()` rejects with it and training stops; it is never
 * shown to an optimizer as feedback. Re-record the cassette (`mode: "record", overwrite: true`).
 */
export class CassetteMissError extends LLMError {
  /** Ends the run: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "budget";
  }

  /** The cassette file. */
  readonly path: string;
  /** The model called, as `provider:modelId`. */
  readonly model: string;
  /** The start of the request's last user message (redacted), or undefined. */
  readonly lastUserMessage: string | undefined;
  /**
   * @param details the cassette, the model, the start of the last user message and the models recorded
   * @param options provider and model id
   */
  constructor(details: CassetteMissDetails, options: LLMErrorOptions = {}) {
    const others =
      details.recordedModels.includes(details.model) || details.recordedModels.length === 0
        ? ""
        : ` (it holds calls of ${details.recordedModels.join(", ")} only)`;
    const said =
      details.lastUserMessage === undefined
        ? "with no user message"
        : `whose last user message starts ${JSON.stringify(details.lastUserMessage)}`;
    super(
      "LLM_CASSETTE_MISS",
      `cassette ${JSON.stringify(details.path)} has no recording of a call of ${details.model} ${said}${others}: ` +
        "the run asked for a call the recorded run did not make (a changed prompt, parameter, model or " +
        "setting), and replay never calls the model. To update the cassette, run again with " +
        `cassette: { path: ${JSON.stringify(details.path)}, mode: "record", overwrite: true }.`,
      false,
      options,
    );
    this.path = details.path;
    this.model = details.model;
    this.lastUserMessage = details.lastUserMessage;
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
