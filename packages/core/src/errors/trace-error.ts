/**
 * Why an error ends a run instead of being feedback about the agent:
 * - `cancelled`: the caller aborted (an `AbortSignal`);
 * - `budget`: a token or cost budget refused the call;
 * - `outage`: the language model could not be used (connection, authentication, 5xx, timeout or
 *   rate limit that survived the retries; no key or provider configured). An example whose forward
 *   pass failed this way is not scored, and its error is never shown to an optimizer.
 */
export type RunStopReason = "cancelled" | "budget" | "outage";

/**
 * Base class of every error trace-ts throws on purpose. `code` is stable across releases and is
 * what programs should branch on; `message` is for people and says what to do.
 */
export class TraceError extends Error {
  /** Stable machine-readable identifier of the error kind, e.g. `BACKWARD_TWICE`. */
  readonly code: string;

  /**
   * Why this error ends a run, or undefined when it is feedback (the default). Subclasses that stop
   * runs override it; this is the one place where that is decided (see `findStopError`).
   */
  get stopsRun(): RunStopReason | undefined {
    return undefined;
  }

  /**
   * @param code stable identifier of the error kind
   * @param message what went wrong and what to do about it
   * @param options standard `ErrorOptions` (`cause`)
   */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * The `code` of the innermost `TraceError` in `error`'s cause chain (itself included): for an
 * optimizer's "model call failed" error caused by a `BudgetExceededError`, `LLM_BUDGET_EXCEEDED`.
 * Undefined when the chain holds no `TraceError`.
 */
export function rootErrorCode(error: unknown): string | undefined {
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 16 && current instanceof Error; depth++) {
    if (current instanceof TraceError) code = current.code;
    current = current.cause;
  }
  return code;
}
