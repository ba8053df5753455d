/**
 * `RedisRateLimiter`: a concurrency and requests-per-window limit shared by every process that uses
 * the same Redis and limiter name, for `rateLimit({ limiter })` / `withDefaults(model, { limiter })`.
 *
 * Keys written (with the default prefix `trace-ts:`):
 * - `<prefix>limit:<name>:holders`: sorted set, permit id → lease expiry (Redis clock, ms). One
 *   member per call in flight; only with `concurrency`. Expires when the last lease does.
 * - `<prefix>limit:<name>:starts`: sorted set, permit id → start time (Redis clock, ms). One
 *   member per call started in the last `windowMs`; only with `requestsPerMinute`. Expires one
 *   window after the last start.
 */
import { randomUUID } from "node:crypto";
import { InvalidOptionError, TraceError } from "@trace-ts/core";
import { cancelledFrom, type RateLimiter, type RateLimitPermit } from "@trace-ts/core/llm";
import { validateOptions } from "@trace-ts/core/optimizer";
import { SharedStateUnavailableError } from "./errors.js";
import {
  checkKeyPart,
  DEFAULT_PREFIX,
  DEFAULT_TIMEOUT_MS,
  luaScript,
  RedisConnection,
  type RedisSource,
} from "./redis-connection.js";

/** Options of {@link RedisRateLimiter}. At least one of `concurrency` and `requestsPerMinute`. */
export interface RedisRateLimiterOptions {
  /** An ioredis client (left open by `close()`) or a `redis://` / `rediss://` URL (closed by `close()`). */
  readonly redis: RedisSource;
  /**
   * Name of the limit: processes using the same Redis, prefix and name share it (and must give it
   * the same limits). Letters, digits and `_ - . : { }`, at most 100 characters.
   */
  readonly name: string;
  /** Prefix of every key (default `trace-ts:`). */
  readonly prefix?: string;
  /** Largest number of calls in flight at once, over all processes. */
  readonly concurrency?: number;
  /** Largest number of calls started in any sliding window of `windowMs`, over all processes. */
  readonly requestsPerMinute?: number;
  /** Length of the sliding window in ms (default 60 000; shorter values are for tests). */
  readonly windowMs?: number;
  /**
   * How long a permit stays valid without renewal, in ms (default 30 000). A live process renews
   * its permits every `leaseMs / 3`; the permits of a process that dies free their slots at the
   * latest `leaseMs` after its last renewal. Keep it well above a Redis round trip.
   */
  readonly leaseMs?: number;
  /** First wait between attempts when no slot is free, in ms (default 50; doubles up to 1 s). */
  readonly pollMs?: number;
  /** Time limit of one Redis operation, in ms (default 5 000). */
  readonly timeoutMs?: number;
}

/** Default `windowMs`. */
const DEFAULT_WINDOW_MS = 60_000;
/** Default `leaseMs`. */
const DEFAULT_LEASE_MS = 30_000;
/** Default `pollMs`. */
const DEFAULT_POLL_MS = 50;
/** Longest wait between two attempts of one `acquire`. */
const MAX_POLL_MS = 1_000;

const SCHEMA = {
  redis: "object",
  name: "string",
  prefix: "string",
  concurrency: "integer",
  requestsPerMinute: "integer",
  windowMs: "number",
  leaseMs: "number",
  pollMs: "number",
  timeoutMs: "number",
} as const;

/**
 * One acquire attempt, atomically. KEYS: holders, starts. ARGV: permit id, concurrency (0 = no
 * limit), requests per window (0 = no limit), window ms, lease ms. Drops expired holders and starts
 * older than the window; grants (adds the holder and the start) when both limits have room.
 * Returns `{1, now}` when granted, `{0, 0}` when the concurrency limit is full, `{0, ms}` with the
 * time until the oldest start leaves the window when the window is full.
 */
const ACQUIRE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local concurrency = tonumber(ARGV[2])
local perWindow = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local lease = tonumber(ARGV[5])
if concurrency > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= concurrency then return {0, 0} end
end
if perWindow > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  if redis.call('ZCARD', KEYS[2]) >= perWindow then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + window - now
    if wait < 1 then wait = 1 end
    return {0, wait}
  end
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  if redis.call('PTTL', KEYS[2]) < window then redis.call('PEXPIRE', KEYS[2], window) end
end
if concurrency > 0 then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
end
return {1, now}
`);

/**
 * Renews leases. KEYS: holders. ARGV: lease ms, then the permit ids this process still holds.
 * A missing id (its lease ran out, or Redis restarted empty) is added back: the call is still in
 * flight and must be counted. Returns how many ids were added back.
 */
const RENEW = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local restored = 0
for i = 2, #ARGV do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then restored = restored + 1 end
  redis.call('ZADD', KEYS[1], now + lease, ARGV[i])
end
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return restored
`);

/** `acquire` or `release` on a limiter after `close()`. */
export class RateLimiterClosedError extends TraceError {
  /** @param name the limiter's name */
  constructor(name: string) {
    super("SCALE_LIMITER_CLOSED", `the RedisRateLimiter ${JSON.stringify(name)} is closed; create a new one`);
  }
}

/**
 * A rate limit shared through Redis: at most `concurrency` calls in flight and `requestsPerMinute`
 * starts per sliding window, over every process using the same Redis, prefix and `name`.
 *
 * Each `acquire` attempt is one Lua script (Redis's clock, so machines need not agree on the time):
 * it drops expired permits and old starts, and takes a slot only if both limits have room. When
 * there is none, the caller waits `min(time until a window slot frees, pollMs · 2^attempt, 1 s)`
 * with jitter and tries again; the wait ends at once, with a `CancelledError`, when the signal
 * aborts. Waiters are not served in arrival order across processes.
 *
 * A permit is a lease: one timer per limiter (unref'd, running only while permits are held)
 * renews them every `leaseMs / 3`, so a process that dies or hangs frees its slots when its leases
 * run out. If Redis loses a held permit (restart), the next renewal writes it back. `release()`
 * removes the permit (its start stays in the window).
 *
 * When Redis is unreachable or too slow, `acquire` rejects with `SharedStateUnavailableError`
 * (code `SCALE_REDIS_UNAVAILABLE`): no permit is ever granted without Redis. A permit whose grant
 * was lost on the way back expires after `leaseMs`.
 *
 * @example
 * const limiter = new RedisRateLimiter({ redis: "redis://localhost:6379", name: "openai", concurrency: 16 });
 * const model = withDefaults(openai("gpt-4o-mini"), { limiter });
 * // … at shutdown
 * await limiter.close();
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #connection: RedisConnection;
  readonly #name: string;
  readonly #holdersKey: string;
  readonly #startsKey: string;
  readonly #concurrency: number;
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  /** Permit ids held by this process (renewed by the timer). */
  readonly #held = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;
  #closed = false;

  /** @param options where Redis is, the limit's name and the limits */
  constructor(options: RedisRateLimiterOptions) {
    validateOptions("RedisRateLimiter", { ...options, redis: undefined }, SCHEMA);
    const { concurrency, requestsPerMinute } = options;
    if (concurrency === undefined && requestsPerMinute === undefined) {
      throw new InvalidOptionError(
        "RedisRateLimiter",
        "concurrency",
        "or requestsPerMinute must be given (or both)",
      );
    }
    if (concurrency !== undefined && concurrency < 1) {
      throw new InvalidOptionError(
        "RedisRateLimiter",
        "concurrency",
        `must be at least 1, got ${concurrency}`,
      );
    }
    if (requestsPerMinute !== undefined && requestsPerMinute < 1) {
      throw new InvalidOptionError(
        "RedisRateLimiter",
        "requestsPerMinute",
        `must be at least 1, got ${requestsPerMinute}`,
      );
    }
    this.#windowMs = positive("windowMs", options.windowMs ?? DEFAULT_WINDOW_MS);
    this.#leaseMs = positive("leaseMs", options.leaseMs ?? DEFAULT_LEASE_MS);
    this.#pollMs = positive("pollMs", options.pollMs ?? DEFAULT_POLL_MS);
    this.#concurrency = concurrency ?? 0;
    this.#perWindow = requestsPerMinute ?? 0;
    this.#name = checkKeyPart("RedisRateLimiter", "name", options.name, true);
    const prefix = checkKeyPart("RedisRateLimiter", "prefix", options.prefix ?? DEFAULT_PREFIX, false);
    this.#holdersKey = `${prefix}limit:${this.#name}:holders`;
    this.#startsKey = `${prefix}limit:${this.#name}:starts`;
    this.#connection = new RedisConnection(
      "RedisRateLimiter",
      options.redis,
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
  }

  /** Number of permits this process holds now. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Waits for a slot, then returns its permit.
   *
   * @param signal aborting it while waiting rejects with `CancelledError`
   * @throws SharedStateUnavailableError when Redis is unreachable or does not answer in time
   * @throws RateLimiterClosedError after `close()`
   */
  async acquire(signal?: AbortSignal): Promise<RateLimitPermit> {
    const id = randomUUID();
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new RateLimiterClosedError(this.#name);
      if (signal?.aborted) throw cancelledFrom(signal);
      const pending = this.#attempt(id);
      let reply: Reply;
      try {
        reply = await whileNotAborted(pending, signal);
      } catch (error) {
        // a grant that arrives after the caller gave up (or after a time-out) is handed back
        void pending.then((late) => (late.granted ? this.#remove([id]) : undefined)).catch(() => undefined);
        throw error;
      }
      if (reply.granted) {
        if (this.#closed) {
          void this.#remove([id]).catch(() => undefined);
          throw new RateLimiterClosedError(this.#name);
        }
        return this.#permit(id);
      }
      const backoff = Math.min(this.#pollMs * 2 ** attempt, MAX_POLL_MS);
      const delay =
        reply.waitMs > 0 && reply.waitMs <= backoff
          ? reply.waitMs + Math.random() * this.#pollMs // the slot is free then; spread the contenders
          : backoff * (0.5 + Math.random() * 0.5);
      await abortableDelay(delay, signal);
    }
  }

  /**
   * Stops renewing leases and closes the connection if this limiter opened it. Permits still held
   * are not removed (their calls may still be running): they expire after `leaseMs`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopTimer();
    this.#held.clear();
    await this.#connection.close();
  }

  async #attempt(id: string): Promise<Reply> {
    const raw = await this.#connection.script(
      "rate limit acquire",
      ACQUIRE,
      [this.#holdersKey, this.#startsKey],
      [id, String(this.#concurrency), String(this.#perWindow), String(this.#windowMs), String(this.#leaseMs)],
    );
    // Redis's answer is input like any other: check its shape before trusting it
    if (
      !Array.isArray(raw) ||
      raw.length !== 2 ||
      (raw[0] !== 0 && raw[0] !== 1) ||
      typeof raw[1] !== "number" ||
      !Number.isFinite(raw[1]) ||
      raw[1] < 0
    ) {
      throw new SharedStateUnavailableError(
        "rate limit acquire",
        this.#connection.where,
        undefined,
        "unexpected reply from the acquire script",
      );
    }
    return raw[0] === 1
      ? { granted: true, waitMs: 0 }
      : { granted: false, waitMs: Math.min(raw[1], this.#windowMs) };
  }

  #permit(id: string): RateLimitPermit {
    if (this.#concurrency === 0) return { release: () => undefined }; // a window start is never given back
    this.#held.add(id);
    this.#startTimer();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        if (!this.#held.delete(id)) return; // closed meanwhile
        if (this.#held.size === 0) this.#stopTimer();
        await this.#remove([id]);
      },
    };
  }

  #remove(ids: readonly string[]): Promise<void> {
    return this.#connection.run("rate limit release", async (client) => {
      await client.zrem(this.#holdersKey, ...ids);
    });
  }

  #startTimer(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(this.#leaseMs / 3)));
    this.#timer.unref();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#held.size === 0) return;
    this.#renewing = true;
    const ids = [...this.#held];
    try {
      await this.#connection.script(
        "rate limit renew",
        RENEW,
        [this.#holdersKey],
        [String(this.#leaseMs), ...ids],
      );
      // a permit released while the renewal was on its way may have been written back: remove it
      const gone = ids.filter((id) => !this.#held.has(id));
      if (gone.length > 0 && !this.#closed) await this.#remove(gone);
    } catch {
      // Redis unreachable: the next tick tries again; meanwhile acquire fails with a typed error
    } finally {
      this.#renewing = false;
    }
  }
}

/** Result of one acquire attempt. */
interface Reply {
  readonly granted: boolean;
  /** When not granted: ms until a window slot frees, or 0 when waiting for a concurrency slot. */
  readonly waitMs: number;
}

function positive(what: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InvalidOptionError("RedisRateLimiter", what, `must be a positive number, got ${value}`);
  }
  return value;
}

/** `promise`, or a `CancelledError` as soon as `signal` aborts. */
function whileNotAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(cancelledFrom(signal));
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or rejects with `CancelledError` as soon as `signal` aborts. */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledFrom(signal));
      return;
    }
    const abort = (): void => {
      clearTimeout(timer);
      reject(cancelledFrom(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}
