/** Two processes share one Redis response cache: the second answers from the first's call. */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startRedis, type TestRedis } from "./support/redis-server.js";

const register = fileURLToPath(new URL("../../../scripts/ts-loader/register.mjs", import.meta.url));
const worker = fileURLToPath(new URL("./fixtures/cache-worker.ts", import.meta.url));

interface Report {
  readonly text: string;
  readonly cached: boolean;
  readonly calls: number;
}

function ask(args: readonly string[]): Promise<Report> {
  const child = spawn(process.execPath, ["--import", register, worker, ...args], {
    env: { ...process.env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(JSON.parse(stdout.trim()) as Report)
        : reject(new Error(`worker exited ${code}: ${stderr}`)),
    );
  });
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
