import { describeError, TraceError } from "@trace-ts/core";

/**
 * A model kept answering in a form TextGrad cannot use (no `<new_value>` block, a value of the
 * wrong type, code that does not compile, an empty explanation) after all re-asks. `step()`
 * turns it into a report with `error` and leaves every parameter unchanged.
 */
export class UnusableAnswerError extends TraceError {
  /** The call that failed, e.g. `update str0`. */
  readonly purpose: string;
  /** What was wrong with the last answer. */
  readonly problem: string;
  /** The last answer's raw value, when one was extracted. */
  readonly value: unknown;

  /**
   * @param purpose the call, e.g. `update str0`
   * @param problem what was wrong with the last answer
   * @param attempts how many answers were tried
   * @param value the last extracted value, if any
   */
  constructor(purpose: string, problem: string, attempts: number, value?: unknown) {
    super(
      "TEXTGRAD_UNUSABLE_ANSWER",
      `${purpose}: no usable answer after ${attempts} attempt(s); last problem: ${problem}. ` +
        "Raise maxRetries, use a stronger model, or check the prompt in the step report's calls.",
    );
    this.purpose = purpose;
    this.problem = problem;
    this.value = value;
  }
}

/**
 * A model call of a TextGrad step failed (provider error, budget, script exhausted …). `step()`
 * turns it into a report with `error` and leaves every parameter unchanged.
 */
export class ModelCallFailedError extends TraceError {
  /** The call that failed, e.g. `gradient add0 -> str0`. */
  readonly purpose: string;

  /**
   * @param purpose the call that failed
   * @param cause the model's error
   */
  constructor(purpose: string, cause: unknown) {
    super(
      "TEXTGRAD_MODEL_CALL_FAILED",
      `${purpose}: the model call failed: ${describeError(cause)}. Nothing was changed; fix the cause and call step() again.`,
      { cause },
    );
    this.purpose = purpose;
  }
}
