import { TraceError } from "./trace-error.js";

/**
 * The error in `error`'s cause chain (itself included) that ends a run — a `TraceError` whose
 * `stopsRun` says why (a cancellation, a spent budget, a model outage) — if any. Such an error
 * says nothing about the program an optimizer could fix, so traced operations (`callLLM`, bundled
 * functions, sandboxed helpers) rethrow it as it is instead of recording it as an `ExceptionNode`
 * wrapped in an `ExecutionError`: a training loop that only catches `ExecutionError` stops cleanly,
 * and the trainer can tell an outage (skip the example, count it) from feedback.
 */
export function findStopError(error: unknown): TraceError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 16 && current instanceof Error; depth++) {
    if (current instanceof TraceError && current.stopsRun !== undefined) return current;
    current = current.cause;
  }
  return undefined;
}
