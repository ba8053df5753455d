/**
 * The abort signal of one provider call: it follows the caller's `AbortSignal` and a time limit
 * that covers the whole call (connecting, headers and body), and says afterwards which of the two
 * ended the call. For provider authors.
 *
 * Why not `AbortSignal.any([caller, AbortSignal.timeout(ms)])`: a combined signal stays
 * referenced by its long-lived source signal (nodejs/node#55351). And why not hand the caller's
 * signal to the SDK: SDKs add a listener to the signal they are given and may never remove it
 * (one per call), so a signal shared by many calls — as `evaluate()`, `train()` and the
 * optimizers share theirs — collects listeners until Node warns (`MaxListenersExceededWarning`).
 * Here the SDK only sees the per-call signal; the caller's signal carries one listener of ours
 * while calls are in flight on it (one for all of them), removed when the last one settles.
 */

/** What aborted a call: the caller's signal, or the call's time limit. */
export type CallAbortSource = "caller" | "timeout";

/** `setTimeout` cannot wait longer than this (a longer delay would fire at once). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The timeout to give an SDK's own timer when a {@link CallSignal} enforces `timeoutMs`: one second
 * later (whole milliseconds, within `setTimeout`'s range), so ours always fires first and the
 * SDK's stays a backstop. (SDK timers typically stop once the headers arrive.)
 *
 * @param timeoutMs the call's time limit in ms
 */
export function sdkBackstopTimeout(timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs)) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.ceil(timeoutMs) + 1_000);
}

/**
 * A per-call `AbortController` linked to the caller's signal, plus a timer that aborts the call
 * when `timeoutMs` passes, whatever phase the call is in (connecting, headers, body). Create one
 * per call, pass `signal` to the SDK, and call `done()` when the call settles (success or
 * failure) — in a `finally` — to unlink it from the caller's signal and stop the timer. (All calls
 * in flight on one caller signal share a single listener on it, removed with the last of them.)
 * Afterwards `abortedBy` tells a cancellation (`"caller"`, map it to `CancelledError`) from a
 * timeout (`"timeout"`, map it to `LLMTimeoutError`); `callAbortError` does that mapping.
 *
 * @example
 * const call = new CallSignal(request.signal, this.timeoutMs);
 * try {
 *   return await client.create(body, { signal: call.signal, timeout: sdkBackstopTimeout(this.timeoutMs) });
 * } catch (error) {
 *   // CancelledError, LLMTimeoutError, or undefined when the call was not aborted
 *   throw callAbortError(call, error, ctx) ?? providerFailureToError(classify(error), ctx);
 * } finally {
 *   call.done();
 * }
 */
export class CallSignal {
  /**
   * The calls in flight per caller signal. A caller signal carries at most one listener of ours
   * (`fanOut`), however many calls share it, so a burst of 50 concurrent calls on one signal
   * neither adds 50 listeners nor trips Node's `MaxListenersExceededWarning`; the listener is
   * removed when the last of them settles. Keys are weak: a dropped signal is not retained.
   */
  static readonly #calls = new WeakMap<AbortSignal, Set<CallSignal>>();

  /** The one listener on a caller signal: aborts every call in flight on it. */
  static readonly #fanOut = (event: Event): void => {
    const caller = event.target as AbortSignal;
    const calls = CallSignal.#calls.get(caller);
    if (calls === undefined) return;
    CallSignal.#calls.delete(caller);
    for (const call of [...calls]) call.#abort("caller", caller.reason);
  };

  /** The signal to give the SDK: aborted by the caller's signal or by the time limit. */
  readonly signal: AbortSignal;
  readonly #controller: AbortController;
  readonly #caller: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abortedBy: CallAbortSource | undefined;
  #done = false;

  /**
   * @param caller the caller's signal (may be shared by many calls), if any
   * @param timeoutMs time limit of the whole call in ms; undefined, `Infinity` or ≤ 0 for none
   */
  constructor(caller: AbortSignal | undefined, timeoutMs?: number) {
    this.#controller = new AbortController();
    this.signal = this.#controller.signal;
    this.#caller = caller;
    if (caller?.aborted) {
      this.#abort("caller", caller.reason);
      return;
    }
    if (caller !== undefined) {
      let calls = CallSignal.#calls.get(caller);
      if (calls === undefined) {
        calls = new Set();
        CallSignal.#calls.set(caller, calls);
        caller.addEventListener("abort", CallSignal.#fanOut, { once: true });
      }
      calls.add(this);
    }
    if (timeoutMs !== undefined && timeoutMs > 0 && timeoutMs !== Number.POSITIVE_INFINITY) {
      const ms = Math.min(Math.ceil(timeoutMs), MAX_TIMER_MS);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#abort(
          "timeout",
          new DOMException(`the call did not complete within ${timeoutMs} ms`, "TimeoutError"),
        );
      }, ms);
    }
  }

  /** What aborted the call, or undefined while it was not aborted. */
  get abortedBy(): CallAbortSource | undefined {
    return this.#abortedBy;
  }

  /** True once the caller's signal aborted the call. */
  get cancelled(): boolean {
    return this.#abortedBy === "caller";
  }

  /** True once the time limit aborted the call. */
  get timedOut(): boolean {
    return this.#abortedBy === "timeout";
  }

  /**
   * The call settled: stops the timer and unlinks the call from the caller's signal (removing
   * our listener when no other call is in flight on it). Safe to call more than once. Does not
   * abort `signal` (a finished request needs no abort).
   */
  done(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const caller = this.#caller;
    if (caller === undefined) return;
    const calls = CallSignal.#calls.get(caller);
    if (calls === undefined || !calls.delete(this) || calls.size > 0) return;
    CallSignal.#calls.delete(caller);
    caller.removeEventListener("abort", CallSignal.#fanOut);
  }

  #abort(source: CallAbortSource, reason: unknown): void {
    if (this.#abortedBy !== undefined || this.#done) return;
    this.#abortedBy = source;
    this.done();
    this.#controller.abort(reason);
  }
}
