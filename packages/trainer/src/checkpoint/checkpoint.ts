/**
 * Checkpoints: everything a run needs to continue after a crash, as one JSON file written
 * atomically (temporary file + rename, via `write-file-atomic`) after every step. A reader sees
 * either the previous checkpoint or the new one, never a mix.
 */

import { randomBytes } from "node:crypto";
import { renameSync, unlinkSync } from "node:fs";
import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { OptimizerState } from "@trace-ts/core";
import writeFileAtomic from "write-file-atomic";
import type { RngState } from "../data/rng.js";
import type { SamplerState } from "../data/sampler.js";
import { CheckpointError, CheckpointNotFoundError } from "../errors.js";
import type { ParameterValueRecord, StopReason, UsageRecord } from "../log/records.js";
import type { ObjectiveConfig } from "../objective/objective.js";
import type { WriteFence } from "./fence.js";

/** `format` of every checkpoint file. */
export const CHECKPOINT_FORMAT = "trace-ts/trainer-checkpoint";
/** Version of the checkpoint format written by this release. */
export const CHECKPOINT_VERSION = 1;

/** The contents of a checkpoint file. */
export interface Checkpoint {
  /** Always `trace-ts/trainer-checkpoint`. */
  readonly format: typeof CHECKPOINT_FORMAT;
  /** Format version (1). */
  readonly version: typeof CHECKPOINT_VERSION;
  /** Identifier of the run (also in the run log's first record). */
  readonly runId: string;
  /** ISO time it was written. */
  readonly savedAt: string;
  /** Completed steps. */
  readonly step: number;
  /** Whether the initial evaluation and the algorithm's set-up are done (false only at the very start). */
  readonly initialized: boolean;
  /** The algorithm: name, options (must match on resume) and its state. */
  readonly algorithm: {
    /** The algorithm's name (`minibatch`, `beam-search`, …); must match on resume. */
    readonly name: string;
    /** The options it was created with, as JSON; must match on resume. */
    readonly options: Readonly<Record<string, unknown>>;
    /** What `algorithm.state()` returned, copied as JSON; given back to `loadState()` on resume. */
    readonly state: unknown;
  };
  /** Settings that decide the data order (must match on resume). */
  readonly settings: {
    /** The run's `seed`: the seed of all its random choices. */
    readonly seed: number;
    /** The run's `batchSize`: training examples per step. */
    readonly batchSize: number;
    /** The run's `shuffle`: whether the training set is shuffled every epoch. */
    readonly shuffle: boolean;
  };
  /**
   * How candidates were compared (`train({ objective })`, defaults filled in; must match on
   * resume). Absent in checkpoints written before objectives existed: they used the default.
   */
  readonly objective?: ObjectiveConfig;
  /** Fingerprints of the datasets (must match on resume). */
  readonly datasets: {
    /** Fingerprint of the training set (a SHA-256 digest of its items as JSON). */
    readonly train: string;
    /** Fingerprint of the validation set, or null when the run had none. */
    readonly validation: string | null;
  };
  /** The parameters' values, in the agent's order. */
  readonly parameters: readonly ParameterValueRecord[];
  /** What `agent.state()` returned, when the agent has `state()`/`loadState()`; otherwise null. */
  readonly agentState: unknown;
  /** `optimizer.state()`. */
  readonly optimizer: OptimizerState;
  /** The run's random-number generator. */
  readonly rng: RngState;
  /** The data order: epoch, permutation and position. */
  readonly data: SamplerState;
  /** The best parameters so far, their score and step; null before anything was measured. */
  readonly best: {
    /** The highest score measured: on the validation set when the run has one, else on a batch. */
    readonly score: number;
    /** The step whose parameters had it (0: the initial parameters). */
    readonly step: number;
    /** Those parameters' values, in the order of `parameters`. */
    readonly values: readonly unknown[];
  } | null;
  /** Early-stopping bookkeeping. */
  readonly earlyStop: {
    /** The best measured score so far (the patience baseline), or null before any. */
    readonly bestScore: number | null;
    /** Measurements in a row that did not improve on `bestScore` by more than `minDelta`. */
    readonly sinceImprovement: number;
  };
  /** Set when the run decided to stop for good (early stop, target reached, terminated). */
  readonly finished: StopReason | null;
  /** Tokens and cost of the run so far. */
  readonly totals: UsageRecord;
  /** The run log (`path` null without a log file) and how much of it belongs to completed steps. */
  readonly log: {
    /** The run log's file, or null when the run had no log file. */
    readonly path: string | null;
    /** Its length in bytes after the last completed step; a resume cuts the log back to it. */
    readonly bytes: number;
    /** The number of records in those bytes. */
    readonly records: number;
  };
}

/**
 * Writes a checkpoint atomically (creating the directory if needed). With a fence, the new file is
 * written and flushed under a temporary name, and the fence is asked right before the rename.
 * @param path the file
 * @param checkpoint its contents
 * @param fence asked before the file replaces the previous one
 */
export async function saveCheckpoint(
  path: string,
  checkpoint: Checkpoint,
  fence?: WriteFence,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const text = `${JSON.stringify(checkpoint)}\n`;
  if (fence === undefined) {
    await writeFileAtomic(path, text, { fsync: true });
    return;
  }
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(temporary, "wx");
  try {
    await file.writeFile(text, "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    // nothing may run between the check and the rename
    fence.check("checkpoint", path);
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
    throw error;
  }
}

/**
 * Reads and checks a checkpoint file.
 * @param path the file
 * @throws CheckpointNotFoundError when it does not exist; CheckpointError when it is unreadable,
 *   not a trainer checkpoint, or of another format version
 */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === "ENOENT") throw new CheckpointNotFoundError(path);
    throw new CheckpointError(path, `cannot be read (${(error as Error).message})`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(path, "is not valid JSON (was it edited or truncated?)", { cause: error });
  }
  const c = value as Partial<Checkpoint> | null;
  if (c === null || typeof c !== "object" || c.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(path, `is not a trainer checkpoint (format should be "${CHECKPOINT_FORMAT}")`);
  }
  if (c.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      path,
      `has format version ${String(c.version)}; this release reads version ${CHECKPOINT_VERSION}`,
    );
  }
  const problems: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  need(typeof c.runId === "string" && c.runId !== "", "runId");
  need(Number.isInteger(c.step) && (c.step as number) >= 0, "step");
  need(typeof c.initialized === "boolean", "initialized");
  need(typeof c.algorithm?.name === "string" && typeof c.algorithm?.options === "object", "algorithm");
  need(
    Number.isSafeInteger(c.settings?.seed) &&
      Number.isInteger(c.settings?.batchSize) &&
      typeof c.settings?.shuffle === "boolean",
    "settings",
  );
  need(typeof c.datasets?.train === "string", "datasets");
  need(
    c.objective === undefined ||
      (typeof c.objective === "object" && c.objective !== null && typeof c.objective.kind === "string"),
    "objective",
  );
  need(
    Array.isArray(c.parameters) &&
      c.parameters.every((p) => typeof p?.name === "string" && typeof p?.key === "string"),
    "parameters",
  );
  need(typeof c.optimizer === "object" && c.optimizer !== null, "optimizer");
  need(typeof c.rng === "object" && c.rng !== null, "rng");
  need(typeof c.data === "object" && c.data !== null && Array.isArray(c.data.order), "data");
  need(c.best === null || (typeof c.best === "object" && Array.isArray(c.best?.values)), "best");
  need(typeof c.earlyStop === "object" && c.earlyStop !== null, "earlyStop");
  need(typeof c.totals === "object" && c.totals !== null, "totals");
  need(typeof c.log === "object" && c.log !== null && Number.isInteger(c.log.bytes), "log");
  if (problems.length > 0) {
    throw new CheckpointError(path, `is damaged: missing or malformed ${problems.join(", ")}`);
  }
  return c as Checkpoint;
}
