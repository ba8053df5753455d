/**
 * What travels through the evaluation queue: a job's data (one example, with a reference to the
 * evaluation's parameter values) and the keys beside the queue. Both ends check what they read:
 * job data and returned outcomes come out of Redis, which anyone with access can write.
 */
import type { Example, RemoteOutcome } from "@trace-ts/trainer";

/** Version of the evaluation job format; a worker refuses jobs of another version. */
export const EVALUATION_JOB_VERSION = 1;

/** Default queue of distributed evaluation. */
export const DEFAULT_EVALUATION_QUEUE = "trace-ts-eval";

/** The data of one evaluation job. */
export interface EvaluationJobData {
  /** The job format version. */
  readonly v: typeof EVALUATION_JOB_VERSION;
  /** The task the example belongs to; a worker of another task refuses it. */
  readonly task: string;
  /** The evaluation (a random id). */
  readonly evaluation: string;
  /** The example's position in the request. */
  readonly position: number;
  /** The example's index in its dataset. */
  readonly index: number;
  /** The example. */
  readonly example: Example<unknown, unknown>;
  /** SHA-256 of the parameter values' JSON (empty string: no values sent). */
  readonly parameters: string;
  /** Score of a traced failure. */
  readonly errorScore: number;
}

/** The id of an evaluation's job at a position (BullMQ ids may not contain `:`). */
export function evaluationJobId(evaluation: string, position: number): string {
  return `${evaluation}.${position}`;
}

/** The evaluation and position of a job id, or undefined for an id of another kind. */
export function parseEvaluationJobId(jobId: string): { evaluation: string; position: number } | undefined {
  const dot = jobId.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const position = Number(jobId.slice(dot + 1));
  return Number.isInteger(position) && position >= 0
    ? { evaluation: jobId.slice(0, dot), position }
    : undefined;
}

/** Redis keys beside the queue. */
export const evaluationKeys = {
  /** The parameter values of an evaluation (JSON). */
  parameters: (prefix: string, evaluation: string): string => `${prefix}eval:${evaluation}:parameters`,
  /** Set when an evaluation was cancelled: workers skip its jobs. */
  cancelled: (prefix: string, evaluation: string): string => `${prefix}eval:${evaluation}:cancelled`,
  /** Channel on which cancelled evaluations are announced to workers. */
  cancelChannel: (prefix: string): string => `${prefix}eval:cancel`,
};

/**
 * Checks job data read from the queue.
 * @param value the job's data
 * @returns the data, or a description of what is wrong
 */
export function checkJobData(value: unknown): EvaluationJobData | string {
  if (typeof value !== "object" || value === null) return "the job has no data object";
  const d = value as Partial<EvaluationJobData>;
  if (d.v !== EVALUATION_JOB_VERSION)
    return `job format version ${String(d.v)}; this worker reads version ${EVALUATION_JOB_VERSION}`;
  if (typeof d.task !== "string" || typeof d.evaluation !== "string" || !/^[0-9a-f-]{36}$/.test(d.evaluation))
    return "task or evaluation id missing";
  if (!Number.isInteger(d.position) || !Number.isInteger(d.index) || (d.index as number) < 0)
    return "position or index missing";
  if (typeof d.example !== "object" || d.example === null || !("input" in d.example))
    return "example missing";
  if (typeof d.parameters !== "string" || !/^([0-9a-f]{64})?$/.test(d.parameters))
    return "parameters digest malformed";
  if (typeof d.errorScore !== "number" || !Number.isFinite(d.errorScore)) return "errorScore missing";
  return d as EvaluationJobData;
}

const MAX_TEXT = 1_000_000;
const STOP_REASONS = new Set(["budget", "outage", "cancelled"]);

/**
 * Checks an outcome a worker sent back for the example at `index`; undefined when it is not a
 * well-formed outcome of that example (then it is never used).
 * @param value what the job returned
 * @param index the example's index
 */
export function checkOutcome(value: unknown, index: number): RemoteOutcome | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (o.index !== index) return undefined;
  if (o.id !== undefined && (typeof o.id !== "string" || o.id.length > MAX_TEXT)) return undefined;
  const id = o.id === undefined ? {} : { id: o.id as string };
  const text = (v: unknown): v is string => typeof v === "string" && v.length <= MAX_TEXT;
  switch (o.kind) {
    case "result": {
      if (typeof o.score !== "number" || !Number.isFinite(o.score) || !text(o.feedback)) return undefined;
      if (o.error !== undefined && !text(o.error)) return undefined;
      if (typeof o.durationMs !== "number" || !Number.isFinite(o.durationMs)) return undefined;
      const metrics = checkMetrics(o.metrics);
      if (metrics === undefined) return undefined;
      return {
        kind: "result",
        index,
        ...id,
        score: o.score,
        feedback: o.feedback,
        output: o.output ?? null,
        ...(o.error === undefined ? {} : { error: o.error as string }),
        metrics,
        durationMs: o.durationMs,
      };
    }
    case "stop":
      if (!STOP_REASONS.has(o.reason as string) || !text(o.code) || !text(o.error)) return undefined;
      return {
        kind: "stop",
        index,
        ...id,
        reason: o.reason as "budget" | "outage" | "cancelled",
        code: o.code,
        error: o.error,
      };
    case "failure":
      if (!text(o.name) || !text(o.code) || !text(o.message)) return undefined;
      return { kind: "failure", index, ...id, name: o.name, code: o.code, message: o.message };
    default:
      return undefined;
  }
}

function checkMetrics(value: unknown): Record<string, number> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const metrics: Record<string, number> = {};
  const entries = Object.entries(value);
  if (entries.length > 1000) return undefined;
  for (const [name, v] of entries) {
    if (typeof v !== "number" || !Number.isFinite(v) || name.length > 200) return undefined;
    metrics[name] = v;
  }
  return metrics;
}
