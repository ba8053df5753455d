/**
 * A response-cache store in Redis, shared by every process (on any machine) using the same Redis
 * and prefix: one process's answer is every process's hit. Entries read back are untrusted:
 * size-capped before they are transferred, parsed and shape-checked, and refused (counted and
 * reported) when they do not look like a result this store wrote.
 *
 * Key (with the default prefix `trace-ts:`): `<prefix>cache:<request key>` — a string holding the
 * JSON `{ "version": 1, "key", "createdAt", "result" }`, with a Redis expiry when `ttlMs` is set.
 */

import { InvalidOptionError } from "@trace-ts/core";
import type { CacheStore, GenerateResult } from "@trace-ts/core/llm";
import { validateOptions } from "@trace-ts/core/optimizer";
import { CacheEntryTooLargeError, type SharedStateUnavailableError } from "./errors.js";
import {
  checkKeyPart,
  DEFAULT_PREFIX,
  DEFAULT_TIMEOUT_MS,
  luaScript,
  RedisConnection,
  type RedisSource,
  warnOnce,
} from "./redis-connection.js";

/** Options of {@link RedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /**
   * An ioredis client (shared; `close()` leaves it open) or a `redis://` / `rediss://` URL (opened
   * by the store, closed by `close()`).
   */
  readonly redis: RedisSource;
  /** Prefix of every key written (default `trace-ts:`). */
  readonly prefix?: string;
  /** Entries expire this many ms after they were written (default: never). */
  readonly ttlMs?: number;
  /** Largest entry written or read, in bytes of its JSON (default 1 MiB). */
  readonly maxEntryBytes?: number;
  /** Time limit of one Redis operation, in ms (default 5000). */
  readonly timeoutMs?: number;
  /**
   * Called once per refused entry read (too large, not JSON, another version or key, not a
   * result): the read is a miss. Default: nothing (see `rejectedEntries`).
   */
  readonly onRejected?: (key: string, reason: string) => void;
  /**
   * Called when a read could not reach Redis (the read is a miss: the cache is an optimization).
   * Default: a one-time process warning. Failed writes are thrown to the cache middleware.
   */
  readonly onError?: (error: SharedStateUnavailableError) => void;
}

const SCHEMA = {
  prefix: "string",
  ttlMs: "integer",
  maxEntryBytes: "integer",
  timeoutMs: "integer",
  onRejected: "function",
  onError: "function",
} as const;

/** The JSON document stored per entry (the request is not stored, to keep entries small). */
interface RedisCacheEntry {
  readonly version: 1;
  readonly key: string;
  readonly createdAt: string;
  readonly result: GenerateResult;
}

/** ARGV: max bytes. Returns the value, or `{ size }` when it is larger, or `{ -1 }` for a non-string. */
const READ = luaScript(`
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return false end
if t ~= 'string' then return { -1 } end
local n = redis.call('STRLEN', KEYS[1])
if n > tonumber(ARGV[1]) then return { n } end
return redis.call('GET', KEYS[1])
`);

const FINISH_REASONS: ReadonlySet<string> = new Set([
  "stop",
  "length",
  "content_filter",
  "tool_calls",
  "other",
]);
const MAX_TOOL_CALLS = 1024;

/**
 * Why `value` is not a result this store could have written, or undefined when it is one:
 * `text` a string, `usage` finite non-negative integer counts, a known `finishReason`, a string
 * `model`, and `toolCalls` (when present) an array of `{ id, name, arguments }` strings.
 */
function resultProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "result is not an object";
  const r = value as Record<string, unknown>;
  if (typeof r.text !== "string") return "result.text is not a string";
  if (typeof r.model !== "string") return "result.model is not a string";
  if (typeof r.finishReason !== "string" || !FINISH_REASONS.has(r.finishReason))
    return "result.finishReason is not a known finish reason";
  const u = r.usage as Record<string, unknown> | null;
  if (u === null || typeof u !== "object" || Array.isArray(u)) return "result.usage is not an object";
  for (const field of ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"]) {
    const n = u[field];
    if (n === undefined && (field === "cacheReadTokens" || field === "cacheWriteTokens")) continue;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
      return `result.usage.${field} is not a count`;
  }
  if (r.toolCalls !== undefined) {
    if (!Array.isArray(r.toolCalls) || r.toolCalls.length > MAX_TOOL_CALLS)
      return "result.toolCalls is not a list";
    for (const call of r.toolCalls as unknown[]) {
      const c = call as Record<string, unknown> | null;
      if (
        c === null ||
        typeof c !== "object" ||
        typeof c.id !== "string" ||
        typeof c.name !== "string" ||
        typeof c.arguments !== "string"
      )
        return "result.toolCalls holds a malformed call";
    }
  }
  if (r.cached !== undefined || r.raw !== undefined) return "result carries fields a stored result never has";
  return undefined;
}

/** The stored result, rebuilt from checked fields only. */
function cleanResult(r: GenerateResult): GenerateResult {
  const usage = {
    inputTokens: r.usage.inputTokens,
    outputTokens: r.usage.outputTokens,
    ...(r.usage.cacheReadTokens === undefined ? {} : { cacheReadTokens: r.usage.cacheReadTokens }),
    ...(r.usage.cacheWriteTokens === undefined ? {} : { cacheWriteTokens: r.usage.cacheWriteTokens }),
  };
  return {
    text: r.text,
    usage,
    finishReason: r.finishReason,
    model: r.model,
    ...(r.toolCalls === undefined
      ? {}
      : { toolCalls: r.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })) }),
  };
}

/**
 * A {@link CacheStore} in Redis: give it to the response cache, e.g.
 * `withDefaults(model, { cache: { store: new RedisCacheStore({ redis }) } })`. Keys are the
 * response cache's request keys (the same as the disk cache's).
 *
 * - `get` never returns an entry that is too large, not JSON, of another version or key, or not
 *   shaped like a result: such an entry is a miss, counted in {@link rejectedEntries} and
 *   reported through `onRejected`. A well-formed but wrong answer written by someone with write
 *   access to the Redis cannot be detected: keep that Redis private to your workers.
 * - When Redis cannot be reached, `get` is a miss (reported through `onError`) and `set` throws
 *   `SharedStateUnavailableError` (the response cache reports it through its `onStoreError`; the
 *   call still succeeds).
 *
 * @example
 * const store = new RedisCacheStore({ redis: process.env.REDIS_URL!, ttlMs: 7 * 24 * 3600_000 });
 * const model = withDefaults(openai("gpt-4o-mini"), { cache: { store } });
 * // ...
 * await store.close();
 */
export class RedisCacheStore implements CacheStore {
  /** The key prefix. */
  readonly prefix: string;
  /** Largest entry written or read, in bytes. */
  readonly maxEntryBytes: number;
  readonly #ttlMs: number | undefined;
  readonly #connection: RedisConnection;
  readonly #onRejected: ((key: string, reason: string) => void) | undefined;
  readonly #onError: (error: SharedStateUnavailableError) => void;
  #rejected = 0;

  /** @param options the Redis, key prefix, time to live, size limit and reporting hooks */
  constructor(options: RedisCacheStoreOptions) {
    const { redis, ...rest } = options ?? ({} as RedisCacheStoreOptions);
    validateOptions("RedisCacheStore", rest, SCHEMA);
    this.prefix = checkKeyPart("RedisCacheStore", "prefix", rest.prefix ?? DEFAULT_PREFIX, false);
    this.maxEntryBytes = rest.maxEntryBytes ?? 1024 * 1024;
    if (this.maxEntryBytes < 256) {
      throw new InvalidOptionError(
        "RedisCacheStore",
        "maxEntryBytes",
        `must be at least 256, got ${this.maxEntryBytes}`,
      );
    }
    if (rest.ttlMs !== undefined && rest.ttlMs < 1) {
      throw new InvalidOptionError("RedisCacheStore", "ttlMs", `must be at least 1, got ${rest.ttlMs}`);
    }
    this.#ttlMs = rest.ttlMs;
    this.#connection = new RedisConnection("RedisCacheStore", redis, rest.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#onRejected = rest.onRejected;
    this.#onError = rest.onError ?? warnOnce("trace-ts shared cache");
  }

  /** Entries read and refused so far (too large, corrupt, foreign or malformed). */
  get rejectedEntries(): number {
    return this.#rejected;
  }

  /** The Redis key of a request key. */
  keyOf(key: string): string {
    return `${this.prefix}cache:${key}`;
  }

  /**
   * The result stored under `key`; undefined when absent, expired, refused, or when Redis cannot
   * be reached (reported through `onError`).
   */
  async get(key: string): Promise<GenerateResult | undefined> {
    let reply: unknown;
    try {
      reply = await this.#connection.script(
        "cache get",
        READ,
        [this.keyOf(key)],
        [String(this.maxEntryBytes)],
      );
    } catch (error) {
      this.#onError(error as SharedStateUnavailableError);
      return undefined;
    }
    if (reply === null || reply === undefined) return undefined;
    if (Array.isArray(reply)) {
      const size = Number(reply[0]);
      return this.#reject(
        key,
        size < 0 ? "not a string value" : `${size} bytes, more than maxEntryBytes (${this.maxEntryBytes})`,
      );
    }
    if (typeof reply !== "string") return this.#reject(key, "not a string value");
    let entry: unknown;
    try {
      entry = JSON.parse(reply);
    } catch {
      return this.#reject(key, "not JSON");
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      return this.#reject(key, "not an object");
    const e = entry as Partial<RedisCacheEntry>;
    if (e.version !== 1) return this.#reject(key, `version ${JSON.stringify(e.version)} is not 1`);
    if (e.key !== key) return this.#reject(key, "stored under another request key");
    if (typeof e.createdAt !== "string" || Number.isNaN(Date.parse(e.createdAt)))
      return this.#reject(key, "createdAt is not a date");
    const problem = resultProblem(e.result);
    if (problem !== undefined) return this.#reject(key, problem);
    // a TTL shortened since the entry was written still applies
    if (this.#ttlMs !== undefined && Date.now() - Date.parse(e.createdAt) > this.#ttlMs) return undefined;
    return cleanResult(e.result as GenerateResult);
  }

  /**
   * Stores a result (without the request, `raw` and `cached`), with an expiry of `ttlMs`.
   * @throws CacheEntryTooLargeError when the entry exceeds `maxEntryBytes`
   * @throws SharedStateUnavailableError when Redis cannot be used
   */
  async set(key: string, result: GenerateResult): Promise<void> {
    const entry: RedisCacheEntry = {
      version: 1,
      key,
      createdAt: new Date().toISOString(),
      result: cleanResult(result),
    };
    const text = JSON.stringify(entry);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > this.maxEntryBytes) throw new CacheEntryTooLargeError(bytes, this.maxEntryBytes);
    const redisKey = this.keyOf(key);
    const ttl = this.#ttlMs;
    await this.#connection.run("cache set", (client) =>
      ttl === undefined ? client.set(redisKey, text) : client.set(redisKey, text, "PX", ttl),
    );
  }

  /** Closes the connection when the store opened it (a client passed in stays open). */
  async close(): Promise<void> {
    await this.#connection.close();
  }

  #reject(key: string, reason: string): undefined {
    this.#rejected++;
    try {
      this.#onRejected?.(key, reason);
    } catch {
      // a failing hook must not turn a miss into a failed call
    }
    return undefined;
  }
}
