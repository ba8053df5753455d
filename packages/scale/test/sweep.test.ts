/**
 * Sweeps against a real Redis with worker processes: a grid of runs trained by two workers and
 * its table; a worker SIGKILLed mid-run, whose run another worker resumes from its checkpoint and
 * ends identical to an uninterrupted run; a worker that closes, whose run goes back on the queue
 * without using an attempt; a stalled worker whose run is picked up by a second one, after which
 * the first is refused every write by the fencing token.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { normalizedLog } from "../../trainer/test/helpers/log.js";
import {
  enqueueSweep,
  FileFence,
  main,
  readSweep,
  type SweepRow,
  type SweepRun,
  sweepGrid,
} from "../src/index.js";
import { multiplierSweep } from "./fixtures/sweep-task.js";
import { type FixtureProcess, startFixture } from "./support/fixture-process.js";
import { processSuite } from "./support/suite.js";

const suite = processSuite("sweep");
const newPrefix = suite.prefix;

interface WorkerSettings {
  readonly lockMs?: number;
  readonly stalledMs?: number;
  readonly latencyMs?: number;
  readonly blockStep?: number;
  readonly blockMs?: number;
}

async function startWorker(prefix: string, storage: string, s: WorkerSettings = {}): Promise<FixtureProcess> {
  const worker = startFixture("sweep-worker.ts", [
    suite.server.url,
    prefix,
    storage,
    String(s.lockMs ?? 30_000),
    String(s.stalledMs ?? 30_000),
    String(s.latencyMs ?? 0),
    String(s.blockStep ?? 0),
    String(s.blockMs ?? 0),
    suite.root,
  ]);
  await worker.waitFor("ready");
  return worker;
}

async function waitUntilFinished(prefix: string, sweep: string, count: number): Promise<SweepRow[]> {
  for (;;) {
    const rows = await readSweep({ redis: suite.server.url, prefix, sweep });
    if (rows.length === count && rows.every((r) => r.state === "completed" || r.state === "failed"))
      return rows;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The run trained in this process without interruption, in its own folder. */
async function uninterrupted(run: SweepRun, directory: string) {
  const fence = await FileFence.acquire(suite.server.url, `${newPrefix()}fence`, directory);
  const outcome = await multiplierSweep().run(run, {
    directory,
    checkpoint: join(directory, "checkpoint.json"),
    log: join(directory, "log.jsonl"),
    fence,
    signal: new AbortController().signal,
    attempt: 1,
  });
  return { outcome, log: normalizedLog(join(directory, "log.jsonl")) };
}

function finalParameters(directory: string): unknown {
  return (JSON.parse(readFileSync(join(directory, "checkpoint.json"), "utf8")) as { parameters: unknown })
    .parameters;
}

describe("sweeps on BullMQ workers", () => {
  it("trains a grid with two workers; sweep-status prints the table", async () => {
    const prefix = newPrefix();
    const storage = mkdtempSync(join(suite.root, "grid-"));
    const runs = sweepGrid({
      tasks: ["mult"],
      optimizers: ["json"],
      seeds: [1, 2],
      configs: { b3: { batchSize: 3 }, b4: { batchSize: 4 } },
    });
    expect(runs.map((r) => r.id)).toEqual([
      "mult.json.b3.s1",
      "mult.json.b3.s2",
      "mult.json.b4.s1",
      "mult.json.b4.s2",
    ]);
    const workers = [
      await startWorker(prefix, storage, { latencyMs: 40 }),
      await startWorker(prefix, storage, { latencyMs: 40 }),
    ];
    expect(await enqueueSweep({ redis: suite.server.url, prefix, sweep: "grid", runs })).toBe(4);
    const rows = await waitUntilFinished(prefix, "grid", 4);
    expect(rows.map((r) => [r.run.id, r.state])).toEqual(runs.map((r) => [r.id, "completed"]));
    for (const row of rows) {
      expect(row.outcome).toMatchObject({ reason: "completed", resumed: false });
      expect(row.outcome!.steps).toBe(row.run.config.batchSize === 3 ? 8 : 6);
      expect(existsSync(join(storage, "grid", row.run.id, "result.json"))).toBe(true);
    }
    expect(workers.every((w) => w.stdout().includes("step "))).toBe(true);

    const lines: string[] = [];
    const code = await main(
      ["sweep-status", "--sweep", "grid", "--redis", suite.server.url, "--prefix", prefix],
      {
        out: (line) => lines.push(line),
        err: (line) => lines.push(line),
      },
    );
    expect(code).toBe(0);
    const text = lines.join("\n");
    for (const run of runs)
      expect(text).toMatch(
        new RegExp(`${run.id.replace(/\./g, "\\.")}\\s+mult\\s+json\\s+b[34]\\s+[12]\\s+completed`),
      );
    expect(text).toMatch(/mult\s+json\s+b3\s+2\/2/);
  }, 180_000);

  it("resumes a SIGKILLed worker's run on another worker from its checkpoint; it ends identical", async () => {
    const prefix = newPrefix();
    const storage = mkdtempSync(join(suite.root, "kill-"));
    const [run] = sweepGrid({ tasks: ["mult"], optimizers: ["json"], seeds: [7] });
    await enqueueSweep({ redis: suite.server.url, prefix, sweep: "kill", runs: [run!] });
    const doomed = await startWorker(prefix, storage, { lockMs: 1500, stalledMs: 300, latencyMs: 150 });
    await doomed.waitFor(`step ${run!.id} 3`);
    await doomed.kill();
    const rescuer = await startWorker(prefix, storage, { lockMs: 1500, stalledMs: 300 });
    const [row] = await waitUntilFinished(prefix, "kill", 1);
    expect(row!.state).toBe("completed");
    expect(row!.outcome).toMatchObject({ reason: "completed", resumed: true, steps: 8 });
    // the rescuer did not start over: it took only the steps after the last checkpoint
    expect(rescuer.stdout()).not.toContain(`step ${run!.id} 1\n`);

    const referenceDirectory = mkdtempSync(join(suite.root, "reference-"));
    const reference = await uninterrupted(run!, referenceDirectory);
    const directory = join(storage, "kill", run!.id);
    expect(normalizedLog(join(directory, "log.jsonl"))).toEqual(reference.log);
    const { resumed: _a, ...outcome } = row!.outcome!;
    const { resumed: _b, ...expected } = reference.outcome;
    expect(outcome).toEqual(expected);
    expect(readdirSync(directory).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(finalParameters(directory)).toEqual(finalParameters(referenceDirectory));
  }, 180_000);

  it("puts a run back on the queue when its worker closes (SIGTERM); another continues it, identical", async () => {
    const prefix = newPrefix();
    const storage = mkdtempSync(join(suite.root, "close-"));
    const [run] = sweepGrid({ tasks: ["mult"], optimizers: ["json"], seeds: [5] });
    await enqueueSweep({ redis: suite.server.url, prefix, sweep: "close", runs: [run!] });
    const leaving = await startWorker(prefix, storage, { latencyMs: 150 });
    await leaving.waitFor(`step ${run!.id} 3`);
    leaving.child.kill("SIGTERM");
    await leaving.finished;
    const staying = await startWorker(prefix, storage);
    const [row] = await waitUntilFinished(prefix, "close", 1);
    expect(row!.state).toBe("completed");
    expect(row!.outcome).toMatchObject({ reason: "completed", steps: 8, resumed: true });
    // closing used no attempt: the run completed on its first
    expect(row!.attempts).toBe(1);
    expect(staying.stdout()).not.toContain(`step ${run!.id} 1\n`);
    const reference = await uninterrupted(run!, mkdtempSync(join(suite.root, "reference-")));
    expect(normalizedLog(join(storage, "close", run!.id, "log.jsonl"))).toEqual(reference.log);
  }, 180_000);

  it("fences out a stalled worker whose run a second worker took over; the run ends identical", async () => {
    const prefix = newPrefix();
    const storage = mkdtempSync(join(suite.root, "stall-"));
    const [run] = sweepGrid({ tasks: ["mult"], optimizers: ["json"], seeds: [3] });
    // whichever worker takes the run blocks its event loop at step 2 for far longer than its lock;
    // the other one's stalled-job check hands the run to itself
    const settings = { lockMs: 1000, stalledMs: 300, blockStep: 2, blockMs: 8000 };
    const workers = [
      await startWorker(prefix, storage, settings),
      await startWorker(prefix, storage, settings),
    ];
    await enqueueSweep({ redis: suite.server.url, prefix, sweep: "stall", runs: [run!] });
    const [row] = await waitUntilFinished(prefix, "stall", 1);
    expect(row!.state).toBe("completed");
    expect(row!.outcome).toMatchObject({ reason: "completed", steps: 8, resumed: true });
    const stalled = workers.find(
      (w) => w.stdout().includes(`step ${run!.id} 2`) && !w.stdout().includes(`step ${run!.id} 8`),
    );
    const taker = workers.find((w) => w.stdout().includes(`step ${run!.id} 8`));
    expect(stalled).toBeDefined();
    expect(taker).toBeDefined();
    expect(stalled).not.toBe(taker);
    // the stalled worker woke up, tried to write, and was refused
    await stalled!.waitFor("stale ");
    expect(stalled!.stdout()).toMatch(
      /stale refused to write .* holds fencing token 1, but token 2 took the run over/,
    );

    const reference = await uninterrupted(run!, mkdtempSync(join(suite.root, "reference-")));
    const directory = join(storage, "stall", run!.id);
    expect(normalizedLog(join(directory, "log.jsonl"))).toEqual(reference.log);
    const result = JSON.parse(readFileSync(join(directory, "result.json"), "utf8")) as { token: number };
    expect(result.token).toBe(2);
  }, 180_000);
});
