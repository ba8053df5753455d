/**
 * `ScriptedModel`: a deterministic {@link LanguageModel} for tests. It replays a script of
 * responses (or answers with a function of the request), can inject errors and latency, and
 * records every call so tests can assert on prompts, call counts and concurrency.
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
  TokenUsage,
} from "../llm/types.js";
import { validateOptions } from "../util/options.js";

/**
 * One scripted answer: the response text, a partial result (missing fields are filled in), or an
 * `Error` to throw instead of answering.
 */
export type ScriptedResponse = string | Partial<GenerateResult> | Error;

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
} as const;

/**
 * A fake language model for tests: replays scripted responses in order, or answers with a
 * function of the request.
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
 */
export class ScriptedModel implements LanguageModel {
  /** Always `v1`. */
  readonly specificationVersion = "v1" as const;
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

  /** Forgets recorded calls and restarts the script from its first response. */
  reset(): void {
    this.#calls = [];
    this.#maxConcurrent = 0;
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

  #complete(request: GenerateRequest, response: string | Partial<GenerateResult>): GenerateResult {
    const partial: Partial<GenerateResult> = typeof response === "string" ? { text: response } : response;
    if (partial === null || typeof partial !== "object") {
      throw new TypeError(
        `ScriptedModel: a response must be a string, a partial GenerateResult or an Error, got ${String(partial)}`,
      );
    }
    const text = partial.text ?? "";
    const usage: TokenUsage = partial.usage ?? {
      inputTokens: estimateInputTokens(request),
      outputTokens: estimateTextTokens(text),
    };
    const finishReason: FinishReason = partial.finishReason ?? "stop";
    const result: GenerateResult = {
      ...partial,
      text,
      usage,
      finishReason,
      model: partial.model ?? this.modelId,
    };
    return result;
  }
}
