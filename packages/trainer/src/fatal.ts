/**
 * Which errors stop a run instead of becoming feedback: a spent budget, a cancellation, and
 * configuration failures that no change of prompt or code can fix (missing key, unknown model…).
 */
import {
  AuthenticationError,
  BudgetExceededError,
  CancelledError,
  MissingApiKeyError,
  MissingPriceError,
  MissingProviderPackageError,
  NoDefaultModelError,
  UnknownModelError,
} from "@trace-ts/core";
import { RunCancelledError } from "./errors.js";

/**
 * The first error in `error`'s cause chain (itself included) that is an instance of `type`.
 * @param error the error
 * @param type the class to look for
 */
export function findCause<E extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => E,
): E | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 16 && current !== undefined && current !== null; depth++) {
    if (current instanceof type) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

const CONFIG_FAILURES = [
  AuthenticationError,
  MissingApiKeyError,
  NoDefaultModelError,
  MissingProviderPackageError,
  UnknownModelError,
  MissingPriceError,
] as const;

/**
 * The error that must stop the run, if `error` (or its cause chain) holds one: the
 * `BudgetExceededError`, a `RunCancelledError` for a cancellation, or the configuration error.
 * Undefined when the error may become feedback.
 *
 * @param error what was thrown
 */
export function stoppingError(error: unknown): Error | undefined {
  const budget = findCause(error, BudgetExceededError);
  if (budget) return budget;
  const run = findCause(error, RunCancelledError);
  if (run) return run;
  const cancelled = findCause(error, CancelledError);
  if (cancelled) return new RunCancelledError(cancelled.cause ?? cancelled);
  for (const type of CONFIG_FAILURES) {
    const hit = findCause<Error>(error, type);
    if (hit) return hit;
  }
  return undefined;
}
