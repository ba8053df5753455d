/** Abortable timers shared by the retry, rate-limit and test-double code. */
import { cancelledFrom } from "./errors.js";

/**
 * Resolves after `ms` milliseconds, or rejects early when `signal` aborts (with `onAbort()`, by
 * default a `CancelledError` carrying the abort reason). Rejects at once if already aborted.
 *
 * @param ms delay in milliseconds (≤ 0 resolves on the next macrotask)
 * @param signal optional abort signal
 * @param onAbort builds the rejection error
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  onAbort: () => Error = () => cancelledFrom(signal),
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(onAbort());
      return;
    }
    const abort = (): void => {
      clearTimeout(timer);
      reject(onAbort());
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", abort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * Resolves or rejects like `promise`, but rejects at once with a `CancelledError` when `signal`
 * aborts first. The underlying work is not stopped; it should check the signal itself.
 *
 * @param promise the work to wait for
 * @param signal optional abort signal
 * @param onAbort builds the rejection (default: a `CancelledError` carrying the abort reason; a
 *   provider that tells a time limit from a cancellation passes `() => signal.reason`)
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => unknown = () => cancelledFrom(signal),
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(onAbort());
  }
  return new Promise<T>((resolve, reject) => {
    const aborted = (): void => reject(onAbort());
    signal.addEventListener("abort", aborted, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", aborted);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", aborted);
        reject(error);
      },
    );
  });
}
