/**
 * Putting a sweep's runs on the queue, and reading back where each one stands (with the table
 * `trace-ts-scale sweep-status` prints).
 */
import { InvalidOptionError } from "@trace-ts/core";
import { Queue } from "bullmq";
import { bullConnection } from "../distributed/bull-connection.js";
import { bullPrefix } from "../distributed/executor.js";
import { checkKeyPart, DEFAULT_PREFIX, type RedisSource } from "../redis-connection.js";
import {
  checkRun,
  checkRunOutcome,
  checkRuns,
  DEFAULT_SWEEP_QUEUE,
  SWEEP_FORMAT_VERSION,
  type SweepRun,
  type SweepRunOutcome,
  sweepJobId,
  sweepKeys,
} from "./sweep-job.js";

/** Where a sweep lives. */
export interface SweepLocation {
  /** An ioredis client (left open) or a `redis://`/`rediss://` URL. */
  readonly redis: RedisSource;
  /** The sweep's name (letters, digits, `_ - .`). */
  readonly sweep: string;
  /** The queue (default `trace-ts-sweep`). */
  readonly queue?: string;
  /** Prefix of every Redis key (default `trace-ts:`). */
  readonly prefix?: string;
}

/** Options of `enqueueSweep`. */
export interface EnqueueSweepOptions extends SweepLocation {
  /** The runs (e.g. from `sweepGrid`). */
  readonly runs: readonly SweepRun[];
  /** Attempts of a run that fails (its worker died or it threw) before it is given up (default 3). */
  readonly attempts?: number;
  /** Delay before the first retry, doubling each time (default 5000 ms). */
  readonly backoffMs?: number;
}

/** The data of a sweep job. */
export interface SweepJobData {
  /** The format version. */
  readonly v: typeof SWEEP_FORMAT_VERSION;
  /** The sweep's name. */
  readonly sweep: string;
  /** The run. */
  readonly run: SweepRun;
}

/** Where one run of a sweep stands. */
export interface SweepRow {
  /** The run. */
  readonly run: SweepRun;
  /** Its job's state (`waiting`, `active`, `completed`, `failed`, `delayed`, …, or `missing`). */
  readonly state: string;
  /** Attempts made so far. */
  readonly attempts: number;
  /** Its outcome, once it finished. */
  readonly outcome: SweepRunOutcome | null;
  /** Why its last attempt failed, when it did. */
  readonly failedReason: string | null;
}

function locate(where: string, location: SweepLocation): { sweep: string; queue: string; prefix: string } {
  if (location === null || typeof location !== "object")
    throw new InvalidOptionError(where, "options", "must be an object");
  const sweep = checkKeyPart(where, "sweep", location.sweep, true);
  if (sweep.includes(":") || sweep.includes("{") || sweep.includes("}"))
    throw new InvalidOptionError(where, "sweep", "must be letters, digits, _ - . only");
  return {
    sweep,
    queue: checkKeyPart(where, "queue", location.queue ?? DEFAULT_SWEEP_QUEUE, true),
    prefix: checkKeyPart(where, "prefix", location.prefix ?? DEFAULT_PREFIX, false),
  };
}

/**
 * Puts the runs of a sweep on its queue (a run already there is not added twice: job ids are
 * `<sweep>.<run id>`), and records them for `readSweep`.
 * @param options Redis, the sweep's name, its runs, queue, prefix and retries
 * @returns how many runs were added
 */
export async function enqueueSweep(options: EnqueueSweepOptions): Promise<number> {
  const where = "enqueueSweep";
  const { sweep, queue: name, prefix } = locate(where, options);
  checkRuns(where, options.runs);
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new InvalidOptionError(where, "attempts", "must be an integer ≥ 1");
  const connection = bullConnection(where, options.redis);
  const queue = new Queue(name, { connection: connection.client, prefix: bullPrefix(prefix) });
  queue.on("error", () => {});
  try {
    const record = Object.fromEntries(options.runs.map((run) => [run.id, JSON.stringify(run)]));
    await connection.client.hset(sweepKeys.runs(prefix, sweep), record);
    const jobs = await queue.addBulk(
      options.runs.map((run) => ({
        name: "run",
        data: { v: SWEEP_FORMAT_VERSION, sweep, run } satisfies SweepJobData,
        opts: {
          jobId: sweepJobId(sweep, run.id),
          attempts,
          backoff: { type: "exponential", delay: options.backoffMs ?? 5000 },
        },
      })),
    );
    return jobs.length;
  } finally {
    await queue.close();
    await connection.close();
  }
}

/**
 * Where every run of a sweep stands, ordered by run id.
 * @param options Redis, the sweep's name, queue and prefix
 */
export async function readSweep(options: SweepLocation): Promise<SweepRow[]> {
  const where = "readSweep";
  const { sweep, queue: name, prefix } = locate(where, options);
  const connection = bullConnection(where, options.redis);
  const queue = new Queue(name, { connection: connection.client, prefix: bullPrefix(prefix) });
  queue.on("error", () => {});
  try {
    const runs = await connection.client.hgetall(sweepKeys.runs(prefix, sweep));
    const ids = Object.keys(runs).sort();
    // job states first, results after: a worker writes a run's result before its job completes,
    // so a run read as completed always has its result
    const jobs = await Promise.all(
      ids.map(async (id) => {
        const job = await queue.getJob(sweepJobId(sweep, id));
        return job === undefined ? undefined : { job, state: String(await job.getState()) };
      }),
    );
    const results = await connection.client.hgetall(sweepKeys.results(prefix, sweep));
    const rows: SweepRow[] = [];
    ids.forEach((id, k) => {
      const run = checkRun(parse(runs[id]));
      if (run === undefined || run.id !== id) return;
      const found = jobs[k];
      const outcome = results[id] === undefined ? null : (checkRunOutcome(parse(results[id])) ?? null);
      rows.push({
        run,
        state: found === undefined ? (outcome === null ? "missing" : "completed") : found.state,
        attempts: found?.job.attemptsMade ?? 0,
        outcome,
        failedReason: found?.job.failedReason ? found.job.failedReason.slice(0, 500) : null,
      });
    });
    return rows;
  } finally {
    await queue.close();
    await connection.close();
  }
}

function parse(text: string | undefined): unknown {
  if (text === undefined || text.length > 1_000_000) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The sweep's table as text: one row per run (task, optimizer, config, seed, state, attempts,
 * steps, stop reason, best and test scores), then the mean best and test score per task,
 * optimizer and configuration over the seeds that finished.
 * @param rows what `readSweep` returned
 */
export function formatSweepTable(rows: readonly SweepRow[]): string {
  const score = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
  const header = [
    "run",
    "task",
    "optimizer",
    "config",
    "seed",
    "state",
    "attempts",
    "steps",
    "reason",
    "best",
    "test",
  ];
  const lines = rows.map((r) => [
    r.run.id,
    r.run.task,
    r.run.optimizer,
    r.run.configName,
    String(r.run.seed),
    r.state,
    String(r.attempts),
    r.outcome ? String(r.outcome.steps) : "-",
    r.outcome?.reason ?? (r.failedReason ? "failed" : "-"),
    score(r.outcome?.best),
    score(r.outcome?.test),
  ]);
  const groups = new Map<string, { best: number[]; test: number[]; runs: number }>();
  for (const r of rows) {
    const key = `${r.run.task} ${r.run.optimizer} ${r.run.configName}`;
    const g = groups.get(key) ?? { best: [], test: [], runs: 0 };
    g.runs++;
    if (r.outcome?.best != null) g.best.push(r.outcome.best);
    if (r.outcome?.test != null) g.test.push(r.outcome.test);
    groups.set(key, g);
  }
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  const summary = [...groups.entries()].map(([key, g]) => {
    const [task, optimizer, config] = key.split(" ") as [string, string, string];
    return [task, optimizer, config, `${g.best.length}/${g.runs}`, score(mean(g.best)), score(mean(g.test))];
  });
  return `${table(header, lines)}\n\n${table(["task", "optimizer", "config", "finished", "mean best", "mean test"], summary)}\n`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
