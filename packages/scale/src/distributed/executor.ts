/**
 * `BullmqExecutor`: runs the examples of an evaluation on BullMQ workers. Each example is one job;
 * outcomes come back through the queue's events (with a slow poll of the jobs as a backstop, in
 * case an event was missed) and are handed to the trainer as they arrive.
 */
import { createHash, randomUUID } from "node:crypto";
import { InvalidOptionError } from "@trace-ts/core";
import { redactString } from "@trace-ts/core/llm";
import type { ExampleExecutor, ExecutorRequest } from "@trace-ts/trainer";
import { EXECUTOR_CONTRACT_VERSION } from "@trace-ts/trainer";
import { type Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { DistributedJobError, SharedStateUnavailableError } from "../errors.js";
import { checkKeyPart, DEFAULT_PREFIX, type RedisSource } from "../redis-connection.js";
import { type BullConnection, bullConnection } from "./bull-connection.js";
import {
  checkOutcome,
  DEFAULT_EVALUATION_QUEUE,
  EVALUATION_JOB_VERSION,
  type EvaluationJobData,
  evaluationJobId,
  evaluationKeys,
  parseEvaluationJobId,
} from "./evaluation-job.js";

/** Options of `BullmqExecutor`. */
export interface BullmqExecutorOptions {
  /** An ioredis client (left open by `close()`) or a `redis://`/`rediss://` URL. */
  readonly redis: RedisSource;
  /** The task's name: only workers started with a task of this name run the jobs. */
  readonly task: string;
  /** The queue (default `trace-ts-eval`); workers must use the same. */
  readonly queue?: string;
  /** Prefix of every Redis key (default `trace-ts:`); workers must use the same. */
  readonly prefix?: string;
  /**
   * Attempts per example when its job fails for reasons of the infrastructure (a worker crashed,
   * Redis was away, the task could not be built) (default 3). An agent's failures are results,
   * never retried.
   */
  readonly attempts?: number;
  /** Delay before the first retry; it doubles each time (default 1000 ms). */
  readonly backoffMs?: number;
  /** How long without any news before the jobs are polled, in case an event was missed (default 5000 ms). */
  readonly reconcileMs?: number;
  /**
   * How long an evaluation waits for Redis while it sets up (connect, store the parameter
   * values) before it rejects with `SharedStateUnavailableError` (default 30 s). Once its jobs
   * are queued, an evaluation waits for a Redis that went away to come back (as the workers do);
   * cancel it with its signal.
   */
  readonly startTimeoutMs?: number;
  /** How long the parameter values and finished jobs are kept in Redis (default 1 hour). */
  readonly keepMs?: number;
}

const OPTION_TYPES = {
  attempts: "integer ≥ 1",
  backoffMs: "number ≥ 0",
  reconcileMs: "number > 0",
  keepMs: "number > 0",
  startTimeoutMs: "number > 0",
} as const;

/** BullMQ's pieces of an executor. */
interface BullParts {
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly eventsClient: Redis;
}

/** What a running evaluation listens for. */
interface Listener {
  completed(position: number, value: unknown): void;
  failed(position: number, reason: string): void;
}

/**
 * Sends the examples of `evaluate({ executor })` or `train({ executor })` to BullMQ workers
 * started with `startEvaluationWorker` (or `trace-ts-scale worker`) and the same task name,
 * queue and prefix. Create one per program and `close()` it at the end.
 *
 * Results keep the dataset's order; an agent's failures are results as in a local evaluation;
 * jobs that fail for reasons of the infrastructure are retried (`attempts`), and an example whose
 * job failed every attempt rejects the evaluation with `DistributedJobError`. Cancelling (the
 * evaluation's signal) removes the jobs not started yet and aborts the ones running.
 */
export class BullmqExecutor implements ExampleExecutor {
  /** `bullmq:<queue>`. */
  readonly name: string;
  /** The contract version implemented. */
  readonly contractVersion = EXECUTOR_CONTRACT_VERSION;
  readonly #task: string;
  readonly #prefix: string;
  readonly #connection: BullConnection;
  readonly #queueName: string;
  /** The queue and its events, made once Redis answered (BullMQ cannot close what never connected). */
  #bull: Promise<BullParts> | undefined;
  /** The same, once made. */
  #made: BullParts | undefined;
  readonly #listeners = new Map<string, Listener>();
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #reconcileMs: number;
  readonly #keepMs: number;
  readonly #startTimeoutMs: number;
  #closed = false;

  /** @param options Redis, task name, queue, prefix, retries and timings */
  constructor(options: BullmqExecutorOptions) {
    const where = "BullmqExecutor";
    if (options === null || typeof options !== "object")
      throw new InvalidOptionError(where, "options", "must be an object");
    this.#task = checkKeyPart(where, "task", options.task, true);
    const queue = checkKeyPart(where, "queue", options.queue ?? DEFAULT_EVALUATION_QUEUE, true);
    this.#prefix = checkKeyPart(where, "prefix", options.prefix ?? DEFAULT_PREFIX, false);
    this.#attempts = positive(where, "attempts", options.attempts ?? 3, true);
    this.#backoffMs = positive(where, "backoffMs", options.backoffMs ?? 1000, false);
    this.#reconcileMs = positive(where, "reconcileMs", options.reconcileMs ?? 5000, true);
    this.#keepMs = positive(where, "keepMs", options.keepMs ?? 3_600_000, true);
    this.#startTimeoutMs = positive(where, "startTimeoutMs", options.startTimeoutMs ?? 30_000, true);
    this.name = `bullmq:${queue}`;
    this.#connection = bullConnection(where, options.redis);
    this.#queueName = queue;
  }

  /** The queue and its events, made on first use once Redis answers a PING. */
  #parts(): Promise<BullParts> {
    this.#bull ??= (async () => {
      const connection = this.#connection.client;
      await connection.ping();
      const prefix = bullPrefix(this.#prefix);
      const queue = new Queue(this.#queueName, { connection, prefix });
      queue.on("error", () => {});
      const eventsClient = connection.duplicate({ maxRetriesPerRequest: null });
      eventsClient.on("error", () => {});
      const events = new QueueEvents(this.#queueName, { connection: eventsClient, prefix });
      events.on("error", () => {});
      events.on("completed", ({ jobId, returnvalue }) =>
        this.#dispatch(jobId, (l, p) => l.completed(p, returnvalue)),
      );
      events.on("failed", ({ jobId, failedReason }) =>
        this.#dispatch(jobId, (l, p) => l.failed(p, failedReason)),
      );
      this.#made = { queue, events, eventsClient };
      await events.waitUntilReady();
      return this.#made;
    })();
    // a failed start is tried again by the next evaluation
    this.#bull.catch(() => {
      this.#bull = undefined;
    });
    return this.#bull;
  }

  #dispatch(jobId: string, call: (listener: Listener, position: number) => void): void {
    const parsed = parseEvaluationJobId(jobId);
    const listener = parsed && this.#listeners.get(parsed.evaluation);
    if (parsed && listener) call(listener, parsed.position);
  }

  /**
   * Runs the examples of a request on the workers (see the class).
   * @param request examples, parameter values, error score, signal and the outcome callback
   */
  async run(request: ExecutorRequest): Promise<void> {
    if (this.#closed) throw new InvalidOptionError("BullmqExecutor.run", "executor", "is closed");
    const n = request.items.length;
    if (n === 0) return;
    if (request.signal.aborted) throw request.signal.reason;
    const evaluation = randomUUID();
    const client = this.#connection.client;
    // setting up waits for Redis at most `startTimeoutMs`, and gives way to the signal
    const redis = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const limits = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.#startTimeoutMs} ms`)),
          this.#startTimeoutMs,
        );
        onAbort = () => reject(request.signal.reason);
        request.signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        return await Promise.race([work(), limits]);
      } catch (error) {
        if (request.signal.aborted) throw request.signal.reason;
        const detail = redactString(String((error as Error)?.message ?? error));
        throw new SharedStateUnavailableError(operation, this.#connection.where, error, detail);
      } finally {
        clearTimeout(timer);
        if (onAbort) request.signal.removeEventListener("abort", onAbort);
      }
    };
    const { queue } = await redis("evaluation start", () => this.#parts());
    const parameters = request.parameters.length === 0 ? "" : JSON.stringify(request.parameters);
    const digest = parameters === "" ? "" : createHash("sha256").update(parameters).digest("hex");
    if (parameters !== "") {
      await redis("evaluation parameters", () =>
        client.set(evaluationKeys.parameters(this.#prefix, evaluation), parameters, "PX", this.#keepMs),
      );
    }
    const pending = new Set<number>(request.items.map((_, k) => k));
    const requeued = new Map<number, number>();
    let lastNews = Date.now();
    let reconciling = false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const finish = (error?: unknown): void => {
          if (settled) return;
          settled = true;
          if (error === undefined) resolve();
          else reject(error);
        };
        const deliver = (position: number, value: unknown): void => {
          if (settled || !pending.has(position)) return;
          lastNews = Date.now();
          const item = request.items[position]!;
          const outcome = checkOutcome(value, item.index);
          if (outcome === undefined) {
            finish(
              new DistributedJobError(
                item.index,
                evaluationJobId(evaluation, position),
                "a worker sent back something that is not an outcome of this example",
              ),
            );
            return;
          }
          pending.delete(position);
          try {
            request.onOutcome(position, outcome);
          } catch (error) {
            finish(error);
            return;
          }
          if (pending.size === 0) finish();
        };
        const fail = (position: number, reason: string): void => {
          if (settled || !pending.has(position)) return;
          const item = request.items[position]!;
          finish(
            new DistributedJobError(
              item.index,
              evaluationJobId(evaluation, position),
              String(reason).slice(0, 2000),
            ),
          );
        };
        this.#listeners.set(evaluation, { completed: deliver, failed: fail });
        onAbort = () => finish(request.signal.reason);
        request.signal.addEventListener("abort", onAbort, { once: true });
        const jobs = request.items.map((item, position) => ({
          name: "example",
          data: {
            v: EVALUATION_JOB_VERSION,
            task: this.#task,
            evaluation,
            position,
            index: item.index,
            example: item.example,
            parameters: digest,
            errorScore: request.errorScore,
          } satisfies EvaluationJobData,
          opts: {
            jobId: evaluationJobId(evaluation, position),
            attempts: this.#attempts,
            backoff: { type: "exponential", delay: this.#backoffMs },
            removeOnComplete: { age: Math.ceil(this.#keepMs / 1000) },
            removeOnFail: { age: Math.ceil(this.#keepMs / 1000) },
          },
        }));
        let enqueued = false;
        void (async () => {
          for (let start = 0; start < jobs.length && !settled; start += 500) {
            await queue.addBulk(jobs.slice(start, start + 500));
          }
          enqueued = true;
        })().catch((error) =>
          finish(
            new SharedStateUnavailableError(
              "evaluation enqueue",
              this.#connection.where,
              error,
              redactString(String((error as Error)?.message ?? error)),
            ),
          ),
        );
        // a backstop for missed events: when nothing was heard for a while, look at the jobs
        timer = setInterval(
          () => {
            if (settled || reconciling || Date.now() - lastNews < this.#reconcileMs) return;
            reconciling = true;
            this.#reconcile(queue, evaluation, pending, deliver, fail)
              .then(async (missing) => {
                // jobs gone from Redis (it restarted without persistence): queued again, up to
                // `attempts` times each, with the parameter values they need
                if (!enqueued || missing.length === 0 || settled) return;
                for (const position of missing) {
                  const times = (requeued.get(position) ?? 0) + 1;
                  requeued.set(position, times);
                  if (times > this.#attempts) {
                    fail(
                      position,
                      `its job disappeared from Redis ${times - 1} times (does Redis restart without persistence?)`,
                    );
                    return;
                  }
                }
                if (parameters !== "") {
                  await client.set(
                    evaluationKeys.parameters(this.#prefix, evaluation),
                    parameters,
                    "PX",
                    this.#keepMs,
                    "NX",
                  );
                }
                await queue.addBulk(missing.map((position) => jobs[position]!));
              })
              .catch(() => {})
              .finally(() => {
                reconciling = false;
                lastNews = Date.now();
              });
          },
          Math.max(50, Math.floor(this.#reconcileMs / 2)),
        );
        timer.unref();
      });
    } catch (error) {
      await this.#cancel(queue, evaluation, pending).catch(() => {});
      throw error;
    } finally {
      clearInterval(timer);
      if (onAbort) request.signal.removeEventListener("abort", onAbort);
      this.#listeners.delete(evaluation);
      if (parameters !== "")
        await client.del(evaluationKeys.parameters(this.#prefix, evaluation)).catch(() => {});
    }
  }

  /**
   * Polls the pending jobs of an evaluation and delivers what finished.
   * @returns the positions whose jobs are not in Redis at all
   */
  async #reconcile(
    queue: Queue,
    evaluation: string,
    pending: ReadonlySet<number>,
    deliver: (position: number, value: unknown) => void,
    fail: (position: number, reason: string) => void,
  ): Promise<number[]> {
    const missing: number[] = [];
    const positions = [...pending];
    for (let start = 0; start < positions.length; start += 100) {
      const chunk = positions.slice(start, start + 100);
      const jobs = await Promise.all(chunk.map((p) => queue.getJob(evaluationJobId(evaluation, p))));
      for (let k = 0; k < chunk.length; k++) {
        const job: Job | undefined = jobs[k];
        if (job === undefined) missing.push(chunk[k]!);
        if (job === undefined || !job.finishedOn) continue;
        if (job.failedReason && (await job.isFailed())) fail(chunk[k]!, job.failedReason);
        else if (job.returnvalue !== null && job.returnvalue !== undefined)
          deliver(chunk[k]!, job.returnvalue);
      }
    }
    return missing;
  }

  /** Tells the workers to skip and abort an evaluation's jobs, and removes those not started. */
  async #cancel(queue: Queue, evaluation: string, pending: ReadonlySet<number>): Promise<void> {
    const client = this.#connection.client;
    await client.set(evaluationKeys.cancelled(this.#prefix, evaluation), "1", "PX", this.#keepMs);
    await client.publish(evaluationKeys.cancelChannel(this.#prefix), evaluation);
    const ids = [...pending].map((p) => evaluationJobId(evaluation, p));
    for (let start = 0; start < ids.length; start += 100) {
      await Promise.allSettled(ids.slice(start, start + 100).map((id) => queue.remove(id)));
    }
  }

  /** Closes the queue, its events and (when opened from a URL) the Redis client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const parts = this.#made;
    if (parts !== undefined) {
      // BullMQ's close waits for Redis: give it a moment, then drop the connections
      const graceful = Promise.allSettled([parts.events.close(), parts.queue.close()]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([graceful, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      parts.eventsClient.disconnect();
    }
    await this.#connection.close();
  }
}

/** BullMQ's own key prefix under ours (BullMQ adds `:` itself). */
export function bullPrefix(prefix: string): string {
  return `${prefix}bull`;
}

function positive(where: string, name: keyof typeof OPTION_TYPES, value: number, strict: boolean): number {
  const ok = typeof value === "number" && Number.isFinite(value) && (strict ? value > 0 : value >= 0);
  if (!ok || (name === "attempts" && !Number.isInteger(value)))
    throw new InvalidOptionError(where, name, `must be a ${OPTION_TYPES[name]}, got ${String(value)}`);
  return value;
}
