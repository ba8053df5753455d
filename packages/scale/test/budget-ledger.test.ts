/** The Redis budget ledger in one process: atomic admission, commit, release, leases, Redis down. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Budget, withDefaults } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { Redis } from "ioredis";
import { RedisBudgetLedger, SharedStateUnavailableError } from "../src/index.js";
import { startRedis, type TestRedis } from "./support/redis-server.js";

const NO_LIMIT = Number.POSITIVE_INFINITY;
const tokens = (n: number) => ({ tokens: n, cost: 0 });
const limits = (maxTokens: number, maxCost = NO_LIMIT) => ({ maxTokens, maxCost });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: TestRedis;
let client: Redis;
const open: RedisBudgetLedger[] = [];

function ledgerFor(
  name: string,
  options: { leaseMs?: number; redis?: Redis | string } = {},
): RedisBudgetLedger {
  const ledger = new RedisBudgetLedger({
    redis: options.redis ?? client,
    name,
    prefix: prefix(),
    ...options,
  });
  open.push(ledger);
  return ledger;
}
let currentPrefix = "";
function prefix(): string {
  return currentPrefix;
}
function freshPrefix(): void {
  currentPrefix = `t${randomBytes(4).toString("hex")}:`;
}

beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url, { maxRetriesPerRequest: 1, disconnectTimeout: 100 });
  client.on("error", () => {});
}, 60_000);

afterAll(async () => {
  for (const ledger of open) await ledger.close();
  client.disconnect();
  await server.stop();
});

describe("RedisBudgetLedger", () => {
  it("admits concurrent reservations from two ledgers atomically up to the limit", async () => {
    freshPrefix();
    const a = ledgerFor("shared");
    const b = ledgerFor("shared");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_v, i) => (i % 2 ? a : b).reserve(tokens(15), limits(100))),
    );
    expect(answers.filter((r) => r.ok)).toHaveLength(6);
    const refused = answers.find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false, limit: "tokens" });
    const totals = await a.refreshTotals();
    expect(totals.reserved.tokens).toBe(90);
    expect(totals.spent.tokens).toBe(0);
    expect(a.heldReservations + b.heldReservations).toBe(6);
  });

  it("checks the cost limit with the same tolerance as exceededLimit", async () => {
    freshPrefix();
    const ledger = ledgerFor("money");
    const r1 = await ledger.reserve({ tokens: 1, cost: 0.1 }, limits(NO_LIMIT, 0.3));
    const r2 = await ledger.reserve({ tokens: 1, cost: 0.2 }, limits(NO_LIMIT, 0.3));
    // 0.1 + 0.2 = 0.30000000000000004: within the tolerance, like the in-memory ledger
    expect(r1.ok && r2.ok).toBe(true);
    const r3 = await ledger.reserve({ tokens: 0, cost: 0.001 }, limits(NO_LIMIT, 0.3));
    expect(r3).toMatchObject({ ok: false, limit: "cost" });
  });

  it("commit books the actual amount and frees the rest of the reservation", async () => {
    freshPrefix();
    const ledger = ledgerFor("commit");
    const r = await ledger.reserve({ tokens: 80, cost: 0.5 }, limits(100));
    if (!r.ok) throw new Error("refused");
    expect((await ledger.reserve(tokens(30), limits(100))).ok).toBe(false);
    await ledger.commit(r.reservation, { tokens: 30, cost: 0.125 });
    expect(ledger.heldReservations).toBe(0);
    expect(await client.hgetall(ledger.keys.spent)).toEqual({ tokens: "30", cost: "0.125" });
    const again = await ledger.reserve(tokens(70), limits(100));
    expect(again.ok).toBe(true);
    expect((await ledger.reserve(tokens(1), limits(100))).ok).toBe(false);
    // committing the same reservation twice books nothing more
    await ledger.commit(r.reservation, { tokens: 30, cost: 0.125 });
    expect((await ledger.refreshTotals()).spent).toEqual({ tokens: 30, cost: 0.125 });
  });

  it("release frees the reservation without booking", async () => {
    freshPrefix();
    const ledger = ledgerFor("release");
    const r = await ledger.reserve(tokens(100), limits(100));
    if (!r.ok) throw new Error("refused");
    await ledger.release(r.reservation);
    expect(await client.zcard(ledger.keys.leases)).toBe(0);
    expect(await client.hlen(ledger.keys.held)).toBe(0);
    expect((await ledger.reserve(tokens(100), limits(100))).ok).toBe(true);
    expect((await ledger.refreshTotals()).spent.tokens).toBe(0);
  });

  it("drops a reservation whose lease was not renewed, and still books its late commit", async () => {
    freshPrefix();
    const survivor = ledgerFor("lease", { leaseMs: 1500 });
    // a second ledger whose renewal is stopped by close() without settling (a stalled process)
    const stalled = new RedisBudgetLedger({ redis: client, name: "lease", prefix: prefix(), leaseMs: 1500 });
    const held = await stalled.reserve(tokens(100), limits(100));
    if (!held.ok) throw new Error("refused");
    expect((await survivor.reserve(tokens(10), limits(100))).ok).toBe(false);
    await stalled.close();
    let admitted = false;
    while (!admitted) {
      await sleep(100);
      const r = await survivor.reserve(tokens(10), limits(100));
      admitted = r.ok;
      if (r.ok) await survivor.release(r.reservation);
    }
    expect(await client.zscore(survivor.keys.leases, held.reservation.id)).toBeNull();
    expect(await client.hget(survivor.keys.held, held.reservation.id)).toBeNull();
    // money spent is spent: the stalled process's commit is booked although its lease expired
    await stalled.commit(held.reservation, tokens(40));
    expect((await survivor.refreshTotals()).spent.tokens).toBe(40);
    expect((await survivor.reserve(tokens(61), limits(100))).ok).toBe(false);
  }, 60_000);

  it("renews the leases of reservations it holds", async () => {
    freshPrefix();
    const ledger = ledgerFor("renew", { leaseMs: 600 });
    const r = await ledger.reserve(tokens(5), limits(100));
    if (!r.ok) throw new Error("refused");
    const first = Number(await client.zscore(ledger.keys.leases, r.reservation.id));
    let later = first;
    while (later <= first) {
      await sleep(50);
      later = Number(await client.zscore(ledger.keys.leases, r.reservation.id));
    }
    expect(later).toBeGreaterThan(first);
    await ledger.release(r.reservation);
  }, 60_000);

  it("refuses malformed state instead of admitting", async () => {
    freshPrefix();
    const ledger = ledgerFor("poisoned");
    await client.hset(ledger.keys.spent, "tokens", "lots");
    await expect(ledger.reserve(tokens(1), limits(100))).rejects.toBeInstanceOf(SharedStateUnavailableError);
  });

  it("reset forgets what was spent and clear deletes every key", async () => {
    freshPrefix();
    const ledger = ledgerFor("reset");
    const r = await ledger.reserve(tokens(50), limits(100));
    if (!r.ok) throw new Error("refused");
    await ledger.commit(r.reservation, tokens(50));
    const held = await ledger.reserve(tokens(10), limits(100));
    await ledger.reset();
    expect(await client.exists(ledger.keys.spent)).toBe(0);
    expect(await client.hlen(ledger.keys.held)).toBe(1);
    if (held.ok) await ledger.release(held.reservation);
    await ledger.clear();
    expect(await client.exists(ledger.keys.spent, ledger.keys.leases, ledger.keys.held)).toBe(0);
  });

  it("throws SharedStateUnavailableError with the password redacted when Redis is unreachable", async () => {
    const ledger = new RedisBudgetLedger({
      redis: "redis://:s3cretpassword@127.0.0.1:1",
      name: "x",
      timeoutMs: 2000,
    });
    try {
      const error = await ledger.reserve(tokens(1), limits(100)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SharedStateUnavailableError);
      const e = error as SharedStateUnavailableError;
      expect(e.code).toBe("SCALE_REDIS_UNAVAILABLE");
      expect(e.operation).toBe("budget reserve");
      expect(e.stopsRun).toBe("outage");
      expect(e.retryable).toBe(true);
      expect(e.message).not.toContain("s3cretpassword");
      expect(e.message).toContain("[REDACTED]");
    } finally {
      await ledger.close();
    }
  });
});

describe("RedisBudgetLedger when Redis restarts", () => {
  it("refuses calls while Redis is down and works again after it restarts (empty)", async () => {
    freshPrefix();
    const ledger = new RedisBudgetLedger({
      redis: server.url,
      name: "restart",
      prefix: prefix(),
      timeoutMs: 3000,
    });
    const scripted = new ScriptedModel(() => ({ text: "ok", usage: { inputTokens: 5, outputTokens: 5 } }));
    const model = withDefaults(scripted, { retry: false, budget: new Budget({ maxTokens: 10_000, ledger }) });
    const ask = () => model.generate({ messages: [{ role: "user", content: "hi" }], maxTokens: 10 });
    try {
      await ask();
      expect((await ledger.refreshTotals()).spent.tokens).toBe(10);
      const admin = new Redis(server.url, {
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        disconnectTimeout: 100,
      });
      admin.on("error", () => {});
      await admin.call("SHUTDOWN", "NOSAVE").catch(() => undefined);
      admin.disconnect();

      await expect(ask()).rejects.toBeInstanceOf(SharedStateUnavailableError);
      await expect(ledger.reserve(tokens(1), limits(100))).rejects.toMatchObject({
        code: "SCALE_REDIS_UNAVAILABLE",
      });
      expect(scripted.callCount).toBe(1);

      await server.restart();
      let answered = false;
      for (let attempt = 0; !answered && attempt < 100; attempt++) {
        answered = await ask().then(
          () => true,
          async (e: unknown) => {
            if (!(e instanceof SharedStateUnavailableError)) throw e;
            await sleep(100);
            return false;
          },
        );
      }
      expect(answered).toBe(true);
      // an empty restart forgot what was spent before it
      expect((await ledger.refreshTotals()).spent.tokens).toBe(10);
      expect(scripted.callCount).toBe(2);
    } finally {
      await ledger.close();
      // the shared client reconnects to the new server on its own
    }
  }, 120_000);
});
