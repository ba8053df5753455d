/**
 * Log hook: reports each call (request, result or error, duration) to a callback. Everything the
 * callback receives has passed through `redact`, so API keys never reach a log. Secret values
 * from the provider key environment variables are read when the middleware is created; secrets
 * registered later (`registerSecret`, which providers call with the key they were configured
 * with) are picked up as they appear.
 */
import { validateOptions } from "../../util/options.js";
import { redact, registeredSecrets, secretRegistryVersion, secretsFromEnv } from "../redact.js";
import type {
  ChatMessage,
  FinishReason,
  ResponseFormat,
  TokenUsage,
  ToolCall,
  ToolChoice,
} from "../types.js";
import { defineMiddleware, type LanguageModelMiddleware } from "./wrap.js";

/** Fields shared by every log event. */
interface LogEventBase {
  /** Sequential id of the call within this middleware, to pair events. */
  readonly callId: number;
  /** `provider:modelId`. */
  readonly model: string;
}

/** Emitted before the call is passed on. */
export interface LLMRequestEvent extends LogEventBase {
  /** Event kind. */
  readonly type: "request";
  /** The messages (omitted when `includePrompts` is false). */
  readonly messages?: readonly ChatMessage[];
  /** Requested response format. */
  readonly responseFormat?: ResponseFormat;
  /** Requested max output tokens. */
  readonly maxTokens?: number;
  /** Requested temperature. */
  readonly temperature?: number;
  /** Requested seed. */
  readonly seed?: number;
  /** Contract v2: the names of the tools offered (their schemas are not logged). */
  readonly tools?: readonly string[];
  /** Contract v2: the tool choice, when given. */
  readonly toolChoice?: ToolChoice;
}

/** Emitted when the call succeeded. */
export interface LLMResponseEvent extends LogEventBase {
  /** Event kind. */
  readonly type: "response";
  /** Wall-clock duration in ms. */
  readonly durationMs: number;
  /** The response text (omitted when `includePrompts` is false). */
  readonly text?: string;
  /** Contract v2: the tool calls asked for (omitted when `includePrompts` is false). */
  readonly toolCalls?: readonly ToolCall[];
  /** Token usage. */
  readonly usage: TokenUsage;
  /** Why generation stopped. */
  readonly finishReason: FinishReason;
  /** Model that answered. */
  readonly responseModel: string;
  /** Served from the response cache. */
  readonly cached: boolean;
}

/** Emitted when the call failed. */
export interface LLMErrorEvent extends LogEventBase {
  /** Event kind. */
  readonly type: "error";
  /** Wall-clock duration in ms. */
  readonly durationMs: number;
  /** The error, as a plain redacted object. */
  readonly error: ErrorSummary;
}

/** Emitted by the retry middleware (when built by `withDefaults`) before it waits to retry. */
export interface LLMRetryEvent {
  /** Event kind. */
  readonly type: "retry";
  /** `provider:modelId`. */
  readonly model: string;
  /** 1-based attempt that failed. */
  readonly attempt: number;
  /** Attempts allowed in total. */
  readonly maxAttempts: number;
  /** Wait before the next attempt, in ms. */
  readonly delayMs: number;
  /** The failure, as a plain redacted object. */
  readonly error: ErrorSummary;
}

/** A thrown value reduced to loggable fields. */
export interface ErrorSummary {
  /** Error class name. */
  readonly name: string;
  /** Message (redacted). */
  readonly message: string;
  /** Stable code, for trace-ts errors. */
  readonly code?: string;
  /** HTTP status, when known. */
  readonly status?: number;
}

/** Anything the log hook receives. */
export type LLMLogEvent = LLMRequestEvent | LLMResponseEvent | LLMErrorEvent | LLMRetryEvent;

/** Reduces any thrown value to {@link ErrorSummary} fields (not yet redacted). */
export function summarizeError(error: unknown): ErrorSummary {
  const e = error as
    | { name?: unknown; message?: unknown; code?: unknown; status?: unknown }
    | null
    | undefined;
  return {
    name: typeof e?.name === "string" ? e.name : "Error",
    message: typeof e?.message === "string" ? e.message : String(error),
    ...(typeof e?.code === "string" ? { code: e.code } : {}),
    ...(typeof e?.status === "number" ? { status: e.status } : {}),
  };
}

/**
 * Builds a function that redacts an event and passes it to `onEvent`, ignoring exceptions the
 * callback throws. `logCalls` uses it; use it to feed other events to the same hook.
 *
 * @param onEvent the log hook
 * @param secrets extra secret values to remove (the provider key env vars, read now, and the
 *   registered secrets, as they are registered, are added)
 */
export function redactingEmitter(
  onEvent: (event: LLMLogEvent) => void,
  secrets: readonly string[] = [],
): (event: LLMLogEvent) => void {
  const fixed = [...secrets, ...secretsFromEnv()];
  let version = -1;
  let all: readonly string[] = fixed;
  return (event) => {
    try {
      if (version !== secretRegistryVersion()) {
        version = secretRegistryVersion();
        all = [...fixed, ...registeredSecrets()];
      }
      onEvent(redact(event, all));
    } catch {
      // a failing logger must not break the call
    }
  };
}

/** Options of {@link logCalls}. */
export interface LogOptions {
  /** Receives each event (already redacted). Exceptions it throws are ignored. */
  readonly onEvent: (event: LLMLogEvent) => void;
  /** Include messages and response text (default true). Set false to log only metadata. */
  readonly includePrompts?: boolean;
  /** Extra secret values to remove (the provider key env vars are always removed). */
  readonly secrets?: readonly string[];
}

let nextCallId = 0;

/**
 * Reports every call to `onEvent` as `request`, then `response` or `error` events. Credentials
 * are removed from every string (see `redact`) before the callback sees the event.
 *
 * @example
 * const model = wrapModel(base, logCalls({ onEvent: (e) => console.error(JSON.stringify(e)) }));
 *
 * @param options the callback and what to include
 */
export function logCalls(options: LogOptions): LanguageModelMiddleware {
  validateOptions("logCalls", options, { onEvent: "function", includePrompts: "boolean", secrets: "object" });
  if (typeof options?.onEvent !== "function")
    throw new TypeError("logCalls: give { onEvent: (event) => ... }");
  const includePrompts = options.includePrompts ?? true;
  const emit = redactingEmitter(options.onEvent, options.secrets);

  return defineMiddleware("logCalls", async (request, next, model) => {
    const callId = nextCallId++;
    const name = `${model.provider}:${model.modelId}`;
    const requestEvent: Mutable<LLMRequestEvent> = { type: "request", callId, model: name };
    if (includePrompts) requestEvent.messages = request.messages;
    if (request.responseFormat) requestEvent.responseFormat = request.responseFormat;
    if (request.maxTokens !== undefined) requestEvent.maxTokens = request.maxTokens;
    if (request.temperature !== undefined) requestEvent.temperature = request.temperature;
    if (request.seed !== undefined) requestEvent.seed = request.seed;
    if (request.tools !== undefined) requestEvent.tools = request.tools.map((t) => t.name);
    if (request.toolChoice !== undefined) requestEvent.toolChoice = request.toolChoice;
    emit(requestEvent);
    const start = performance.now();
    try {
      const result = await next(request);
      const responseEvent: Mutable<LLMResponseEvent> = {
        type: "response",
        callId,
        model: name,
        durationMs: performance.now() - start,
        usage: result.usage,
        finishReason: result.finishReason,
        responseModel: result.model,
        cached: result.cached === true,
      };
      if (includePrompts) responseEvent.text = result.text;
      if (includePrompts && result.toolCalls !== undefined) responseEvent.toolCalls = result.toolCalls;
      emit(responseEvent);
      return result;
    } catch (error) {
      emit({
        type: "error",
        callId,
        model: name,
        durationMs: performance.now() - start,
        error: summarizeError(error),
      });
      throw error;
    }
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
