/** One Redis budget shared by several processes: never overspent, and freed when a holder dies. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { RedisBudgetLedger } from "../src/index.js";
import { startFixture } from "./support/fixture-process.js";
import { startRedis, type TestRedis } from "./support/redis-server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const startWorker = (args: readonly string[]) => startFixture("budget-worker.ts", args);

let server: TestRedis;
let client: Redis;

beforeAll(async () => {
  server = await startRedis();
  client = new Redis(server.url, { maxRetriesPerRequest: 1, disconnectTimeout: 100 });
}, 60_000);

afterAll(async () => {
  client.disconnect();
  await server.stop();
});

describe("RedisBudgetLedger across processes", () => {
  it("4 processes × 25 concurrent calls never spend more than the shared limit", async () => {
    const prefix = `p${randomBytes(4).toString("hex")}:`;
    const maxTokens = 600;
    const workers = Array.from({ length: 4 }, () =>
      startWorker(["run", server.url, prefix, "shared", String(maxTokens), "25"]),
    );
    const reports = (await Promise.all(workers.map((w) => w.finished))).map(
      (text) => JSON.parse(text.trim()) as { ok: number; refused: number; errors: string[]; calls: number },
    );
    for (const r of reports) {
      expect(r.errors).toEqual([]);
      expect(r.ok + r.refused).toBe(25);
      // a refused call never reached the model
      expect(r.calls).toBe(r.ok);
    }
    const ok = reports.reduce((n, r) => n + r.ok, 0);
    const refused = reports.reduce((n, r) => n + r.refused, 0);
    const spent = await client.hgetall(`${prefix}budget:shared:spent`);
    // each successful call books 15 tokens; the limit was reached, never passed
    expect(Number(spent.tokens)).toBe(ok * 15);
    expect(Number(spent.tokens)).toBeLessThanOrEqual(maxTokens);
    expect(refused).toBeGreaterThan(0);
    expect(await client.hlen(`${prefix}budget:shared:held`)).toBe(0);
  }, 120_000);

  it("frees the reservations of a SIGKILLed process after its lease, for the others to use", async () => {
    const prefix = `k${randomBytes(4).toString("hex")}:`;
    const holder = startWorker(["hold", server.url, prefix, "killed", "90", "1500"]);
    await holder.waitFor("held");
    const ledger = new RedisBudgetLedger({ redis: client, prefix, name: "killed", leaseMs: 1500 });
    const limits = { maxTokens: 100, maxCost: Number.POSITIVE_INFINITY };
    try {
      // the holder is alive and renewing: its 90 tokens count
      expect(await ledger.reserve({ tokens: 20, cost: 0 }, limits)).toMatchObject({
        ok: false,
        limit: "tokens",
      });
      expect((await ledger.refreshTotals()).reserved.tokens).toBe(90);
      await holder.kill();
      let admitted = false;
      while (!admitted) {
        await sleep(100);
        const r = await ledger.reserve({ tokens: 100, cost: 0 }, limits);
        if (r.ok) {
          admitted = true;
          await ledger.commit(r.reservation, { tokens: 100, cost: 0 });
        }
      }
      expect(await client.hlen(ledger.keys.held)).toBe(0);
      expect(await client.hget(ledger.keys.spent, "tokens")).toBe("100");
    } finally {
      await holder.kill();
      await ledger.close();
    }
  }, 120_000);
});
