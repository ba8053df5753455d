/**
 * `ScriptedModel`: a deterministic {@link LanguageModel} for tests. It replays a script of
 * responses (or answers with a function of the request), can inject errors and latency, and
 * records every call so tests can assert on prompts, call counts and concurrency. It implements
 * the language-model contract v2: answers may carry tool calls.
 */
import { TraceError } from "../errors/trace-error.js";
import { CancelledError } from "../llm/errors.js";
import { sleep } from "../llm/sleep.js";
import { estimateInputTokens, estimateTextTokens } from "../llm/tokens.js";
import type {
  FinishReason,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  LanguageModelSpecification,
  TokenUsage,
  ToolCall,
} from "../llm/types.js";
import { validateOptions } from "../util/options.js";

/**
 * A tool call in a scripted answer: the tool's `name` and its `arguments`, as an object (sent as
 * its JSON text) or as JSON text (sent as it is, so invalid JSON can be scripted too). Without an
 * `id`, the model numbers its calls `call_0`, `call_1`, … in the order it answers them.
 */
export interface ScriptedToolCall {
  /** The call's id (default: `call_<n>`, numbering the calls of this model that have no id, from 0). */
  readonly id?: string;
  /** Name of the tool to call. */
  readonly name: string;
  /** The arguments: an object, or JSON text as the model would write it. */
  readonly arguments: string | Readonly<Record<string, unknown>>;
}

/**
 * A result-like scripted answer: any fields of a `GenerateResult` (missing ones are filled in),
 * with tool calls given as {@link ScriptedToolCall}s.
 */
export type ScriptedResult = Omit<Partial<GenerateResult>, "toolCalls"> & {
  /** The tool calls of the answer; the finish reason defaults to `tool_calls` when there are any. */
  readonly toolCalls?: readonly ScriptedToolCall[];
};

/**
 * One scripted answer: the response text, a result-like object (missing fields are filled in;
 * see {@link ScriptedResult}), or an `Error` to throw instead of answering.
 */
export type ScriptedResponse = string | ScriptedResult | Error;

/**
 * Computes the answer to a call from the request and the 0-based call index. Return a
 * {@link ScriptedResponse} (an `Error` is thrown) or throw directly.
 */
export type ScriptedResponder = (
  request: GenerateRequest,
  callIndex: number,
) => ScriptedResponse | Promise<ScriptedResponse>;

/** Options of {@link ScriptedModel}. */
export interface ScriptedModelOptions {
  /** Model id reported by the model and in results (default `scripted`). */
  readonly modelId?: string;
  /** Provider name reported by the model (default `scripted`). */
  readonly provider?: string;
  /**
   * Simulated latency in milliseconds, fixed or per call (default 0: answers on the next
   * microtask). Aborting `request.signal` during the wait rejects with `CancelledError`.
   */
  readonly latencyMs?: number | ((request: GenerateRequest, callIndex: number) => number);
  /**
   * What happens after the last scripted response: `error` (default) throws
   * `ScriptExhaustedError`, `repeat-last` keeps answering with the last response, `cycle` starts
   * again from the first.
   */
  readonly whenExhausted?: "error" | "repeat-last" | "cycle";
  /**
   * The contract version the model reports (default `v2`). `v1` stands in for a text-only model,
   * e.g. to test that middleware refuses tools or images for it (the scripted model itself never
   * refuses).
   */
  readonly specificationVersion?: LanguageModelSpecification;
}

/** One recorded call to a {@link ScriptedModel}. */
export interface ScriptedCall {
  /** 0-based index of the call. */
  readonly index: number;
  /** The request as received. */
  readonly request: GenerateRequest;
  /** `performance.now()` when the call began. */
  readonly startedAt: number;
  /** `performance.now()` when the call settled; undefined while it is still running. */
  endedAt: number | undefined;
  /** The result, when the call succeeded. */
  result: GenerateResult | undefined;
  /** The thrown error, when the call failed. */
  error: unknown;
}

/** A `ScriptedModel` was called more times than its script has responses. */
export class ScriptExhaustedError extends TraceError {
  /** Number of scripted responses. */
  readonly scriptLength: number;
  /** 0-based index of the call that found the script empty. */
  readonly callIndex: number;
  /**
   * @param scriptLength number of scripted responses
   * @param callIndex index of the call that ran out
   */
  constructor(scriptLength: number, callIndex: number) {
    super(
      "SCRIPT_EXHAUSTED",
      `ScriptedModel received call #${callIndex + 1} but its script has only ${scriptLength} response(s): ` +
        "add responses, or pass { whenExhausted: 'repeat-last' | 'cycle' }",
    );
    this.scriptLength = scriptLength;
    this.callIndex = callIndex;
  }
}

const OPTION_SCHEMA = {
  modelId: "string",
  provider: "string",
  whenExhausted: "string",
  specificationVersion: "string",
} as const;

/**
 * A fake language model for tests: replays scripted responses in order, or answers with a
 * function of the request.
 *
 * It implements the contract v2 (`specificationVersion: "v2"`; pass `{ specificationVersion:
 * "v1" }` for a text-only stand-in): an answer may be a string, or an object `{ text?, toolCalls?
 * }` whose tool calls are `{ name, arguments }` with the arguments as an object or as JSON text.
 * Calls without an `id` get `call_0`, `call_1`, … (numbered over all calls of this model, restarted
 * by `reset()`), and an answer with tool calls has the finish reason `tool_calls` unless it says
 * otherwise. A responder function can dispatch on the conversation: the last message is a `tool`
 * message once results come back.
 *
 * Usage is filled in from a length-based estimate when a response does not give it, so budget
 * and cost middleware behave realistically.
 *
 * @example
 * const model = new ScriptedModel(["first answer", new RateLimitError("slow down"), { text: '{"ok":true}' }]);
 * const r = await model.generate({ messages: [{ role: "user", content: "hi" }] });
 * expect(model.calls[0]?.request.messages[0]?.content).toBe("hi");
 *
 * @example
 * const echo = new ScriptedModel((req) => req.messages.at(-1)?.content ?? "", { latencyMs: 5 });
 *
 * @example
 * // calls a tool, then answers with what the tool returned
 * const agent = new ScriptedModel((req) =>
 *   req.messages.at(-1)?.role === "tool"
 *     ? `It is ${req.messages.at(-1)?.content}.`
 *     : { toolCalls: [{ name: "weather", arguments: { city: "Oslo" } }] },
 * );
 */
export class ScriptedModel implements LanguageModel {
  /** The contract version reported (default `v2`: tools and images). */
  readonly specificationVersion: LanguageModelSpecification;
  /** Provider name (default `scripted`). */
  readonly provider: string;
  /** Model id (default `scripted`). */
  readonly modelId: string;
  readonly #script: ScriptedResponse[] | undefined;
  readonly #responder: ScriptedResponder | undefined;
  readonly #latency: ScriptedModelOptions["latencyMs"];
  readonly #whenExhausted: NonNullable<ScriptedModelOptions["whenExhausted"]>;
  #calls: ScriptedCall[] = [];
  #active = 0;
  #maxConcurrent = 0;
  #toolCallCount = 0;

  /**
   * @param script responses to replay in order, or a function computing each answer
   * @param options model id, provider name, latency and what to do when the script runs out
   */
  constructor(script: readonly ScriptedResponse[] | ScriptedResponder, options: ScriptedModelOptions = {}) {
    const { latencyMs, ...rest } = options;
    validateOptions("ScriptedModel", rest, OPTION_SCHEMA);
    if (latencyMs !== undefined && typeof latencyMs !== "number" && typeof latencyMs !== "function") {
      throw new TypeError(
        "ScriptedModel: latencyMs must be a number of milliseconds or a function returning one",
      );
    }
    if (typeof latencyMs === "number" && !(latencyMs >= 0)) {
      throw new RangeError(`ScriptedModel: latencyMs must be >= 0, got ${latencyMs}`);
    }
    const when = options.whenExhausted ?? "error";
    if (when !== "error" && when !== "repeat-last" && when !== "cycle") {
      throw new RangeError(
        `ScriptedModel: whenExhausted must be "error", "repeat-last" or "cycle", got "${when}"`,
      );
    }
    if (typeof script === "function") {
      this.#responder = script;
    } else if (Array.isArray(script)) {
      this.#script = [...script];
    } else {
      throw new TypeError(
        "ScriptedModel: pass an array of responses or a function (request, callIndex) => response",
      );
    }
    this.modelId = options.modelId ?? "scripted";
    this.provider = options.provider ?? "scripted";
    this.#latency = latencyMs;
    this.#whenExhausted = when;
    const version = options.specificationVersion ?? "v2";
    if (version !== "v1" && version !== "v2") {
      throw new RangeError(`ScriptedModel: specificationVersion must be "v1" or "v2", got "${version}"`);
    }
    this.specificationVersion = version;
  }

  /** Every call received so far, in arrival order (including failed and running ones). */
  get calls(): readonly ScriptedCall[] {
    return this.#calls;
  }

  /** Number of calls received so far. */
  get callCount(): number {
    return this.#calls.length;
  }

  /** The most recent call, if any. */
  get lastCall(): ScriptedCall | undefined {
    return this.#calls.at(-1);
  }

  /** Number of calls currently in flight. */
  get activeCalls(): number {
    return this.#active;
  }

  /** The largest number of calls that were in flight at the same time. */
  get maxConcurrentCalls(): number {
    return this.#maxConcurrent;
  }

  /** The user-message contents of every call, in order: handy for asserting prompts. */
  get prompts(): string[] {
    return this.#calls.map((c) =>
      c.request.messages
        .filter((m) => m.role === "user")
        .map((m) => m.content)
        .join("\n"),
    );
  }

  /**
   * Appends responses to the script (only for array scripts).
   * @param responses responses to replay after the current ones
   */
  push(...responses: ScriptedResponse[]): void {
    if (this.#script === undefined)
      throw new TypeError("ScriptedModel.push: this model answers with a function");
    this.#script.push(...responses);
  }

  /** Forgets recorded calls, restarts the script from its first response and the tool-call ids from `call_0`. */
  reset(): void {
    this.#calls = [];
    this.#maxConcurrent = 0;
    this.#toolCallCount = 0;
  }

  /** Answers the next scripted response after the configured latency. */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const index = this.#calls.length;
    const call: ScriptedCall = {
      index,
      request,
      startedAt: performance.now(),
      endedAt: undefined,
      result: undefined,
      error: undefined,
    };
    this.#calls.push(call);
    this.#active++;
    if (this.#active > this.#maxConcurrent) this.#maxConcurrent = this.#active;
    try {
      const signal = request.signal;
      if (signal?.aborted) throw this.#cancelled(signal);
      const latency =
        typeof this.#latency === "function" ? this.#latency(request, index) : (this.#latency ?? 0);
      if (latency > 0) await sleep(latency, signal, () => this.#cancelled(signal));
      else await Promise.resolve();
      if (signal?.aborted) throw this.#cancelled(signal);
      const response = await this.#next(request, index);
      if (response instanceof Error) throw response;
      const result = this.#complete(request, response);
      call.result = result;
      return result;
    } catch (error) {
      call.error = error;
      throw error;
    } finally {
      call.endedAt = performance.now();
      this.#active--;
    }
  }

  #cancelled(signal: AbortSignal | undefined): CancelledError {
    return new CancelledError(undefined, {
      provider: this.provider,
      modelId: this.modelId,
      cause: signal?.reason,
    });
  }

  async #next(request: GenerateRequest, index: number): Promise<ScriptedResponse> {
    if (this.#responder) return this.#responder(request, index);
    const script = this.#script ?? [];
    if (index < script.length) return script[index]!;
    if (script.length > 0 && this.#whenExhausted === "repeat-last") return script[script.length - 1]!;
    if (script.length > 0 && this.#whenExhausted === "cycle") return script[index % script.length]!;
    throw new ScriptExhaustedError(script.length, index);
  }

  #complete(request: GenerateRequest, response: string | ScriptedResult): GenerateResult {
    const partial: ScriptedResult = typeof response === "string" ? { text: response } : response;
    if (partial === null || typeof partial !== "object") {
      throw new TypeError(
        `ScriptedModel: a response must be a string, a result-like object or an Error, got ${String(partial)}`,
      );
    }
    const text = partial.text ?? "";
    const { toolCalls: scripted, ...rest } = partial;
    const toolCalls = scripted === undefined ? undefined : scripted.map((c) => this.#toolCall(c));
    let outputTokens = estimateTextTokens(text);
    for (const c of toolCalls ?? [])
      outputTokens += estimateTextTokens(c.name) + estimateTextTokens(c.arguments);
    const usage: TokenUsage = partial.usage ?? { inputTokens: estimateInputTokens(request), outputTokens };
    const finishReason: FinishReason =
      partial.finishReason ?? (toolCalls !== undefined && toolCalls.length > 0 ? "tool_calls" : "stop");
    const result: GenerateResult = {
      ...rest,
      text,
      ...(toolCalls === undefined ? {} : { toolCalls }),
      usage,
      finishReason,
      model: partial.model ?? this.modelId,
    };
    return result;
  }

  #toolCall(call: ScriptedToolCall): ToolCall {
    if (call === null || typeof call !== "object" || typeof call.name !== "string") {
      throw new TypeError("ScriptedModel: a scripted tool call must be { name, arguments }");
    }
    const args = call.arguments;
    const text = typeof args === "string" ? args : JSON.stringify(args ?? {});
    const id = call.id ?? `call_${this.#toolCallCount++}`;
    return { id, name: call.name, arguments: text };
  }
}
