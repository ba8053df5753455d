import { TraceError } from "./trace-error.js";

/** Codes of errors that end a run instead of becoming feedback: a cancellation, a spent budget. */
const STOP_CODES: ReadonlySet<string> = new Set(["LLM_CANCELLED", "LLM_BUDGET_EXCEEDED"]);

/**
 * The cancellation or budget refusal in `error`'s cause chain (itself included), if any. Such an
 * error says nothing about the program an optimizer could fix, so traced operations (`callLLM`,
 * bundled functions) rethrow it as it is instead of recording it as an `ExceptionNode` wrapped in
 * an `ExecutionError`: a training loop that only catches `ExecutionError` stops cleanly.
 */
export function findStopError(error: unknown): TraceError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 16 && current instanceof Error; depth++) {
    if (current instanceof TraceError && STOP_CODES.has(current.code)) return current;
    current = current.cause;
  }
  return undefined;
}
