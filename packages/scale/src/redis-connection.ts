/**
 * The Redis connection of a shared store: a client the caller owns (never closed here) or one
 * opened from a URL (closed by `close()`); key-part validation; Lua scripts run by EVALSHA with
 * a fallback to EVAL (a restarted Redis has forgotten its scripts); and every failure or timeout
 * turned into a `SharedStateUnavailableError` that names the operation, with credentials
 * redacted.
 */
import { createHash } from "node:crypto";
import { InvalidOptionError } from "@trace-ts/core";
import { redactString } from "@trace-ts/core/llm";
import { Redis } from "ioredis";
import { InvalidKeyPartError, SharedStateUnavailableError } from "./errors.js";

/** The default key prefix of every store of this package. */
export const DEFAULT_PREFIX = "trace-ts:";

/** The default time limit of one Redis operation, in ms. */
export const DEFAULT_TIMEOUT_MS = 5_000;

const KEY_PART = /^[A-Za-z0-9_.:{}-]*$/;

/**
 * Checks a key prefix or name: at most 100 characters out of letters, digits and `_ - . : { }`
 * (no spaces, no glob characters, no newlines), and non-empty when `nonEmpty`.
 *
 * @param where the class receiving it, for the error message
 * @param what the option's name
 * @param value the value
 * @param nonEmpty whether an empty value is refused
 * @throws InvalidKeyPartError when it does not fit
 */
export function checkKeyPart(where: string, what: string, value: string, nonEmpty: boolean): string {
  if (typeof value !== "string" || value.length > 100 || !KEY_PART.test(value) || (nonEmpty && !value)) {
    throw new InvalidKeyPartError(where, what, String(value));
  }
  return value;
}

/** A Lua script with its SHA1, run by EVALSHA. */
export interface LuaScript {
  /** The script's source. */
  readonly source: string;
  /** SHA1 of the source, as Redis names it. */
  readonly sha: string;
}

/**
 * Prepares a Lua script to run with {@link RedisConnection.script}.
 * @param source the Lua source
 */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/** Where a store finds Redis: a client of the caller's, or a URL to open. */
export type RedisSource = Redis | string;

/**
 * One store's use of Redis. A client passed in is shared and never closed here; a URL is opened
 * with at most one retry per command (a down Redis fails fast instead of queueing calls) and is
 * closed by {@link close}.
 */
export class RedisConnection {
  /** The client. */
  readonly client: Redis;
  /** Where the client connects, with credentials redacted (for messages). */
  readonly where: string;
  readonly #owned: boolean;
  readonly #timeoutMs: number;

  /**
   * @param where the class using it, for error messages
   * @param redis an ioredis client (not closed by `close()`) or a `redis://` / `rediss://` URL
   * @param timeoutMs time limit of one operation
   */
  constructor(where: string, redis: RedisSource, timeoutMs: number) {
    if (!(timeoutMs > 0))
      throw new InvalidOptionError(where, "timeoutMs", `must be above 0, got ${timeoutMs}`);
    this.#timeoutMs = timeoutMs;
    if (typeof redis === "string") {
      if (!/^rediss?:\/\//.test(redis)) {
        throw new TypeError(`${where}: redis must be an ioredis client or a redis:// or rediss:// URL`);
      }
      // a short disconnectTimeout: closing a client whose socket already failed must not keep the process alive
      this.client = new Redis(redis, { maxRetriesPerRequest: 1, disconnectTimeout: 100 });
      // connection errors surface through the commands; without a listener ioredis prints them
      this.client.on("error", () => {});
      this.#owned = true;
      this.where = redactString(redis);
    } else if (redis instanceof Redis) {
      this.client = redis;
      this.#owned = false;
      const { host, port } = redis.options;
      this.where = `${host ?? "localhost"}:${port ?? 6379}`;
    } else {
      throw new TypeError(`${where}: redis must be an ioredis client or a redis:// or rediss:// URL`);
    }
  }

  /**
   * Runs `work` against Redis within the time limit; any failure becomes a
   * `SharedStateUnavailableError` naming `operation`.
   *
   * @param operation e.g. `budget reserve`
   * @param work the commands
   */
  async run<T>(operation: string, work: (client: Redis) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([work(this.client), timeout]);
    } catch (error) {
      const detail = redactString(error instanceof Error ? error.message : String(error));
      throw new SharedStateUnavailableError(operation, this.where, error, detail);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a Lua script (EVALSHA, then EVAL when Redis does not know it) within the time limit.
   *
   * @param operation e.g. `budget reserve`, for errors
   * @param script the script
   * @param keys the keys it touches
   * @param args its arguments
   */
  script(
    operation: string,
    script: LuaScript,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<unknown> {
    return this.run(operation, async (client) => {
      try {
        return await client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return client.eval(script.source, keys.length, ...keys, ...args);
      }
    });
  }

  /** Closes the client when it was opened from a URL; a client passed in is left open. */
  async close(): Promise<void> {
    if (this.#owned) this.client.disconnect();
  }
}

/**
 * The default `onError` of the shared stores: one process warning (`TraceScaleWarning`) for the
 * first error, nothing for later ones.
 *
 * @param label what the warning is about, e.g. `trace-ts shared cache`
 */
export function warnOnce(label: string): (error: Error) => void {
  let warned = false;
  return (error) => {
    if (warned) return;
    warned = true;
    process.emitWarning(`${label}: ${error.message}`, "TraceScaleWarning");
  };
}
