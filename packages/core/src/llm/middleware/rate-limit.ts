/**
 * Concurrency and requests-per-minute limits. One `rateLimit(...)` middleware holds one set of
 * counters: wrap several models with the same instance to share a provider quota between them.
 * A {@link RateLimiter} plugs in limits kept elsewhere (another process, a Redis server).
 */
import pLimit, { type LimitFunction } from "p-limit";
import { InvalidOptionError } from "../../errors/graph-errors.js";
import { validateOptions } from "../../util/options.js";
import { cancelledFrom } from "../errors.js";
import { abortable, sleep } from "../sleep.js";
import { defineMiddleware, type LanguageModelMiddleware } from "./wrap.js";

/** Permission to make one call, from a {@link RateLimiter}; give it back when the call settles. */
export interface RateLimitPermit {
  /**
   * Gives the slot back. Called exactly once by `rateLimit`, when the call settles (success,
   * failure or cancellation). A rejection is reported as a process warning and does not fail the
   * call: a limiter whose release can fail must free the slot on its own (e.g. a lease that expires).
   */
  release(): void | Promise<void>;
}

/**
 * A rate limit kept outside this middleware, e.g. shared by several processes through a server
 * (`RedisRateLimiter` in `@trace-ts/scale`). `rateLimit({ limiter })` takes one permit before each
 * call and releases it when the call settles.
 */
export interface RateLimiter {
  /**
   * Waits until one more call may start, then returns its permit. Should reject with a
   * `CancelledError` when `signal` aborts while waiting (`rateLimit` also stops waiting on abort and
   * releases a permit granted afterwards), and with a typed error when the limit cannot be checked,
   * never grant a permit it could not account for.
   *
   * @param signal the call's abort signal
   */
  acquire(signal?: AbortSignal): Promise<RateLimitPermit>;
}

/** Options of {@link rateLimit}. At least one limit (or a `limiter`) must be given. */
export interface RateLimitOptions {
  /** Largest number of calls in flight at once. */
  readonly concurrency?: number;
  /** Largest number of calls started in any sliding 60-second window. */
  readonly requestsPerMinute?: number;
  /** Length of the sliding window in ms (default 60 000; shorter values are for tests). */
  readonly windowMs?: number;
  /**
   * A limit kept elsewhere (shared between processes), checked after the local limits: each call
   * takes one of its permits once it has its local slots, and releases it when it settles.
   */
  readonly limiter?: RateLimiter;
}

const SCHEMA = {
  concurrency: "integer",
  requestsPerMinute: "integer",
  windowMs: "number",
  limiter: "object",
} as const;
const RESOLVED: Promise<void> = Promise.resolve();
/** `code` of the process warning emitted (once per `rateLimit`) when releasing a permit fails. */
const RELEASE_WARNING = "TRACE_RATE_LIMIT_RELEASE";

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
 * With a `limiter` (a limit shared with other processes), a call first takes its local slots
 * (`concurrency`, `requestsPerMinute`) and only then a permit from the limiter, which it holds
 * exactly while the model runs. In that order a call queued behind this process's own limit never
 * holds a shared slot that another process could be using, and a local window start is never spent
 * on a call that is then refused.
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
  const { concurrency, requestsPerMinute, limiter } = options;
  if (limiter !== undefined && typeof (limiter as Partial<RateLimiter>).acquire !== "function") {
    throw new InvalidOptionError(
      "rateLimit",
      "limiter",
      "must be a RateLimiter (an object with an acquire function)",
    );
  }
  if (concurrency === undefined && requestsPerMinute === undefined && limiter === undefined) {
    throw new RangeError("rateLimit: give concurrency and/or requestsPerMinute, or a limiter");
  }
  if (concurrency !== undefined && concurrency < 1) {
    throw new RangeError(`rateLimit: concurrency must be >= 1, got ${concurrency}`);
  }
  const limit: LimitFunction | undefined = concurrency === undefined ? undefined : pLimit(concurrency);
  const window =
    requestsPerMinute === undefined
      ? undefined
      : new SlidingWindowLimiter(requestsPerMinute, options.windowMs);

  let warned = false;
  const giveBack = (permit: RateLimitPermit): Promise<void> =>
    releasePermit(permit, (error) => {
      if (warned) return;
      warned = true; // once per middleware: an unreachable server would otherwise warn on every call
      const detail = error instanceof Error ? error.message : String(error);
      process.emitWarning(`trace-ts rateLimit: releasing a shared rate-limit permit failed: ${detail}`, {
        type: "TraceWarning",
        code: RELEASE_WARNING,
      });
    });

  return defineMiddleware("rateLimit", (request, next) => {
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
    const run = async () => {
      if (signal?.aborted) throw cancelledFrom(signal);
      if (window) await window.acquire(signal);
      if (!limiter) return next(request);
      const permit = await takePermit(limiter, signal, giveBack);
      try {
        return await next(request);
      } finally {
        await giveBack(permit);
      }
    };
    if (!limit) return run();
    const queued = limit(run);
    return abortable(queued, signal);
  });
}

/**
 * Asks `limiter` for a permit, giving up at once when `signal` aborts; a permit granted after the
 * caller gave up is released.
 */
async function takePermit(
  limiter: RateLimiter,
  signal: AbortSignal | undefined,
  giveBack: (permit: RateLimitPermit) => Promise<void>,
): Promise<RateLimitPermit> {
  if (signal?.aborted) throw cancelledFrom(signal);
  const pending = limiter.acquire(signal);
  if (!signal) return pending;
  try {
    return await abortable(pending, signal);
  } catch (error) {
    if (signal.aborted) {
      pending.then(
        (late) => giveBack(late),
        () => undefined,
      );
    }
    throw error;
  }
}

/** Releases `permit`; a failure goes to `onError`, never to the call. */
async function releasePermit(permit: RateLimitPermit, onError: (error: unknown) => void): Promise<void> {
  try {
    await permit.release();
  } catch (error) {
    onError(error);
  }
}
