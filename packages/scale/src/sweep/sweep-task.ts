/** What a sweep worker runs: a named task that trains one run of a sweep. */
import type { WriteFence } from "@trace-ts/trainer";
import { InvalidTaskError } from "../errors.js";
import { checkKeyPart } from "../redis-connection.js";
import type { SweepRun, SweepRunOutcome } from "./sweep-job.js";

/** Where and how a run is trained by a sweep worker. */
export interface SweepRunContext {
  /** The run's folder on the shared storage. */
  readonly directory: string;
  /** Its checkpoint file: give it to `resume(…, { startIfMissing: true })` as `checkpoint`. */
  readonly checkpoint: string;
  /** Its run log: give it as `log`. */
  readonly log: string;
  /** The fence: give it as `fence`, so a worker that lost the run writes nothing more. */
  readonly fence: WriteFence;
  /** Aborted when the worker shuts down: give it as `signal`. */
  readonly signal: AbortSignal;
  /** Which attempt this is (1 for the first). */
  readonly attempt: number;
}

/** A task a sweep worker can run (see `defineSweepTask`). */
export interface SweepTask {
  /** Always `sweep`. */
  readonly kind: "sweep";
  /** The task's name (a sweep's jobs name no task; one sweep queue serves one sweep task). */
  readonly name: string;
  /**
   * Trains one run: builds its agent, data and optimizer from `run`, then calls
   * `resume({ …, checkpoint, log, fence, signal }, { startIfMissing: true })` so a run that
   * another worker started continues from its last checkpoint. Returns what to report.
   */
  run(run: SweepRun, context: SweepRunContext): Promise<SweepRunOutcome>;
}

/**
 * Declares a sweep task, e.g. as the default export of the module given to
 * `trace-ts-scale sweep-worker --task`.
 * @param task its name and how to train one run
 */
export function defineSweepTask(task: Omit<SweepTask, "kind">): SweepTask {
  if (task === null || typeof task !== "object" || typeof task.run !== "function") {
    throw new InvalidTaskError("defineSweepTask: the task needs a name and a run() function");
  }
  checkKeyPart("defineSweepTask", "name", task.name, true);
  return { kind: "sweep", name: task.name, run: task.run.bind(task) };
}

/**
 * Whether a value (e.g. a module's default export) is a sweep task.
 * @param value the value
 */
export function isSweepTask(value: unknown): value is SweepTask {
  const t = value as Partial<SweepTask> | null;
  return (
    typeof t === "object" &&
    t !== null &&
    t.kind === "sweep" &&
    typeof t.name === "string" &&
    typeof t.run === "function"
  );
}
