/**
 * `startEvaluationWorker`: a BullMQ worker that runs the examples of distributed evaluations with
 * a task's agent. It builds one agent per set of parameter values it meets (kept for reuse, a few
 * at a time), runs each example exactly as a local evaluation would, and returns the outcome.
 * Infrastructure problems throw (BullMQ retries the job); the agent's own failures are outcomes.
 */
import { createHash } from "node:crypto";
import { InvalidOptionError } from "@trace-ts/core";
import {
  loadParameterValues,
  type ParameterValue,
  type RemoteOutcome,
  RemoteParameterError,
  runExampleHere,
} from "@trace-ts/trainer";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { checkKeyPart, DEFAULT_PREFIX, type RedisSource } from "../redis-connection.js";
import { type BullConnection, bullConnection } from "./bull-connection.js";
import {
  checkJobData,
  DEFAULT_EVALUATION_QUEUE,
  type EvaluationJobData,
  evaluationKeys,
} from "./evaluation-job.js";
import { type EvaluationInstance, type EvaluationTask, isEvaluationTask } from "./evaluation-task.js";
import { bullPrefix } from "./executor.js";

/** Options of `startEvaluationWorker`. */
export interface EvaluationWorkerOptions {
  /** An ioredis client (left open by `close()`) or a `redis://`/`rediss://` URL. */
  readonly redis: RedisSource;
  /** The task this worker runs (its name must match the executor's `task`). */
  readonly task: EvaluationTask<never, unknown, never> | EvaluationTask;
  /** The queue (default `trace-ts-eval`). */
  readonly queue?: string;
  /** Prefix of every Redis key (default `trace-ts:`). */
  readonly prefix?: string;
  /** Examples run at once by this worker (default 4). */
  readonly concurrency?: number;
  /**
   * How long a job stays locked to this worker without a renewal (default 30 s). A worker whose
   * event loop is blocked longer (a CPU-heavy forward pass) loses the job to another worker;
   * the first outcome to arrive is used.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for jobs of dead workers (default 30 s). */
  readonly stalledIntervalMs?: number;
  /** Times a job may be found stalled before it fails (default 2). */
  readonly maxStalledCount?: number;
  /** Agents kept for sets of parameter values not in use (default 4). */
  readonly keepAgents?: number;
  /** Longest output JSON sent back; longer outputs are sent as null (default 1 MB). */
  readonly maxOutputChars?: number;
  /** Called with errors of the worker itself (Redis connection); default: ignored. */
  readonly onError?: (error: Error) => void;
}

/** A running evaluation worker. */
export interface EvaluationWorker {
  /** The BullMQ worker. */
  readonly worker: Worker;
  /** Examples this worker finished (any outcome). */
  readonly processed: number;
  /** Stops taking jobs, waits for the running ones, and closes its connections. */
  close(): Promise<void>;
}

/** An agent built for one set of parameter values. */
interface Slot {
  readonly instance: Promise<EvaluationInstance>;
  users: number;
  lastUsed: number;
}

/**
 * Starts a worker for distributed evaluation on this machine (`trace-ts-scale worker` does the
 * same from the command line). It needs the agent's code: the task builds the agent.
 *
 * @param options Redis, the task, queue, prefix, concurrency and timings
 */
export async function startEvaluationWorker(options: EvaluationWorkerOptions): Promise<EvaluationWorker> {
  const where = "startEvaluationWorker";
  if (options === null || typeof options !== "object")
    throw new InvalidOptionError(where, "options", "must be an object");
  if (!isEvaluationTask(options.task)) {
    throw new InvalidOptionError(where, "task", "must be a task made by defineEvaluationTask()");
  }
  const task = options.task as EvaluationTask;
  const queue = checkKeyPart(where, "queue", options.queue ?? DEFAULT_EVALUATION_QUEUE, true);
  const prefix = checkKeyPart(where, "prefix", options.prefix ?? DEFAULT_PREFIX, false);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InvalidOptionError(where, "concurrency", `must be an integer ≥ 1, got ${concurrency}`);
  const keepAgents = options.keepAgents ?? 4;
  const connection: BullConnection = bullConnection(where, options.redis);
  const client = connection.client;
  const onError = options.onError ?? (() => {});

  // cancelled evaluations: announced on a channel, and marked by a key checked before each job
  const cancelled = new Map<string, number>();
  const running = new Map<string, Set<AbortController>>();
  const subscriber: Redis = client.duplicate({ maxRetriesPerRequest: null });
  subscriber.on("error", (error) => onError(error));
  subscriber.on("message", (_channel: string, evaluation: string) => {
    cancelled.set(evaluation, Date.now());
    for (const controller of running.get(evaluation) ?? [])
      controller.abort(new Error("evaluation cancelled"));
  });
  await subscriber.subscribe(evaluationKeys.cancelChannel(prefix));

  const slots = new Map<string, Slot>();
  const acquire = async (
    data: EvaluationJobData,
  ): Promise<{ instance: EvaluationInstance; release: () => void }> => {
    const key = data.parameters;
    let slot = slots.get(key);
    if (slot === undefined) {
      const instance = buildInstance(task, client, prefix, data);
      slot = { instance, users: 0, lastUsed: Date.now() };
      slots.set(key, slot);
      // a failed build is not kept: the next job tries again
      instance.catch(() => {
        if (slots.get(key) === slot) slots.delete(key);
      });
    }
    const taken = slot;
    taken.users++;
    const release = (): void => {
      taken.users--;
      taken.lastUsed = Date.now();
      const idle = [...slots.entries()]
        .filter(([, s]) => s.users === 0)
        .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      while (idle.length > keepAgents) slots.delete(idle.shift()![0]);
    };
    try {
      return { instance: await taken.instance, release };
    } catch (error) {
      release();
      throw error;
    }
  };

  let processed = 0;
  const runJob = async (job: Job): Promise<RemoteOutcome> => {
    const data = checkJobData(job.data);
    if (typeof data === "string") throw new UnrecoverableError(`malformed evaluation job: ${data}`);
    if (data.task !== task.name) {
      throw new UnrecoverableError(
        `this worker runs task "${task.name}", but the job is for task "${data.task}"`,
      );
    }
    const skip: RemoteOutcome = {
      kind: "stop",
      index: data.index,
      reason: "cancelled",
      code: "RUN_CANCELLED",
      error: "the evaluation was cancelled",
    };
    if (
      cancelled.has(data.evaluation) ||
      (await client.exists(evaluationKeys.cancelled(prefix, data.evaluation))) === 1
    ) {
      return skip;
    }
    const { instance, release } = await acquire(data);
    const controller = new AbortController();
    const set = running.get(data.evaluation) ?? new Set<AbortController>();
    running.set(data.evaluation, set);
    set.add(controller);
    try {
      const outcome = await runExampleHere(data.index, data.example, instance, {
        errorScore: data.errorScore,
        signal: controller.signal,
        ...(options.maxOutputChars === undefined ? {} : { maxOutputChars: options.maxOutputChars }),
      });
      processed++;
      return outcome;
    } finally {
      release();
      set.delete(controller);
      if (set.size === 0) running.delete(data.evaluation);
    }
  };

  const worker = new Worker(queue, runJob, {
    connection: client,
    prefix: bullPrefix(prefix),
    concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
    autorun: true,
  });
  worker.on("error", (error) => onError(error));
  // forget cancellations after an hour
  const sweep = setInterval(() => {
    const old = Date.now() - 3_600_000;
    for (const [id, at] of cancelled) if (at < old) cancelled.delete(id);
  }, 60_000);
  sweep.unref();
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    worker,
    get processed() {
      return processed;
    },
    close: () => {
      closing ??= (async () => {
        clearInterval(sweep);
        await worker.close();
        subscriber.disconnect();
        await connection.close();
      })();
      return closing;
    },
  };
}

/** Builds the task's agent and puts the evaluation's parameter values into it. */
async function buildInstance(
  task: EvaluationTask,
  client: Redis,
  prefix: string,
  data: EvaluationJobData,
): Promise<EvaluationInstance> {
  let values: readonly ParameterValue[] = [];
  if (data.parameters !== "") {
    const text = await client.get(evaluationKeys.parameters(prefix, data.evaluation));
    if (text === null) {
      throw new UnrecoverableError(
        "the evaluation's parameter values are gone from Redis (the evaluation ended or they expired)",
      );
    }
    if (createHash("sha256").update(text).digest("hex") !== data.parameters) {
      throw new UnrecoverableError("the evaluation's parameter values do not match the job's digest");
    }
    values = parseValues(text);
  }
  const instance = await task.create();
  if (
    instance === null ||
    typeof instance !== "object" ||
    typeof instance.forward !== "function" ||
    typeof instance.guide?.check !== "function"
  ) {
    throw new UnrecoverableError(
      `task "${task.name}": create() must return { forward, guide } (and the agent)`,
    );
  }
  if (values.length > 0) {
    if (instance.agent === undefined) {
      throw new UnrecoverableError(
        `task "${task.name}": parameter values were sent, but create() returned no agent to put them in`,
      );
    }
    try {
      loadParameterValues(instance.agent.parameters(), values);
    } catch (error) {
      if (error instanceof RemoteParameterError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }
  return instance;
}

function parseValues(text: string): ParameterValue[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnrecoverableError("the evaluation's parameter values are not JSON");
  }
  if (
    !Array.isArray(value) ||
    !value.every((v) => typeof v === "object" && v !== null && typeof v.name === "string" && "value" in v)
  ) {
    throw new UnrecoverableError("the evaluation's parameter values are not a list of { name, value }");
  }
  return value as ParameterValue[];
}
