/**
 * The conversation loop every optimizer that asks a language model shares: ask → read (parse and
 * validate) → re-ask with the problems stated → give up with nothing changed. Optimizers supply
 * only the prompt, the reader and the wording of the re-ask.
 */
import { CancelledError, cancelledFrom } from "../llm/errors.js";
import type {
  ChatMessage,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  ResponseFormat,
} from "../llm/types.js";
import { ModelCallFailedError, UnusableAnswerError } from "./errors.js";
import type { ModelCallLog } from "./model-calls.js";

/** How the reader judged one answer: usable (`value`), or not (`problems`, sent back to the model). */
export type AnswerReading<T> =
  | {
      /** The answer is usable. */
      readonly ok: true;
      /** What was read from it. */
      readonly value: T;
    }
  | {
      /** The answer is not usable. */
      readonly ok: false;
      /** What is wrong, one sentence each; sent back to the model in the re-ask. */
      readonly problems: readonly string[];
      /** What could be read anyway (for the report), if anything. */
      readonly value?: T;
    };

/** Sampling settings of the requests of one conversation. */
export interface AskRequestOptions {
  /** Sampling temperature (provider default when absent). */
  readonly temperature?: number | undefined;
  /** Answer token limit (provider default when absent). */
  readonly maxTokens?: number | undefined;
  /** Response format (free text when absent). */
  readonly responseFormat?: ResponseFormat | undefined;
  /**
   * Sample index when the same prompt is deliberately asked several times (candidates): it keeps
   * the samples apart in the response cache (see `GenerateRequest.sample`).
   */
  readonly sample?: number | undefined;
}

/** One conversation: what to ask, how to read the answers, how to re-ask. */
export interface AskSpec<T> {
  /** The optimizer's name, for errors and verbose output. */
  readonly optimizer: string;
  /** The language model to ask. */
  readonly model: LanguageModel;
  /** The first messages (system and problem). */
  readonly messages: readonly ChatMessage[];
  /**
   * What the conversation is for (`propose`, `candidate 2`, `gradient add0 -> str0`, …): the
   * requests' `purpose` (`… (retry N)` for re-asks) and the label of the calls in the report.
   */
  readonly purpose: string;
  /** Reads one answer; `result` gives the finish reason, usage, etc. Must not throw. */
  readonly read: (text: string, result: GenerateResult) => AnswerReading<T>;
  /** The user message of a re-ask, from the problems of the refused answer. */
  readonly retryMessage: (problems: readonly string[]) => string;
  /** Re-asks after an unusable answer (0: one try only). */
  readonly maxRetries: number;
  /** Records the calls for the report. */
  readonly log: ModelCallLog;
  /** Sampling settings of the requests. */
  readonly request?: AskRequestOptions;
  /** Cancels the conversation: rejects with `CancelledError`. */
  readonly signal?: AbortSignal | undefined;
  /** Receives prompts and responses when the optimizer is verbose. */
  readonly trace?: ((message: string) => void) | undefined;
}

/** How a conversation ended. */
export type AskOutcome<T> =
  | {
      /** A usable answer was read. */
      readonly ok: true;
      /** What the reader read from it. */
      readonly value: T;
      /** The answer's text. */
      readonly text: string;
      /** Answers read (1 + re-asks). */
      readonly attempts: number;
      /** The problems of each refused answer, in order. */
      readonly problems: readonly (readonly string[])[];
    }
  | {
      /** No usable answer: the model call failed, or every answer was refused. */
      readonly ok: false;
      /** Why: `UnusableAnswerError` or `ModelCallFailedError` (its `cause` is the model's error). */
      readonly error: UnusableAnswerError | ModelCallFailedError;
      /** What the reader could read from the last answer, if anything. */
      readonly value?: T;
      /** Answers read. */
      readonly attempts: number;
      /** The problems of each refused answer, in order. */
      readonly problems: readonly (readonly string[])[];
    };

/** The problem added when a refused answer was cut off by the token limit. */
export const CUT_OFF_PROBLEM =
  "the answer was cut off by the token limit: keep the reasoning short and send the whole answer";

/**
 * Runs one conversation: asks, reads the answer, and while it is unusable re-asks (in the same
 * conversation, with the problems stated) up to `maxRetries` times. Never throws for a bad answer
 * or a failed call — the outcome says why — only `CancelledError` when `signal` is aborted.
 *
 * @example
 * const outcome = await askModel({
 *   optimizer: "Echo", model, messages, purpose: "propose", maxRetries: 2, log,
 *   read: (text) => (text.trim() ? { ok: true, value: text.trim() } : { ok: false, problems: ["empty answer"] }),
 *   retryMessage: (problems) => `Your answer could not be used: ${problems.join("; ")}. Try again.`,
 * });
 */
export async function askModel<T>(spec: AskSpec<T>): Promise<AskOutcome<T>> {
  const problems: string[][] = [];
  let messages = spec.messages;
  for (let attempt = 0; ; attempt++) {
    if (spec.signal?.aborted) throw cancelledFrom(spec.signal);
    const purpose = attempt === 0 ? spec.purpose : `${spec.purpose} (retry ${attempt})`;
    trace(spec, purpose, attempt === 0 ? messages : messages.slice(-1));
    let result: GenerateResult;
    try {
      result = await spec.log.generate(spec.model, request(spec, messages, purpose), purpose);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      if (spec.signal?.aborted) throw cancelledFrom(spec.signal);
      const failure = new ModelCallFailedError(spec.optimizer, purpose, error);
      spec.trace?.(`[${spec.optimizer}] ${failure.message}`);
      return { ok: false, error: failure, attempts: attempt, problems };
    }
    spec.trace?.(`[${spec.optimizer}] response (${purpose}):\n${result.text}`);
    const reading = spec.read(result.text, result);
    if (reading.ok)
      return { ok: true, value: reading.value, text: result.text, attempts: attempt + 1, problems };
    const found = reading.problems.length > 0 ? [...reading.problems] : ["the answer could not be used"];
    if (result.finishReason === "length") found.push(CUT_OFF_PROBLEM);
    problems.push(found);
    if (attempt >= spec.maxRetries) {
      const error = new UnusableAnswerError(spec.optimizer, spec.purpose, found, attempt + 1);
      spec.trace?.(`[${spec.optimizer}] ${error.message}`);
      return {
        ok: false,
        error,
        ...(reading.value !== undefined ? { value: reading.value } : {}),
        attempts: attempt + 1,
        problems,
      };
    }
    messages = [
      ...messages,
      { role: "assistant", content: result.text },
      { role: "user", content: spec.retryMessage(found) },
    ];
  }
}

function request<T>(spec: AskSpec<T>, messages: readonly ChatMessage[], purpose: string): GenerateRequest {
  const o = spec.request ?? {};
  return {
    messages,
    purpose,
    ...(o.responseFormat !== undefined ? { responseFormat: o.responseFormat } : {}),
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
    ...(o.sample !== undefined ? { sample: o.sample } : {}),
    ...(spec.signal !== undefined ? { signal: spec.signal } : {}),
  };
}

function trace<T>(spec: AskSpec<T>, purpose: string, messages: readonly ChatMessage[]): void {
  if (spec.trace === undefined) return;
  const body = messages.map((m) => `--- ${m.role} ---\n${m.content}`).join("\n");
  spec.trace(`[${spec.optimizer}] prompt (${purpose}):\n${body}`);
}
