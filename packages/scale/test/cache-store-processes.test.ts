/** Two processes share one Redis response cache: the second answers from the first's call. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runFixture } from "./support/fixture-process.js";
import { startRedis, type TestRedis } from "./support/redis-server.js";

interface Report {
  readonly text: string;
  readonly cached: boolean;
  readonly calls: number;
}

async function ask(args: readonly string[]): Promise<Report> {
  return JSON.parse((await runFixture("cache-worker.ts", args)).trim()) as Report;
}

let server: TestRedis;

beforeAll(async () => {
  server = await startRedis();
}, 60_000);

afterAll(async () => {
  await server.stop();
});

describe("RedisCacheStore across processes", () => {
  it("answers the second process from the first one's call, without calling its model", async () => {
    const prefix = `x${randomBytes(4).toString("hex")}:`;
    const first = await ask([server.url, prefix, "what is 2+2?"]);
    expect(first).toMatchObject({ cached: false, calls: 1 });
    const second = await ask([server.url, prefix, "what is 2+2?"]);
    expect(second).toEqual({ text: first.text, cached: true, calls: 0 });
    // another question is a miss
    const other = await ask([server.url, prefix, "what is 3+3?"]);
    expect(other).toMatchObject({ cached: false, calls: 1 });
  }, 120_000);
});
