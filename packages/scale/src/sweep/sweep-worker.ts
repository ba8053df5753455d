/**
 * `startSweepWorker`: a BullMQ worker that trains the runs of sweeps. Each run has a folder on
 * the shared storage (`<storage>/<sweep>/<run id>/`) with its checkpoint, run log and result; the
 * worker takes the folder over with a fencing token first, so when a run is handed to a second
 * worker (the first died, or stalled past its lock), the second continues from the last
 * checkpoint and the first can write nothing more.
 */
import { randomBytes } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidOptionError } from "@trace-ts/core";
import { type Job, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { bullConnection } from "../distributed/bull-connection.js";
import { bullPrefix } from "../distributed/executor.js";
import { StaleWriterError } from "../errors.js";
import {
  checkKeyPart,
  DEFAULT_PREFIX,
  DEFAULT_TIMEOUT_MS,
  RedisConnection,
  type RedisSource,
} from "../redis-connection.js";
import { FileFence } from "./file-fence.js";
import {
  checkRun,
  checkRunOutcome,
  DEFAULT_SWEEP_QUEUE,
  SWEEP_FORMAT_VERSION,
  type SweepRunOutcome,
  sweepKeys,
} from "./sweep-job.js";
import type { SweepJobData } from "./sweep-queue.js";
import { isSweepTask, type SweepTask } from "./sweep-task.js";

/** Options of `startSweepWorker`. */
export interface SweepWorkerOptions {
  /** An ioredis client (left open by `close()`) or a `redis://`/`rediss://` URL. */
  readonly redis: RedisSource;
  /** The task that trains a run. */
  readonly task: SweepTask;
  /** The shared folder holding every run's folder (the same for all workers). */
  readonly storage: string;
  /** The queue (default `trace-ts-sweep`). */
  readonly queue?: string;
  /** Prefix of every Redis key (default `trace-ts:`). */
  readonly prefix?: string;
  /** Runs trained at once by this worker (default 1). */
  readonly concurrency?: number;
  /** How long a run stays locked to this worker without a renewal (default 60 s). */
  readonly lockDurationMs?: number;
  /** How often this worker looks for runs of dead workers (default 30 s). */
  readonly stalledIntervalMs?: number;
  /** Times a run may be found stalled before it fails (default 3). */
  readonly maxStalledCount?: number;
  /** Called with errors of the worker itself (Redis connection, a refused stale write); default: ignored. */
  readonly onError?: (error: Error) => void;
}

/** A running sweep worker. */
export interface SweepWorker {
  /** The BullMQ worker. */
  readonly worker: Worker;
  /**
   * Stops taking runs, stops the running ones (they keep their last checkpoint and go back on the
   * queue at once, without using an attempt, for another worker to continue) and closes.
   */
  close(): Promise<void>;
}

/**
 * Starts a sweep worker on this machine (`trace-ts-scale sweep-worker` does the same from the
 * command line).
 * @param options Redis, the task, the shared storage folder, queue, prefix and timings
 */
export async function startSweepWorker(options: SweepWorkerOptions): Promise<SweepWorker> {
  const where = "startSweepWorker";
  if (options === null || typeof options !== "object")
    throw new InvalidOptionError(where, "options", "must be an object");
  if (!isSweepTask(options.task))
    throw new InvalidOptionError(where, "task", "must be a task made by defineSweepTask()");
  if (typeof options.storage !== "string" || options.storage === "")
    throw new InvalidOptionError(where, "storage", "must be the shared folder of the sweep's runs");
  const task = options.task;
  const storage = resolve(options.storage);
  const queue = checkKeyPart(where, "queue", options.queue ?? DEFAULT_SWEEP_QUEUE, true);
  const prefix = checkKeyPart(where, "prefix", options.prefix ?? DEFAULT_PREFIX, false);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InvalidOptionError(where, "concurrency", `must be an integer ≥ 1, got ${concurrency}`);
  const onError = options.onError ?? (() => {});
  const connection = bullConnection(where, options.redis);
  const redis = new RedisConnection(where, connection.client, DEFAULT_TIMEOUT_MS);
  const shutdown = new AbortController();

  const runJob = async (job: Job, token?: string): Promise<SweepRunOutcome> => {
    const data = job.data as Partial<SweepJobData> | null;
    if (data?.v !== SWEEP_FORMAT_VERSION) {
      throw new UnrecoverableError(
        `sweep job format version ${String(data?.v)}; this worker reads ${SWEEP_FORMAT_VERSION}`,
      );
    }
    const run = checkRun(data.run);
    if (
      run === undefined ||
      typeof data.sweep !== "string" ||
      !/^[A-Za-z0-9_.-]{1,100}$/.test(data.sweep) ||
      data.sweep.includes("..")
    ) {
      throw new UnrecoverableError("malformed sweep job");
    }
    const directory = join(storage, data.sweep, run.id);
    const fence = await FileFence.acquire(
      connection.client,
      sweepKeys.fence(prefix, data.sweep, run.id),
      directory,
    );
    let outcome: SweepRunOutcome;
    try {
      outcome = await task.run(run, {
        directory,
        checkpoint: join(directory, "checkpoint.json"),
        log: join(directory, "log.jsonl"),
        fence,
        signal: shutdown.signal,
        attempt: job.attemptsMade + 1,
      });
    } catch (error) {
      // the run went on elsewhere: say so (BullMQ will not record this attempt, its lock is gone)
      if (error instanceof StaleWriterError) onError(error);
      throw error;
    }
    // a run cut short by this worker closing is not finished: back on the queue at once (no
    // attempt used), for another worker to continue from its last checkpoint
    if (shutdown.signal.aborted) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const checked = checkRunOutcome(outcome);
    if (checked === undefined) {
      throw new UnrecoverableError(
        `sweep task "${task.name}" returned no outcome (use sweepOutcome(result))`,
      );
    }
    const text = `${JSON.stringify({ v: SWEEP_FORMAT_VERSION, run, outcome: checked, token: fence.token })}\n`;
    const temporary = join(directory, `result.json.${randomBytes(4).toString("hex")}.tmp`);
    writeFileSync(temporary, text);
    fence.check("checkpoint", join(directory, "result.json"));
    renameSync(temporary, join(directory, "result.json"));
    await redis.run("sweep result", (client) =>
      client.hset(sweepKeys.results(prefix, data.sweep!), run.id, JSON.stringify(checked)),
    );
    return checked;
  };

  const worker = new Worker(queue, runJob, {
    connection: connection.client,
    prefix: bullPrefix(prefix),
    concurrency,
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 3,
  });
  worker.on("error", (error) => onError(error));
  worker.on("failed", (_job, error) => onError(error));
  await worker.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    worker,
    close: () => {
      closing ??= (async () => {
        shutdown.abort(new Error("the sweep worker is closing"));
        await worker.close();
        await connection.close();
      })();
      return closing;
    },
  };
}
