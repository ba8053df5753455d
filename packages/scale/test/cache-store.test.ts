/** The Redis response-cache store: round trip, TTL, size caps, poisoned entries, Redis down. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { withDefaults } from "@trace-ts/core";
import type { GenerateResult } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { Redis } from "ioredis";
import { CacheEntryTooLargeError, RedisCacheStore, SharedStateUnavailableError } from "../src/index.js";
import { startRedis, type TestRedis } from "./support/redis-server.js";

const KEY = "a".repeat(64);
const RESULT: GenerateResult = {
  text: "hello",
  usage: { inputTokens: 3, outputTokens: 2 },
  finishReason: "stop",
  model: "m",
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: TestRedis;
let client: Redis;
const stores: RedisCacheStore[] = [];

function store(options: Partial<ConstructorParameters<typeof RedisCacheStore>[0]> = {}): RedisCacheStore {
  const s = new RedisCacheStore({ redis: client, prefix: `c${randomBytes(4).toString("hex")}:`, ...options });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url, { maxRetriesPerRequest: 1, disconnectTimeout: 100 });
  client.on("error", () => {});
}, 60_000);

afterAll(async () => {
  for (const s of stores) await s.close();
  client.disconnect();
  await server.stop();
});

describe("RedisCacheStore", () => {
  it("stores and reads back a result, without raw and cached", async () => {
    const s = store();
    const withTools: GenerateResult = {
      ...RESULT,
      finishReason: "tool_calls",
      toolCalls: [{ id: "c1", name: "t", arguments: '{"x":1}' }],
      usage: { inputTokens: 3, outputTokens: 2, cacheReadTokens: 1 },
      raw: { secret: "body" },
      cached: false,
    };
    expect(await s.get(KEY)).toBeUndefined();
    await s.set(KEY, withTools);
    const { raw: _raw, cached: _cached, ...expected } = withTools;
    expect(await s.get(KEY)).toEqual(expected);
    const stored = JSON.parse((await client.get(s.keyOf(KEY)))!) as Record<string, unknown>;
    expect(stored).toMatchObject({ version: 1, key: KEY });
    expect(stored.request).toBeUndefined();
    expect(s.rejectedEntries).toBe(0);
  });

  it("gives entries a Redis expiry of ttlMs, and ignores entries older than ttlMs", async () => {
    const s = store({ ttlMs: 60_000 });
    await s.set(KEY, RESULT);
    const pttl = await client.pttl(s.keyOf(KEY));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    const old = { version: 1, key: KEY, createdAt: "2000-01-01T00:00:00.000Z", result: RESULT };
    await client.set(s.keyOf(KEY), JSON.stringify(old));
    expect(await s.get(KEY)).toBeUndefined();
    expect(s.rejectedEntries).toBe(0);
    const short = store({ ttlMs: 50 });
    await short.set(KEY, RESULT);
    while ((await client.exists(short.keyOf(KEY))) === 1) await sleep(20);
    expect(await short.get(KEY)).toBeUndefined();
  }, 60_000);

  it("refuses an oversize entry on set and on get", async () => {
    const rejected: string[] = [];
    const s = store({ maxEntryBytes: 1024, onRejected: (_k, reason) => rejected.push(reason) });
    await expect(s.set(KEY, { ...RESULT, text: "x".repeat(2000) })).rejects.toBeInstanceOf(
      CacheEntryTooLargeError,
    );
    expect(await client.exists(s.keyOf(KEY))).toBe(0);
    const big = {
      version: 1,
      key: KEY,
      createdAt: new Date().toISOString(),
      result: { ...RESULT, text: "é".repeat(600) },
    };
    await client.set(s.keyOf(KEY), JSON.stringify(big));
    expect(await s.get(KEY)).toBeUndefined();
    expect(s.rejectedEntries).toBe(1);
    expect(rejected).toEqual([expect.stringContaining("more than maxEntryBytes")]);
  });

  it("refuses, counts and reports every kind of poisoned entry", async () => {
    const reported: Array<[string, string]> = [];
    const s = store({ onRejected: (key, reason) => reported.push([key, reason]) });
    const now = new Date().toISOString();
    const entry = (result: unknown, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ version: 1, key: KEY, createdAt: now, result, ...extra });
    const poisons: string[] = [
      "not json {",
      "[1,2]",
      entry(RESULT, { version: 2 }),
      entry(RESULT, { key: "b".repeat(64) }),
      entry(RESULT, { createdAt: "yesterday" }),
      entry({ ...RESULT, text: 42 }),
      entry({ ...RESULT, usage: { inputTokens: -1, outputTokens: 2 } }),
      entry({ ...RESULT, usage: { inputTokens: 1.5, outputTokens: 2 } }),
      entry({ ...RESULT, usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: "3" } }),
      entry({ ...RESULT, usage: null }),
      entry({ ...RESULT, finishReason: "done" }),
      entry({ ...RESULT, model: undefined }),
      entry({ ...RESULT, toolCalls: "call it" }),
      entry({ ...RESULT, toolCalls: [{ id: "1", name: "t", arguments: { x: 1 } }] }),
      entry({ ...RESULT, cached: true }),
      entry(null),
    ];
    for (const poison of poisons) {
      await client.set(s.keyOf(KEY), poison);
      expect(await s.get(KEY)).toBeUndefined();
    }
    // a value of another Redis type
    await client.del(s.keyOf(KEY));
    await client.hset(s.keyOf(KEY), "f", "v");
    expect(await s.get(KEY)).toBeUndefined();
    expect(s.rejectedEntries).toBe(poisons.length + 1);
    expect(reported).toHaveLength(poisons.length + 1);
    expect(new Set(reported.map(([k]) => k))).toEqual(new Set([KEY]));
  });

  it("never answers a call with a poisoned entry: the model is called instead", async () => {
    const s = store();
    const scripted = new ScriptedModel(["fresh"]);
    const model = withDefaults(scripted, { retry: false, cache: { store: s, memory: false } });
    const request = { messages: [{ role: "user" as const, content: "q" }] };
    const first = await model.generate(request);
    const keys = await client.keys(`${s.prefix}cache:*`);
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    const stored = JSON.parse((await client.get(key))!) as { result: Record<string, unknown> };
    await client.set(key, JSON.stringify({ ...stored, result: { ...stored.result, finishReason: 7 } }));
    const scripted2 = new ScriptedModel(["fresh again"]);
    const model2 = withDefaults(scripted2, { retry: false, cache: { store: s, memory: false } });
    const second = await model2.generate(request);
    expect(first.text).toBe("fresh");
    expect(second).toMatchObject({ text: "fresh again" });
    expect(second.cached).toBeUndefined();
    expect(s.rejectedEntries).toBe(1);
  });

  it("treats Redis down as a miss (reported) and a failed store as an error, then works after a restart", async () => {
    const errors: unknown[] = [];
    const s = new RedisCacheStore({
      redis: server.url,
      prefix: `d${randomBytes(4).toString("hex")}:`,
      timeoutMs: 3000,
      onError: (e) => errors.push(e),
    });
    try {
      await s.set(KEY, RESULT);
      expect(await s.get(KEY)).toEqual(RESULT);
      const admin = new Redis(server.url, {
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        disconnectTimeout: 100,
      });
      admin.on("error", () => {});
      await admin.call("SHUTDOWN", "NOSAVE").catch(() => undefined);
      admin.disconnect();

      expect(await s.get(KEY)).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(SharedStateUnavailableError);
      expect(errors[0]).toMatchObject({ operation: "cache get", code: "SCALE_REDIS_UNAVAILABLE" });
      await expect(s.set(KEY, RESULT)).rejects.toBeInstanceOf(SharedStateUnavailableError);

      await server.restart();
      let stored = false;
      for (let attempt = 0; !stored && attempt < 100; attempt++) {
        stored = await s.set(KEY, RESULT).then(
          () => true,
          async () => {
            await sleep(100);
            return false;
          },
        );
      }
      expect(stored).toBe(true);
      expect(await s.get(KEY)).toEqual(RESULT);
    } finally {
      await s.close();
    }
  }, 120_000);
});
