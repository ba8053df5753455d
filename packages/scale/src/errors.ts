/**
 * Typed errors of the shared (Redis-backed) middleware state. Branch on `code` (stable across
 * releases) or on the class.
 */
import { LLMError, type RunStopReason, TraceError } from "@trace-ts/core";

/**
 * Redis could not be used: unreachable, timed out, or a script failed. Raised by the shared
 * budget ledger when it cannot admit a call (the call is never sent: an unknown budget is never
 * treated as "allowed") and by the shared cache when it cannot store a result.
 *
 * It is an `LLMError` because it surfaces from a model call (the budget reserves before the
 * model is called): it is `retryable` (the `retry` middleware tries again, Redis may be back) and
 * it ends a run as a model outage (`stopsRun` is `outage`), so the trainer skips or stops instead
 * of showing it to an optimizer as feedback about the agent.
 */
export class SharedStateUnavailableError extends LLMError {
  /** Ends the run as an outage: see `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return "outage";
  }

  /** What was being done, e.g. `budget reserve`, `cache set`. */
  readonly operation: string;

  /**
   * @param operation what was being done, e.g. `budget reserve`
   * @param where the Redis the operation went to, with any password already redacted
   * @param cause the underlying error (its message is included, redacted)
   * @param detail what went wrong, already redacted (default: the cause's message)
   */
  constructor(operation: string, where: string, cause: unknown, detail: string) {
    super(
      "SCALE_REDIS_UNAVAILABLE",
      `${operation} failed: Redis at ${where} is unavailable (${detail}). Nothing was admitted or ` +
        "stored; check that Redis is running and reachable, then try again.",
      true,
      { cause },
    );
    this.operation = operation;
  }
}

/** A response-cache entry is larger than the store's `maxEntryBytes`, so it was not stored. */
export class CacheEntryTooLargeError extends TraceError {
  /** Size of the serialized entry, in bytes. */
  readonly bytes: number;
  /** The store's limit, in bytes. */
  readonly maxBytes: number;

  /**
   * @param bytes size of the serialized entry
   * @param maxBytes the store's `maxEntryBytes`
   */
  constructor(bytes: number, maxBytes: number) {
    super(
      "SCALE_CACHE_ENTRY_TOO_LARGE",
      `the cache entry has ${bytes} bytes, more than maxEntryBytes (${maxBytes}); it was not stored. ` +
        "Raise maxEntryBytes if results this large should be shared.",
    );
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/** A key prefix or ledger name that cannot safely be part of a Redis key. */
export class InvalidKeyPartError extends TraceError {
  /**
   * @param where the class or function that received it
   * @param what which option (`prefix`, `name`)
   * @param value the value given
   */
  constructor(where: string, what: string, value: string) {
    super(
      "SCALE_INVALID_KEY_PART",
      `${where}: ${what} ${JSON.stringify(value.slice(0, 120))} is not allowed: use 0–100 (name: 1–100) ` +
        "letters, digits and _ - . : { } characters.",
    );
  }
}

/**
 * An example sent to the workers could not be run: its job failed on every attempt (a worker
 * crashed or stalled each time, the task could not be built, its parameters had expired or did
 * not fit the worker's agent) or a worker sent back something that is not an outcome. The agent's
 * own failures are not this error: they come back as results, as in a local evaluation.
 */
export class DistributedJobError extends TraceError {
  /** Index of the example in its dataset. */
  readonly exampleIndex: number;
  /** The BullMQ job's id. */
  readonly jobId: string;

  /**
   * @param exampleIndex index of the example
   * @param jobId the job's id
   * @param reason what went wrong
   */
  constructor(exampleIndex: number, jobId: string, reason: string) {
    super(
      "SCALE_JOB_FAILED",
      `example ${exampleIndex} (job ${jobId}) could not be run on the workers: ${reason}`,
    );
    this.exampleIndex = exampleIndex;
    this.jobId = jobId;
  }
}

/**
 * This process may no longer write a run's files: another worker took the run over (a newer
 * fencing token is on the run's folder), typically because this one stalled past its job lock.
 * Nothing was written; the run goes on in the other worker.
 */
export class StaleWriterError extends TraceError {
  /** This writer's token. */
  readonly token: number;
  /** The newer token found on the run's folder. */
  readonly current: number;

  /**
   * @param path the file that was about to be written
   * @param token this writer's token
   * @param current the token on the folder
   */
  constructor(path: string, token: number, current: number) {
    super(
      "SCALE_STALE_WRITER",
      `refused to write ${path}: this process holds fencing token ${token}, but token ${current} took the run over`,
    );
    this.token = token;
    this.current = current;
  }
}

/** A task module for a worker is not what the worker needs (no default export of the right kind). */
export class InvalidTaskError extends TraceError {
  /** @param message what is wrong with the task */
  constructor(message: string) {
    super("SCALE_TASK_INVALID", message);
  }
}
