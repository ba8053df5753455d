/**
 * @trace-ts/scale — trace-ts beyond one process: the response cache, rate limits and budget
 * shared through Redis by every process (and machine) that uses one API key; evaluation spread
 * over BullMQ workers; and sweeps of training runs that survive a worker dying.
 */
export { RedisBudgetLedger, type RedisBudgetLedgerOptions } from "./budget-ledger.js";
export { RedisCacheStore, type RedisCacheStoreOptions } from "./cache-store.js";
export { type CliIo, loadTask, main, USAGE } from "./cli/main.js";
export {
  DEFAULT_EVALUATION_QUEUE,
  EVALUATION_JOB_VERSION,
  type EvaluationJobData,
} from "./distributed/evaluation-job.js";
export {
  defineEvaluationTask,
  type EvaluationInstance,
  type EvaluationTask,
  isEvaluationTask,
} from "./distributed/evaluation-task.js";
export {
  type EvaluationWorker,
  type EvaluationWorkerOptions,
  startEvaluationWorker,
} from "./distributed/evaluation-worker.js";
export { BullmqExecutor, type BullmqExecutorOptions } from "./distributed/executor.js";
export {
  CacheEntryTooLargeError,
  DistributedJobError,
  InvalidKeyPartError,
  InvalidTaskError,
  SharedStateUnavailableError,
  StaleWriterError,
} from "./errors.js";
export { RateLimiterClosedError, RedisRateLimiter, type RedisRateLimiterOptions } from "./rate-limiter.js";
export { DEFAULT_PREFIX, type RedisSource } from "./redis-connection.js";
export { FENCE_FILE, FileFence, readToken } from "./sweep/file-fence.js";
export {
  DEFAULT_SWEEP_QUEUE,
  type JsonValue,
  SWEEP_FORMAT_VERSION,
  type SweepGridOptions,
  type SweepRun,
  type SweepRunOutcome,
  sweepGrid,
  sweepOutcome,
} from "./sweep/sweep-job.js";
export {
  type EnqueueSweepOptions,
  enqueueSweep,
  formatSweepTable,
  readSweep,
  type SweepJobData,
  type SweepLocation,
  type SweepRow,
} from "./sweep/sweep-queue.js";
export { defineSweepTask, isSweepTask, type SweepRunContext, type SweepTask } from "./sweep/sweep-task.js";
export { type SweepWorker, type SweepWorkerOptions, startSweepWorker } from "./sweep/sweep-worker.js";
