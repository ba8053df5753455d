/**
 * A training run in a child process is killed with SIGKILL mid-run and resumed; it must end with
 * the same parameters, optimizer state, totals and run log (apart from times, durations, run id
 * and the `resume` record) as an uninterrupted run of the same configuration and seed.
 *
 * The child runs the TypeScript sources directly through the repository's @swc/core loader
 * (scripts/ts-loader), so no build is needed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { normalizedLog } from "./helpers/log.js";
import { tempDirs } from "./helpers/tmp.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const register = fileURLToPath(new URL("../../../scripts/ts-loader/register.mjs", import.meta.url));
const fixture = join(here, "fixtures/kill-run.ts");

interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runChild(
  mode: "train" | "resume",
  dir: string,
  options: { env?: Record<string, string>; onLine?: (line: string, child: ChildProcess) => void } = {},
): Promise<ChildRun> {
  const { NODE_OPTIONS: _drop, ...env } = process.env;
  const child = spawn(process.execPath, ["--import", register, fixture, mode, dir], {
    env: { ...env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      options.onLine?.(pending.slice(0, newline), child);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  });
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function done(run: ChildRun): unknown {
  const line = run.stdout.split("\n").find((l) => l.startsWith("DONE "));
  if (line === undefined)
    throw new Error(`the child did not finish: code ${run.code}, signal ${run.signal}\n${run.stderr}`);
  return JSON.parse(line.slice(5));
}

function checkpointStep(dir: string): number {
  return (JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as { step: number }).step;
}

describe("resume after SIGKILL (child process)", () => {
  let reference: { dir: string; result: unknown };

  let referenceDir: string | undefined;
  const tempDir = tempDirs("trainer-kill-");
  afterAll(() => {
    if (referenceDir !== undefined) rmSync(referenceDir, { recursive: true, force: true });
  });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "trainer-kill-ref-"));
    referenceDir = dir;
    const run = await runChild("train", dir);
    expect(run.code).toBe(0);
    reference = { dir, result: done(run) };
    expect(reference.result).toMatchObject({ reason: "completed", steps: 8 });
  }, 90_000);

  it("a run killed by the parent mid-run and resumed ends like the uninterrupted run", async () => {
    const dir = tempDir();
    let killed = false;
    const cut = await runChild("train", dir, {
      onLine: (line, child) => {
        if (line === "STEP 2" && !killed) {
          killed = true;
          setTimeout(() => child.kill("SIGKILL"), 25); // somewhere inside step 3 or 4
        }
      },
    });
    expect(cut.signal).toBe("SIGKILL");
    expect(cut.stdout).not.toContain("DONE");
    // "STEP 2" is printed before step 2's checkpoint is written, so on a slow machine the kill may
    // land before it; either way the run was cut short
    const saved = checkpointStep(dir);
    expect(saved).toBeGreaterThanOrEqual(1);
    expect(saved).toBeLessThan(8);

    const resumed = await runChild("resume", dir);
    expect(resumed.code).toBe(0);
    expect(done(resumed)).toEqual(reference.result);
    expect(normalizedLog(join(dir, "log.jsonl"))).toEqual(normalizedLog(join(reference.dir, "log.jsonl")));
  }, 90_000);

  it("a run killed after writing a step's log record but before its checkpoint resumes cleanly", async () => {
    const dir = tempDir();
    const cut = await runChild("train", dir, { env: { KILL_AFTER_STEP_RECORD: "3" } });
    expect(cut.signal).toBe("SIGKILL");
    expect(checkpointStep(dir)).toBe(2);
    // the log already holds step 3, which the checkpoint does not know about
    const steps = readFileSync(join(dir, "log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; step?: number })
      .filter((r) => r.type === "step");
    expect(steps.map((r) => r.step)).toEqual([1, 2, 3]);

    const resumed = await runChild("resume", dir);
    expect(resumed.code).toBe(0);
    expect(done(resumed)).toEqual(reference.result);
    expect(normalizedLog(join(dir, "log.jsonl"))).toEqual(normalizedLog(join(reference.dir, "log.jsonl")));
  }, 90_000);
});

/**
 * Every search algorithm (its state: buffers, memories, Pareto pools, counters) survives a kill in
 * the middle of a step: the resumed run ends with the same result and log as an uninterrupted one.
 */
describe.each([
  "best-of-n",
  "beam-search",
  "ucb-search",
  "priority-search",
  "streaming-priority-search",
  "pareto-search",
])("%s: resume after SIGKILL (child process)", (algorithm) => {
  const tempDir = tempDirs(`trainer-kill-${algorithm}-`);
  const env = { ALGORITHM: algorithm };

  it("a run killed mid-run and resumed ends like the uninterrupted run", async () => {
    const referenceDir = tempDir();
    const uninterrupted = await runChild("train", referenceDir, { env });
    expect(uninterrupted.code).toBe(0);
    const reference = done(uninterrupted);
    expect(reference).toMatchObject({ steps: 8 });

    const dir = tempDir();
    let killed = false;
    const cut = await runChild("train", dir, {
      env,
      onLine: (line, child) => {
        if (line === "STEP 2" && !killed) {
          killed = true;
          setTimeout(() => child.kill("SIGKILL"), 25);
        }
      },
    });
    expect(cut.signal).toBe("SIGKILL");
    expect(cut.stdout).not.toContain("DONE");
    expect(checkpointStep(dir)).toBeLessThan(8);

    const resumed = await runChild("resume", dir, { env });
    expect(resumed.code).toBe(0);
    expect(done(resumed)).toEqual(reference);
    expect(normalizedLog(join(dir, "log.jsonl"))).toEqual(normalizedLog(join(referenceDir, "log.jsonl")));
  }, 120_000);
});
