import {
  CancelledError,
  type ChatMessage,
  cancelledFrom,
  type LanguageModel,
  type ModelCallLog,
} from "@trace-ts/core";
import { ModelCallFailedError, UnusableAnswerError } from "./errors.js";

/** Result of parsing one answer. */
export type ParsedAnswer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string; readonly value?: unknown };

/** One model question with re-asks (see `askUntilUsable`). */
export interface Question<T> {
  /** Records every call for the step report. */
  readonly log: ModelCallLog;
  /** The model to ask. */
  readonly model: LanguageModel;
  /** The first prompt. */
  readonly messages: readonly ChatMessage[];
  /** What the call is for, e.g. `update str0` (re-asks get ` (retry N)`). */
  readonly purpose: string;
  /** Cancels the call; checked before every attempt. */
  readonly signal: AbortSignal;
  /** Re-asks after an unusable answer. */
  readonly maxRetries: number;
  /** Sampling temperature, when set. */
  readonly temperature: number | undefined;
  /** Turns the answer's text into a value or a problem. */
  parse(text: string): ParsedAnswer<T>;
  /** The follow-up message stating `problem`. */
  retryMessage(problem: string): string;
}

/** A usable answer and how many calls it took. */
export interface Answer<T> {
  /** The parsed value. */
  readonly value: T;
  /** The raw text of the usable answer. */
  readonly text: string;
  /** Number of calls made (1 + re-asks). */
  readonly attempts: number;
}

/**
 * Asks, and while the answer cannot be used, shows the model its answer and the problem and asks
 * again (at most `maxRetries` times). Throws `UnusableAnswerError` when no answer was usable,
 * `ModelCallFailedError` when the model fails, and `CancelledError` when cancelled.
 */
export async function askUntilUsable<T>(question: Question<T>): Promise<Answer<T>> {
  let messages: ChatMessage[] = [...question.messages];
  let problem = "";
  let value: unknown;
  for (let attempt = 0; attempt <= question.maxRetries; attempt++) {
    if (question.signal.aborted) throw cancelledFrom(question.signal);
    const purpose = attempt === 0 ? question.purpose : `${question.purpose} (retry ${attempt})`;
    let text: string;
    try {
      const result = await question.log.generate(
        question.model,
        {
          messages,
          signal: question.signal,
          ...(question.temperature === undefined ? {} : { temperature: question.temperature }),
        },
        purpose,
      );
      text = result.text;
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      throw new ModelCallFailedError(purpose, error);
    }
    const parsed = question.parse(text);
    if (parsed.ok) return { value: parsed.value, text, attempts: attempt + 1 };
    problem = parsed.problem;
    value = parsed.value;
    messages = [
      ...messages,
      { role: "assistant", content: text },
      { role: "user", content: question.retryMessage(problem) },
    ];
  }
  throw new UnusableAnswerError(question.purpose, problem, question.maxRetries + 1, value);
}
