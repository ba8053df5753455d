/** RedisRateLimiter against a real Redis: limits across instances and processes, leases, outages. */

import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { CancelledError, type GenerateRequest, InvalidOptionError } from "@trace-ts/core";
import { type RateLimitPermit, rateLimit, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { Redis } from "ioredis";
import { SharedStateUnavailableError } from "../src/errors.js";
import {
  RateLimiterClosedError,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
} from "../src/rate-limiter.js";
import { killFixtures, runFixture, startFixture } from "./support/fixture-process.js";
import { startRedis, type TestRedis } from "./support/redis-server.js";

const req: GenerateRequest = { messages: [{ role: "user", content: "hi" }] };

let server: TestRedis;
let control: Redis;
const limiters: RedisRateLimiter[] = [];

beforeAll(async () => {
  server = await startRedis();
  control = new Redis(server.url, { maxRetriesPerRequest: 1 });
}, 60_000);

afterEach(async () => {
  await Promise.all(limiters.splice(0).map((l) => l.close()));
  killFixtures();
});

afterAll(async () => {
  control.disconnect();
  await server.stop();
});

/** A fresh prefix per test, so tests never see each other's keys. */
const freshPrefix = () => `t${randomUUID().slice(0, 8)}:`;

function limiter(
  options: Omit<RedisRateLimiterOptions, "redis"> & { redis?: RedisRateLimiterOptions["redis"] },
) {
  const created = new RedisRateLimiter({ redis: server.url, ...options });
  limiters.push(created);
  return created;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true; fails after `tries` polls (50 ms apart). */
async function until(what: string, probe: () => Promise<boolean>, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await pause(50);
  }
  throw new Error(`gave up waiting until ${what}`);
}

describe("RedisRateLimiter", () => {
  it("never lets more than `concurrency` permits out across two instances", async () => {
    const prefix = freshPrefix();
    const a = limiter({ name: "shared", prefix, concurrency: 3, pollMs: 5 });
    const b = limiter({ name: "shared", prefix, concurrency: 3, pollMs: 5 });
    let inFlight = 0;
    let peak = 0;
    const task = async (l: RedisRateLimiter) => {
      const permit = await l.acquire();
      inFlight++;
      peak = Math.max(peak, inFlight);
      await pause(10);
      inFlight--;
      await permit.release();
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => task(i % 2 === 0 ? a : b)));
    expect(peak).toBe(3);
    expect(await control.zcard(`${prefix}limit:shared:holders`)).toBe(0);
    expect(a.held + b.held).toBe(0);
  }, 60_000);

  it("limits the calls of models wrapped with rateLimit({ limiter })", async () => {
    const prefix = freshPrefix();
    const shared = limiter({ name: "m", prefix, concurrency: 2, pollMs: 5 });
    const base = new ScriptedModel(() => "ok", { latencyMs: 10 });
    const model = wrapModel(base, rateLimit({ limiter: shared }));
    await Promise.all(Array.from({ length: 8 }, () => model.generate(req)));
    expect(base.callCount).toBe(8);
    expect(base.maxConcurrentCalls).toBe(2);
    expect(await control.zcard(`${prefix}limit:m:holders`)).toBe(0);
  }, 60_000);

  it("starts at most requestsPerMinute calls in any window (Redis clock)", async () => {
    const prefix = freshPrefix();
    const l = limiter({ name: "rpm", prefix, requestsPerMinute: 2, windowMs: 1_000, pollMs: 10 });
    const startsKey = `${prefix}limit:rpm:starts`;
    const seen = new Map<string, number>(); // start id → Redis time of the start
    const record = async () => {
      const flat = await control.zrange(startsKey, 0, -1, "WITHSCORES");
      for (let i = 0; i < flat.length; i += 2) seen.set(flat[i]!, Number(flat[i + 1]));
    };
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        await l.acquire();
        await record(); // the new start is in the set until a window after it
      }),
    );
    const times = [...seen.values()].sort((x, y) => x - y);
    expect(times).toHaveLength(5);
    for (const t of times) {
      // starts within one window ending at t
      expect(times.filter((s) => s > t - 1_000 && s <= t).length).toBeLessThanOrEqual(2);
    }
    // rpm only: no holders are kept
    expect(await control.exists(`${prefix}limit:rpm:holders`)).toBe(0);
  }, 60_000);

  it("a full window makes callers wait; the wait can be aborted", async () => {
    const prefix = freshPrefix();
    const l = limiter({ name: "w", prefix, requestsPerMinute: 3 }); // a real minute: nobody gets a 4th
    await Promise.all([l.acquire(), l.acquire(), l.acquire()]);
    const controller = new AbortController();
    const fourth = l.acquire(controller.signal);
    await pause(100);
    controller.abort();
    await expect(fourth).rejects.toBeInstanceOf(CancelledError);
    expect(await control.zcard(`${prefix}limit:w:starts`)).toBe(3);
  }, 60_000);

  it("aborting a wait for a concurrency slot leaves no permit behind", async () => {
    const prefix = freshPrefix();
    const l = limiter({ name: "c", prefix, concurrency: 1 });
    const first = await l.acquire();
    const controller = new AbortController();
    const second = l.acquire(controller.signal);
    await pause(100);
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    expect(await control.zcard(`${prefix}limit:c:holders`)).toBe(1);
    await first.release();
    expect(await control.zcard(`${prefix}limit:c:holders`)).toBe(0);
    const third = await l.acquire(); // the aborted waiter holds nothing
    await third.release();
    await third.release(); // a second release does nothing
    expect(l.held).toBe(0);
  }, 60_000);

  it("checks its options and refuses to work after close()", async () => {
    expect(() => limiter({ name: "x" })).toThrow(/or requestsPerMinute must be given/);
    expect(() => limiter({ name: "x", concurrency: 0 })).toThrow(InvalidOptionError);
    expect(() => limiter({ name: "x", concurrency: 1, leaseMs: -1 })).toThrow(/leaseMs/);
    expect(() => limiter({ name: "bad name", concurrency: 1 })).toThrow(/name/);
    expect(() => limiter({ name: "x", concurrency: 1, pollMs: "fast" as unknown as number })).toThrow(
      /pollMs/,
    );
    expect(() => limiter({ name: "x", concurrency: 1, redis: "localhost:6379" })).toThrow(/redis/);
    const l = limiter({ name: "closed", prefix: freshPrefix(), concurrency: 1 });
    await l.close();
    await expect(l.acquire()).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it("never has more than 2 calls in flight across 3 processes sharing concurrency 2", async () => {
    const prefix = freshPrefix();
    const listKey = `${prefix}events`;
    const args = [server.url, prefix, "procs", "2", "8", listKey];
    // each ends with status 0 (finished rejects with the fixture's stderr otherwise)
    await Promise.all([0, 1, 2].map(() => runFixture("limiter-worker.ts", args)));
    const events = await control.lrange(listKey, 0, -1);
    expect(events).toHaveLength(3 * 8 * 2);
    let inFlight = 0;
    let peak = 0;
    for (const event of events) {
      inFlight += event.startsWith("+") ? 1 : -1;
      peak = Math.max(peak, inFlight);
    }
    expect(inFlight).toBe(0);
    expect(peak).toBe(2);
    expect(new Set(events.map((e) => e.slice(1))).size).toBe(3); // all three processes made calls
    expect(await control.zcard(`${prefix}limit:procs:holders`)).toBe(0);
    await control.del(listKey);
  }, 120_000);

  it("renews a live process's leases, and frees a killed process's slots after leaseMs", async () => {
    const prefix = freshPrefix();
    const holders = `${prefix}limit:lease:holders`;
    const leaseMs = 1_500;
    const holder = startFixture("limiter-holder.ts", [
      server.url,
      prefix,
      "lease",
      "2",
      "2",
      String(leaseMs),
    ]);
    await holder.waitFor("held");
    // alive for two leases: the renewals keep both permits
    await pause(2 * leaseMs);
    expect(await control.zcard(holders)).toBe(2);
    await holder.kill();
    const l = limiter({ name: "lease", prefix, concurrency: 2, leaseMs, pollMs: 20 });
    // both slots come back once the dead process's leases run out
    const permits: RateLimitPermit[] = [await l.acquire(), await l.acquire()];
    const ids = await control.zrange(holders, 0, -1);
    expect(ids).toHaveLength(2);
    await Promise.all(permits.map((p) => p.release()));
  }, 120_000);

  it("rejects with SharedStateUnavailableError while Redis is down, and works once it is back", async () => {
    const own = await startRedis();
    const probe = new Redis(own.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    probe.on("error", () => undefined);
    try {
      const prefix = freshPrefix();
      const holders = `${prefix}limit:down:holders`;
      const l = limiter({
        redis: own.url,
        name: "down",
        prefix,
        concurrency: 2,
        leaseMs: 900,
        timeoutMs: 2_000,
      });
      const kept = await l.acquire(); // held across the outage
      await own.kill();

      const error = await l.acquire().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SharedStateUnavailableError);
      expect((error as SharedStateUnavailableError).code).toBe("SCALE_REDIS_UNAVAILABLE");
      // through the middleware: the call fails typed and the model is never called
      const base = new ScriptedModel(() => "ok");
      const model = wrapModel(base, rateLimit({ limiter: l }));
      await expect(model.generate(req)).rejects.toBeInstanceOf(SharedStateUnavailableError);
      expect(base.callCount).toBe(0);

      // Redis comes back, empty, on the same port
      await own.start();
      let again: RateLimitPermit | undefined;
      while (again === undefined) {
        again = await l.acquire().catch((e: unknown) => {
          if (!(e instanceof SharedStateUnavailableError)) throw e;
          return undefined; // the client is still reconnecting
        });
        if (again === undefined) await pause(100);
      }
      // the renewal writes back the permit held through the outage: both calls are counted
      await until("the held permit is written back", async () => (await probe.zcard(holders)) === 2);
      await kept.release();
      await again.release();
      expect(await probe.zcard(holders)).toBe(0);
      await expect(model.generate(req)).resolves.toMatchObject({ text: "ok" });
    } finally {
      probe.disconnect();
      await Promise.all(limiters.splice(0).map((x) => x.close()));
      await own.stop();
    }
  }, 120_000);
});
