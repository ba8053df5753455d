/**
 * The `trace-ts-scale` command (a worker started by one command, usage errors), the checks on
 * what comes back from Redis (job data, outcomes, runs), sweep grids and tables, and the fencing
 * token across a Redis restart.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { evaluate, RunCancelledError } from "@trace-ts/trainer";
import { checkJobData, checkOutcome } from "../src/distributed/evaluation-job.js";
import {
  BullmqExecutor,
  FENCE_FILE,
  FileFence,
  formatSweepTable,
  InvalidTaskError,
  loadTask,
  main,
  SharedStateUnavailableError,
  StaleWriterError,
  sweepGrid,
} from "../src/index.js";
import { checkRunOutcome } from "../src/sweep/sweep-job.js";
import { sameText, sumAgent, sumExamples } from "./fixtures/eval-task.js";
import { startFixture } from "./support/fixture-process.js";
import { processSuite } from "./support/suite.js";

const suite = processSuite("cli");

const taskModule = fileURLToPath(new URL("./fixtures/sum-task-module.ts", import.meta.url));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

describe("trace-ts-scale", () => {
  it("starts an evaluation worker with one command; it serves an evaluation and stops on SIGTERM", async () => {
    const prefix = `c${randomBytes(4).toString("hex")}:`;
    const cli = startFixture("cli.ts", [
      "worker",
      "--task",
      taskModule,
      "--redis",
      suite.server.url,
      "--prefix",
      prefix,
      "--concurrency",
      "2",
    ]);
    await cli.waitFor("evaluation worker ready: task sum");
    const executor = new BullmqExecutor({ redis: suite.server.url, prefix, task: "sum" });
    try {
      const local = sumAgent();
      const result = await evaluate({
        forward: local.forward,
        guide: sameText,
        dataset: sumExamples(5),
        executor,
        parameters: local.agent.parameters(),
      });
      expect(result.scores).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await executor.close();
    }
    cli.child.kill("SIGTERM");
    expect(await cli.finished).toContain("evaluation worker stopped after 5 examples");
  }, 120_000);

  it("answers usage errors with exit code 2 and the usage text", async () => {
    for (const argv of [
      [],
      ["frobnicate"],
      ["worker"],
      ["sweep-status"],
      ["worker", "--task", "x", "--concurrency", "0"],
      ["--bogus"],
    ]) {
      const t = io();
      expect(await main(argv, t.io)).toBe(2);
      expect(t.err.join("\n")).toContain("Usage: trace-ts-scale");
    }
    const help = io();
    expect(await main(["--help"], help.io)).toBe(0);
    expect(help.out.join("\n")).toContain("sweep-worker --task FILE --storage DIR");
    const version = io();
    expect(await main(["--version"], version.io)).toBe(0);
    expect(version.out[0]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("refuses a task module without a task, naming the file", async () => {
    const file = join(suite.root, "not-a-task.mjs");
    writeFileSync(file, "export default { name: 'x' };\n");
    await expect(loadTask(file)).rejects.toBeInstanceOf(InvalidTaskError);
    await expect(loadTask(join(suite.root, "missing.mjs"))).rejects.toThrow(/cannot load the task module/);
    const t = io();
    expect(await main(["worker", "--task", file, "--redis", suite.server.url], t.io)).toBe(1);
    expect(t.err.join("\n")).toContain("SCALE_TASK_INVALID");
  });
});

describe("BullmqExecutor without Redis", () => {
  it("rejects with SharedStateUnavailableError after startTimeoutMs, or at once when cancelled; close() returns", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    const executor = new BullmqExecutor({
      redis: `redis://:secret@127.0.0.1:${port}`,
      task: "sum",
      startTimeoutMs: 300,
    });
    const patient = new BullmqExecutor({ redis: `redis://127.0.0.1:${port}`, task: "sum" });
    try {
      const local = sumAgent();
      const down = await evaluate({
        forward: local.forward,
        guide: sameText,
        dataset: sumExamples(2),
        executor,
      }).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(SharedStateUnavailableError);
      expect((down as Error).message).toContain("evaluation start");
      expect((down as Error).message).not.toContain("secret");
      const controller = new AbortController();
      const pending = evaluate({
        forward: local.forward,
        guide: sameText,
        dataset: sumExamples(2),
        executor: patient,
        signal: controller.signal,
      });
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(RunCancelledError);
    } finally {
      // neither ever reached Redis: closing must still end their connections (or jest would not exit)
      await Promise.all([executor.close(), patient.close()]);
    }
  }, 60_000);
});

describe("what comes back from Redis is checked", () => {
  const good = {
    kind: "result",
    index: 3,
    score: 1,
    feedback: "ok",
    output: "n=5",
    metrics: { score: 1, latencyMs: 2 },
    durationMs: 2,
  };

  it("accepts a well-formed outcome and refuses poisoned ones", () => {
    expect(checkOutcome(good, 3)).toEqual(good);
    const poisoned: unknown[] = [
      null,
      "result",
      { ...good, index: 4 },
      { ...good, score: Number.NaN },
      { ...good, score: "1" },
      { ...good, feedback: 5 },
      { ...good, feedback: "x".repeat(1_000_001) },
      { ...good, metrics: { score: "high" } },
      { ...good, metrics: [1] },
      { ...good, durationMs: null },
      { ...good, kind: "mystery" },
      { kind: "stop", index: 3, reason: "lunch", code: "X", error: "e" },
      { kind: "failure", index: 3, name: "E", code: 1, message: "m" },
    ];
    for (const value of poisoned) expect(checkOutcome(value, 3)).toBeUndefined();
    expect(
      checkOutcome({ kind: "stop", index: 3, reason: "budget", code: "LLM_BUDGET_EXCEEDED", error: "e" }, 3),
    ).toMatchObject({ reason: "budget" });
  });

  it("refuses malformed job data and other versions", () => {
    const data = {
      v: 1,
      task: "sum",
      evaluation: "0f0e8a5c-1b2c-4d3e-9f00-123456789abc",
      position: 0,
      index: 0,
      example: { input: 1 },
      parameters: "",
      errorScore: 0,
    };
    expect(checkJobData(data)).toEqual(data);
    expect(checkJobData({ ...data, v: 2 })).toMatch(/version 2/);
    expect(checkJobData({ ...data, evaluation: "../../x" })).toMatch(/evaluation id/);
    expect(checkJobData({ ...data, parameters: "zz" })).toMatch(/digest/);
    expect(checkJobData({ ...data, example: null })).toMatch(/example/);
  });

  it("checks run outcomes", () => {
    expect(
      checkRunOutcome({ steps: 3, reason: "completed", best: 0.5, test: null, resumed: false }),
    ).toBeDefined();
    expect(
      checkRunOutcome({ steps: 3, reason: "completed", best: "0.5", test: null, resumed: false }),
    ).toBeUndefined();
    expect(
      checkRunOutcome({ steps: 1.5, reason: "completed", best: null, test: null, resumed: false }),
    ).toBeUndefined();
  });
});

describe("sweep grids and tables", () => {
  it("makes every combination and refuses ids that are not safe folder names", () => {
    const runs = sweepGrid({ tasks: ["a", "b"], optimizers: ["opro"], seeds: [1, 2, 3] });
    expect(runs).toHaveLength(6);
    expect(new Set(runs.map((r) => r.id)).size).toBe(6);
    expect(() => sweepGrid({ tasks: ["../etc"], optimizers: ["x"], seeds: [1] })).toThrow(/letters, digits/);
    expect(() => sweepGrid({ tasks: ["a b"], optimizers: ["x"], seeds: [1] })).toThrow(/letters, digits/);
    expect(() => sweepGrid({ tasks: ["a"], optimizers: ["x"], seeds: [1.5] })).toThrow(/seed/);
  });

  it("prints one row per run and the mean over seeds per task, optimizer and config", () => {
    const [r1, r2] = sweepGrid({ tasks: ["t"], optimizers: ["o"], seeds: [1, 2] });
    const text = formatSweepTable([
      {
        run: r1!,
        state: "completed",
        attempts: 1,
        outcome: { steps: 4, reason: "completed", best: 0.5, test: 0.25, resumed: false },
        failedReason: null,
      },
      { run: r2!, state: "failed", attempts: 3, outcome: null, failedReason: "boom" },
    ]);
    expect(text).toMatch(
      /t\.o\.default\.s1\s+t\s+o\s+default\s+1\s+completed\s+1\s+4\s+completed\s+0\.500\s+0\.250/,
    );
    expect(text).toMatch(/t\.o\.default\.s2\s+t\s+o\s+default\s+2\s+failed\s+3\s+-\s+failed/);
    expect(text).toMatch(/t\s+o\s+default\s+1\/2\s+0\.500\s+0\.250/);
  });
});

describe("FileFence", () => {
  it("refuses the older writer once a newer one took the folder, and survives Redis restarting empty", async () => {
    const connection = suite.server.url;
    const directory = mkdtempSync(join(suite.root, "fence-"));
    const key = `f${randomBytes(4).toString("hex")}:fence`;
    try {
      const first = await FileFence.acquire(connection, key, directory);
      first.check("log", "log.jsonl");
      const second = await FileFence.acquire(connection, key, directory);
      expect(second.token).toBeGreaterThan(first.token);
      expect(() => first.check("checkpoint", "checkpoint.json")).toThrow(StaleWriterError);
      second.check("log", "log.jsonl");
      // a slower taker-over that wrote an older token back does not lock the newest out
      writeFileSync(join(directory, FENCE_FILE), `${first.token}\n`);
      second.check("log", "log.jsonl");
      expect(Number(readFileSync(join(directory, FENCE_FILE), "utf8"))).toBe(second.token);
      // Redis forgets the counter: the next token is still above the folder's
      await suite.server.restart();
      const third = await FileFence.acquire(connection, key, directory);
      expect(third.token).toBeGreaterThan(second.token);
      expect(() => second.check("log", "log.jsonl")).toThrow(/took the run over/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);
});
