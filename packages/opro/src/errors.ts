import { describeError, TraceError } from "@trace-ts/core";

/**
 * The model kept answering in a form Opro cannot use (no `<value name="…">` block, a value of the
 * wrong type, code that does not compile, an unknown key) after all re-asks. `step()` turns it
 * into a report with `error` and leaves every parameter unchanged.
 */
export class OproUnusableAnswerError extends TraceError {
  /** What was wrong with the last answer. */
  readonly problems: readonly string[];

  /**
   * @param problems what was wrong with the last answer
   * @param attempts how many answers were tried
   */
  constructor(problems: readonly string[], attempts: number) {
    super(
      "OPRO_UNUSABLE_ANSWER",
      `no usable solution after ${attempts} attempt(s); last problems: ${problems.join("; ")}. ` +
        "Raise maxRetries, use a stronger model, or check the prompt in the step report's calls.",
    );
    this.problems = problems;
  }
}

/** A model call of an Opro step failed; `step()` turns it into a report with `error`. */
export class OproModelCallFailedError extends TraceError {
  /**
   * @param purpose the call, e.g. `propose` or `propose (retry 1)`
   * @param cause the model's error
   */
  constructor(purpose: string, cause: unknown) {
    super(
      "OPRO_MODEL_CALL_FAILED",
      `${purpose}: the model call failed: ${describeError(cause)}. Nothing was changed; fix the cause and call step() again.`,
      { cause },
    );
  }
}
