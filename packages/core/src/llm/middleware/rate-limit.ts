/**
 * Concurrency and requests-per-minute limits. One `rateLimit(...)` middleware holds one set of
 * counters: wrap several models with the same instance to share a provider quota between them.
 */
import pLimit, { type LimitFunction } from "p-limit";
import { validateOptions } from "../../util/options.js";
import { cancelledFrom } from "../errors.js";
import { abortable, sleep } from "../sleep.js";
import { defineMiddleware, type LanguageModelMiddleware } from "./wrap.js";

/** Options of {@link rateLimit}. At least one limit must be given. */
export interface RateLimitOptions {
  /** Largest number of calls in flight at once. */
  readonly concurrency?: number;
  /** Largest number of calls started in any sliding 60-second window. */
  readonly requestsPerMinute?: number;
  /** Length of the sliding window in ms (default 60 000; shorter values are for tests). */
  readonly windowMs?: number;
}

const SCHEMA = { concurrency: "integer", requestsPerMinute: "integer", windowMs: "number" } as const;
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Counts call starts in a sliding window and makes callers wait (first come, first served) until
 * starting one more stays within the limit.
 */
export class SlidingWindowLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Start times of the calls in the current window, oldest first (ring buffer). */
  readonly #starts: number[] = [];
  #head = 0;
  #waiting = 0;
  #tail: Promise<void> = RESOLVED;

  /**
   * @param max calls allowed per window
   * @param windowMs window length in ms
   * @param now clock (for tests)
   */
  constructor(max: number, windowMs = 60_000, now: () => number = () => performance.now()) {
    if (!(max >= 1)) throw new RangeError(`requestsPerMinute must be >= 1, got ${max}`);
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Calls started in the current window. */
  get inWindow(): number {
    this.#expire(this.#now());
    return this.#starts.length - this.#head;
  }

  /**
   * Waits for a free slot in the window and records the start. Callers are served in order.
   * Rejects with `CancelledError` if `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#waiting === 0) {
      // fast path: nobody queued and room in the window
      if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
      const now = this.#now();
      this.#expire(now);
      if (this.#starts.length - this.#head < this.#max) {
        this.#starts.push(now);
        return RESOLVED;
      }
    }
    this.#waiting++;
    const turn = this.#tail.then(() => this.#waitForSlot(signal));
    // the next caller waits for this one to get its slot (or give up), never for its call
    this.#tail = turn.then(
      () => {
        this.#waiting--;
      },
      () => {
        this.#waiting--;
      },
    );
    return turn;
  }

  async #waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw cancelledFrom(signal);
      const now = this.#now();
      this.#expire(now);
      if (this.#starts.length - this.#head < this.#max) {
        this.#starts.push(now);
        return;
      }
      const oldest = this.#starts[this.#head]!;
      await sleep(oldest + this.#windowMs - now, signal);
    }
  }

  #expire(now: number): void {
    while (this.#head < this.#starts.length && this.#starts[this.#head]! <= now - this.#windowMs)
      this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#starts.length) {
      this.#starts.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

/**
 * Limits how many calls run at once and how many start per minute. Waiting calls are served in
 * arrival order; a call whose `signal` aborts while waiting is rejected at once with
 * `CancelledError` and never sent. Place it inside `retry` so each attempt takes a slot and the
 * backoff waits do not hold one, and `enforceBudget` inside it so queued calls hold no budget.
 *
 * @example
 * const shared = rateLimit({ concurrency: 8, requestsPerMinute: 500 });
 * const a = wrapModel(openai("gpt-4o-mini"), shared);
 * const b = wrapModel(openai("gpt-4o"), shared); // same quota
 *
 * @param options the limits
 */
export function rateLimit(options: RateLimitOptions): LanguageModelMiddleware {
  validateOptions("rateLimit", options, SCHEMA);
  const { concurrency, requestsPerMinute } = options;
  if (concurrency === undefined && requestsPerMinute === undefined) {
    throw new RangeError("rateLimit: give concurrency and/or requestsPerMinute");
  }
  if (concurrency !== undefined && concurrency < 1) {
    throw new RangeError(`rateLimit: concurrency must be >= 1, got ${concurrency}`);
  }
  const limit: LimitFunction | undefined = concurrency === undefined ? undefined : pLimit(concurrency);
  const window =
    requestsPerMinute === undefined
      ? undefined
      : new SlidingWindowLimiter(requestsPerMinute, options.windowMs);

  return defineMiddleware("rateLimit", (request, next) => {
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
    const run = async () => {
      if (signal?.aborted) throw cancelledFrom(signal);
      if (window) await window.acquire(signal);
      return next(request);
    };
    if (!limit) return run();
    const queued = limit(run);
    return abortable(queued, signal);
  });
}
