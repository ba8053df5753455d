/**
 * A budget ledger kept in Redis, so that every process (on any machine) using the same Redis and
 * ledger name draws on one token/money budget. Admission is one Lua script (check and reserve
 * atomically); reservations are leases that expire unless the process holding them renews them,
 * so a process that dies frees what it held.
 *
 * Keys (with the default prefix `trace-ts:`):
 * - `<prefix>budget:<name>:spent` — hash `tokens`, `cost`: booked by finished calls (floats as text);
 * - `<prefix>budget:<name>:leases` — sorted set: reservation id → lease expiry (ms, Redis clock);
 * - `<prefix>budget:<name>:held` — hash: reservation id → `"<tokens> <cost>"` reserved.
 */
import { randomBytes } from "node:crypto";
import { InvalidOptionError } from "@trace-ts/core";
import type {
  BudgetAmount,
  BudgetLedger,
  BudgetLimits,
  LedgerReservation,
  LedgerReserveResult,
  LedgerTotals,
} from "@trace-ts/core/llm";
import { cancelledFrom } from "@trace-ts/core/llm";
import { validateOptions } from "@trace-ts/core/optimizer";
import { SharedStateUnavailableError } from "./errors.js";
import {
  checkKeyPart,
  DEFAULT_PREFIX,
  DEFAULT_TIMEOUT_MS,
  type LuaScript,
  luaScript,
  RedisConnection,
  type RedisSource,
  warnOnce,
} from "./redis-connection.js";

/** Options of {@link RedisBudgetLedger}. */
export interface RedisBudgetLedgerOptions {
  /**
   * An ioredis client (shared; `close()` leaves it open) or a `redis://` / `rediss://` URL (opened
   * by the ledger, closed by `close()`).
   */
  readonly redis: RedisSource;
  /** The ledger's name: every process using the same Redis, prefix and name shares one budget. */
  readonly name: string;
  /** Prefix of every key written (default `trace-ts:`). */
  readonly prefix?: string;
  /**
   * How long a reservation lives without renewal, in ms (default 30 000). The holding process
   * renews its reservations every `leaseMs / 3`; a process that dies (or stalls longer than
   * `leaseMs`) loses them, and they stop counting at the next admission.
   */
  readonly leaseMs?: number;
  /** Time limit of one Redis operation, in ms (default 5000). */
  readonly timeoutMs?: number;
  /**
   * How long `settled()` waits at most before it resolves to let a waiting call try again, in
   * ms (default 100): reservations of other processes end without notice to this one.
   */
  readonly pollMs?: number;
  /**
   * Called when a commit, release or lease renewal could not reach Redis (default: a one-time
   * process warning). Admission failures are thrown by `reserve` instead.
   */
  readonly onError?: (error: SharedStateUnavailableError) => void;
}

const SCHEMA = {
  name: "string",
  prefix: "string",
  leaseMs: "integer",
  timeoutMs: "integer",
  pollMs: "integer",
  onError: "function",
} as const;

/** Lua helpers shared by the scripts: KEYS = spent, leases, held. */
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function purge(now)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for i = 1, #expired do redis.call('HDEL', KEYS[3], expired[i]) end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
end
local function num(text, what)
  if text == false or text == nil then return 0 end
  local n = tonumber(text)
  if n == nil or n ~= n or n < 0 or n == math.huge then error('trace-ts budget: malformed ' .. what) end
  return n
end
local function totals()
  local spent = redis.call('HMGET', KEYS[1], 'tokens', 'cost')
  local st, sc = num(spent[1], 'spent tokens'), num(spent[2], 'spent cost')
  local rt, rc = 0, 0
  local vals = redis.call('HVALS', KEYS[3])
  for i = 1, #vals do
    local a, b = string.match(vals[i], '^(%S+) (%S+)$')
    if a == nil then error('trace-ts budget: malformed reservation') end
    rt = rt + num(a, 'reservation'); rc = rc + num(b, 'reservation')
  end
  return st, sc, rt, rc
end
local function reply(ok, limit, st, sc, rt, rc)
  local f = '%.17g'
  return { ok, limit, string.format(f, st), string.format(f, sc), string.format(f, rt), string.format(f, rc) }
end
`;

/** ARGV: tokens, cost, maxTokens|none, maxCost|none, leaseMs, id. */
const RESERVE = luaScript(`${PRELUDE}
local now = now_ms()
purge(now)
local st, sc, rt, rc = totals()
local at, ac = tonumber(ARGV[1]), tonumber(ARGV[2])
local limit = ''
if ARGV[3] ~= 'none' and (st + rt) + at > tonumber(ARGV[3]) + 1e-9 then limit = 'tokens'
elseif ARGV[4] ~= 'none' and (sc + rc) + ac > tonumber(ARGV[4]) + 1e-9 then limit = 'cost' end
if limit ~= '' then return reply('0', limit, st, sc, rt, rc) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[6])
redis.call('HSET', KEYS[3], ARGV[6], ARGV[1] .. ' ' .. ARGV[2])
return reply('1', '', st, sc, rt + at, rc + ac)
`);

/** ARGV: id ('' for none), tokens, cost. Ends a reservation (expired or not) and books the amount. */
const COMMIT = luaScript(`${PRELUDE}
if ARGV[1] ~= '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
if tonumber(ARGV[2]) > 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'tokens', ARGV[2]) end
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'cost', ARGV[3]) end
purge(now_ms())
local st, sc, rt, rc = totals()
return reply('1', '', st, sc, rt, rc)
`);

/** ARGV: none. Drops expired leases and reports the totals. */
const TOTALS = luaScript(`${PRELUDE}
purge(now_ms())
local st, sc, rt, rc = totals()
return reply('1', '', st, sc, rt, rc)
`);

/** ARGV: leaseMs, ids... Extends live leases; returns the ids whose lease had already ended. */
const RENEW = luaScript(`${PRELUDE}
local now = now_ms()
local lost = {}
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if score and tonumber(score) > now then
    redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[1]), ARGV[i])
  else
    redis.call('ZREM', KEYS[2], ARGV[i])
    redis.call('HDEL', KEYS[3], ARGV[i])
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
`);

const ZERO: LedgerTotals = { spent: { tokens: 0, cost: 0 }, reserved: { tokens: 0, cost: 0 } };

/** A reservation this process holds. */
interface Held {
  readonly amount: BudgetAmount;
  /** The lease ran out before renewal (the process stalled); it no longer counts in Redis. */
  lost: boolean;
}

/**
 * A {@link BudgetLedger} in Redis, shared by every process that uses the same Redis, prefix and
 * `name`. Pass it to a `Budget`: `new Budget({ maxTokens, ledger })`.
 *
 * - `reserve` is one Lua script: it drops expired leases, checks spent + live reservations +
 *   the amount against the limits (as `exceededLimit` does) and records the reservation with a
 *   lease of `leaseMs` on the Redis clock (`TIME`), so clocks of the machines do not matter.
 * - While this process holds reservations it renews their leases every `leaseMs / 3` (one
 *   unref'd timer per ledger). A process that dies frees its reservations when their lease runs
 *   out; only a process stalled for longer than `leaseMs` can lose a lease of a live call.
 * - `commit` books what the call consumed even when its lease had expired (money spent is
 *   spent). When Redis cannot be reached the booking is kept in memory and written before the
 *   next admission; `reserve` admits nothing until it is written.
 * - When Redis is unreachable or a script fails, `reserve` throws `SharedStateUnavailableError`:
 *   an unknown budget is never taken as "allowed".
 * - A Redis restarted without persistence comes back empty: what was spent is forgotten. Run the
 *   shared Redis with persistence (`appendonly yes`).
 *
 * @example
 * const ledger = new RedisBudgetLedger({ redis: "redis://127.0.0.1:6379", name: "nightly-eval" });
 * const model = withDefaults(openai("gpt-4o-mini"), { budget: new Budget({ maxCost: 5, prices, ledger }) });
 * // ...
 * await ledger.close();
 */
export class RedisBudgetLedger implements BudgetLedger {
  /** The ledger's name. */
  readonly name: string;
  /** Lease duration, in ms. */
  readonly leaseMs: number;
  /** The three keys: spent, leases, held. */
  readonly keys: {
    /** Hash `tokens`, `cost`: booked by finished calls. */
    readonly spent: string;
    /** Sorted set: reservation id → lease expiry (ms, Redis clock). */
    readonly leases: string;
    /** Hash: reservation id → `"<tokens> <cost>"`. */
    readonly held: string;
  };
  readonly #connection: RedisConnection;
  readonly #pollMs: number;
  readonly #onError: (error: SharedStateUnavailableError) => void;
  readonly #tag = randomBytes(6).toString("hex");
  readonly #held = new Map<string, Held>();
  #pending: BudgetAmount[] = [];
  #totals: LedgerTotals = ZERO;
  #counter = 0;
  #timer: NodeJS.Timeout | undefined;
  #renewing = false;
  #lostLeases = 0;
  #waiters: Array<() => void> = [];
  #closed = false;

  /** @param options the Redis, the ledger's name, key prefix, lease and time limits */
  constructor(options: RedisBudgetLedgerOptions) {
    const { redis, ...rest } = options ?? ({} as RedisBudgetLedgerOptions);
    validateOptions("RedisBudgetLedger", rest, SCHEMA);
    const prefix = checkKeyPart("RedisBudgetLedger", "prefix", rest.prefix ?? DEFAULT_PREFIX, false);
    this.name = checkKeyPart("RedisBudgetLedger", "name", rest.name, true);
    this.leaseMs = rest.leaseMs ?? 30_000;
    if (this.leaseMs < 300)
      throw new InvalidOptionError(
        "RedisBudgetLedger",
        "leaseMs",
        `must be at least 300, got ${this.leaseMs}`,
      );
    this.#pollMs = rest.pollMs ?? 100;
    if (this.#pollMs < 1)
      throw new InvalidOptionError("RedisBudgetLedger", "pollMs", `must be at least 1, got ${this.#pollMs}`);
    const base = `${prefix}budget:${this.name}:`;
    this.keys = { spent: `${base}spent`, leases: `${base}leases`, held: `${base}held` };
    this.#connection = new RedisConnection("RedisBudgetLedger", redis, rest.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#onError = rest.onError ?? warnOnce("trace-ts shared budget");
  }

  /** Reservations this process holds (not yet committed or released). */
  get heldReservations(): number {
    return this.#held.size;
  }

  /** Reservations of this process whose lease ran out before it could renew them. */
  get lostLeases(): number {
    return this.#lostLeases;
  }

  /**
   * Admits `amount` if spent + live reservations + amount fit both limits, atomically in Redis.
   * @throws SharedStateUnavailableError when Redis cannot be used (nothing is admitted)
   */
  async reserve(amount: BudgetAmount, limits: BudgetLimits): Promise<LedgerReserveResult> {
    checkAmount("reserve", amount);
    this.#checkOpen();
    await this.#flushPending();
    const id = `${this.#tag}-${++this.#counter}`;
    const reply = await this.#script("budget reserve", RESERVE, [
      String(amount.tokens),
      String(amount.cost),
      limitArg(limits.maxTokens),
      limitArg(limits.maxCost),
      String(this.leaseMs),
      id,
    ]);
    if (reply.ok) {
      const reserved = { tokens: amount.tokens, cost: amount.cost };
      this.#held.set(id, { amount: reserved, lost: false });
      this.#startRenewal();
      return { ok: true, reservation: { id, amount: reserved } };
    }
    return { ok: false, limit: reply.limit, totals: this.#totals };
  }

  /**
   * Ends a reservation of this process and books `actual`, even when its lease had expired.
   * When Redis cannot be reached, the booking is kept and written before the next admission
   * (reported through `onError`); it is not thrown, since the call did succeed.
   */
  async commit(reservation: LedgerReservation, actual: BudgetAmount): Promise<void> {
    checkAmount("commit", actual);
    if (!this.#end(reservation)) return;
    try {
      await this.#script("budget commit", COMMIT, [
        reservation.id,
        String(actual.tokens),
        String(actual.cost),
      ]);
    } catch (error) {
      this.#pending.push({ tokens: actual.tokens, cost: actual.cost });
      this.#onError(error as SharedStateUnavailableError);
    } finally {
      this.#notify();
    }
  }

  /**
   * Ends a reservation of this process without booking anything. When Redis cannot be reached
   * the reservation is left to expire with its lease (reported through `onError`).
   */
  async release(reservation: LedgerReservation): Promise<void> {
    if (!this.#end(reservation)) return;
    try {
      await this.#script("budget release", COMMIT, [reservation.id, "0", "0"]);
    } catch (error) {
      this.#onError(error as SharedStateUnavailableError);
    } finally {
      this.#notify();
    }
  }

  /**
   * Spent and reserved totals as of the last answer from Redis (any reserve, commit, release or
   * {@link refreshTotals}): they may be a moment old, and miss what other processes did since.
   */
  totals(): LedgerTotals {
    return this.#totals;
  }

  /**
   * Reads the current totals from Redis (dropping expired leases first).
   * @throws SharedStateUnavailableError when Redis cannot be used
   */
  async refreshTotals(): Promise<LedgerTotals> {
    await this.#script("budget totals", TOTALS, []);
    return this.#totals;
  }

  /**
   * Forgets what was spent, for every process sharing the ledger (deletes the `spent` key);
   * reservations of calls in flight stay.
   * @throws SharedStateUnavailableError when Redis cannot be used
   */
  async reset(): Promise<void> {
    this.#pending = [];
    await this.#connection.run("budget reset", (client) => client.del(this.keys.spent));
    this.#totals = { spent: { tokens: 0, cost: 0 }, reserved: this.#totals.reserved };
    this.#notify();
  }

  /**
   * Deletes all three keys of the ledger: what was spent and every reservation, of every process.
   * For tests and administration; calls in flight elsewhere still book what they spend.
   * @throws SharedStateUnavailableError when Redis cannot be used
   */
  async clear(): Promise<void> {
    this.#pending = [];
    const { spent, leases, held } = this.keys;
    await this.#connection.run("budget clear", (client) => client.del(spent, leases, held));
    this.#totals = ZERO;
    this.#notify();
  }

  /**
   * Resolves after the next commit, release or reset of this ledger object, or after `pollMs`
   * (reservations of other processes end without notice), so a waiting call tries again.
   * Rejects with `CancelledError` when `signal` aborts.
   */
  settled(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters = this.#waiters.filter((w) => w !== done);
      };
      const onAbort = (): void => {
        done();
        reject(cancelledFrom(signal));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, this.#pollMs);
      this.#waiters.push(() => {
        done();
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Stops renewing leases and closes the connection when the ledger opened it (a client passed in
   * stays open). Reservations still held expire with their leases.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopRenewal();
    await this.#connection.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`RedisBudgetLedger ${this.name}: the ledger is closed`);
  }

  async #flushPending(): Promise<void> {
    while (this.#pending.length > 0) {
      const booking = this.#pending[0]!;
      await this.#script("budget reserve (booking an earlier commit)", COMMIT, [
        "",
        String(booking.tokens),
        String(booking.cost),
      ]);
      this.#pending.shift();
    }
  }

  /** Runs a totals-returning script and records the totals. */
  async #script(
    operation: string,
    script: LuaScript,
    args: readonly string[],
  ): Promise<{ ok: boolean; limit: "tokens" | "cost" }> {
    const reply = await this.#connection.script(operation, script, Object.values(this.keys), args);
    let raw: ReturnType<typeof parseReply>;
    try {
      raw = parseReply(reply);
    } catch (error) {
      throw new SharedStateUnavailableError(
        operation,
        this.#connection.where,
        error,
        (error as Error).message,
      );
    }
    this.#totals = raw.totals;
    return raw;
  }

  #end(reservation: LedgerReservation): boolean {
    const had = this.#held.delete(reservation?.id);
    if (this.#held.size === 0) this.#stopRenewal();
    return had;
  }

  #startRenewal(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
    this.#timer.unref();
  }

  #stopRenewal(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renew(): Promise<void> {
    if (this.#renewing) return;
    const ids = [...this.#held].filter(([, h]) => !h.lost).map(([id]) => id);
    if (ids.length === 0) return;
    this.#renewing = true;
    try {
      const lost = await this.#connection.script("budget lease renewal", RENEW, Object.values(this.keys), [
        String(this.leaseMs),
        ...ids,
      ]);
      if (Array.isArray(lost)) {
        for (const id of lost) {
          const held = typeof id === "string" ? this.#held.get(id) : undefined;
          if (held && !held.lost) {
            held.lost = true;
            this.#lostLeases++;
          }
        }
      }
    } catch (error) {
      this.#onError(error as SharedStateUnavailableError);
    } finally {
      this.#renewing = false;
    }
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

function limitArg(max: number): string {
  if (max === Number.POSITIVE_INFINITY) return "none";
  if (!(max >= 0)) throw new RangeError(`RedisBudgetLedger: a limit must be >= 0, got ${max}`);
  return String(max);
}

function checkAmount(operation: string, amount: BudgetAmount): void {
  for (const v of [amount?.tokens, amount?.cost]) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new RangeError(
        `RedisBudgetLedger.${operation}: amounts must be finite numbers >= 0, got ${JSON.stringify(amount)}`,
      );
    }
  }
}

/** Reads a script's reply `[ok, limit, spentTokens, spentCost, reservedTokens, reservedCost]`. */
function parseReply(reply: unknown): { ok: boolean; limit: "tokens" | "cost"; totals: LedgerTotals } {
  if (!Array.isArray(reply) || reply.length !== 6) throw new Error("unexpected reply from the budget script");
  const [ok, limit, ...rest] = reply as unknown[];
  const n = rest.map((v) => (typeof v === "string" ? Number(v) : Number.NaN));
  if (n.some((v) => !Number.isFinite(v) || v < 0)) throw new Error("malformed totals from the budget script");
  return {
    ok: ok === "1",
    limit: limit === "cost" ? "cost" : "tokens",
    totals: { spent: { tokens: n[0]!, cost: n[1]! }, reserved: { tokens: n[2]!, cost: n[3]! } },
  };
}
