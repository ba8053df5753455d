/**
 * Write fences: `train()` and `resume()` ask the fence right before every checkpoint rename and
 * every run-log write, cut and creation. Once it refuses, the run ends with its error and nothing
 * more is written: the checkpoint on disk stays the last complete one and the log keeps its bytes.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import {
  type FencedTarget,
  minibatch,
  readCheckpoint,
  resume,
  type TrainConfig,
  type TrainResult,
  train,
  type WriteFence,
} from "@trace-ts/trainer";
import { normalizedLog } from "./helpers/log.js";
import { closeness, multiplierSetup, scaled } from "./helpers/setup.js";
import { tempDirs } from "./helpers/tmp.js";

const tempDir = tempDirs("trainer-fence-");

/** What a fence's refusal throws (another process took the run over). */
class TakenOverError extends Error {
  override name = "TakenOverError";
}

/** The files of the run at the moment the fence refused. */
interface AtRefusal {
  readonly target: FencedTarget;
  readonly logBytes: number;
  readonly checkpoint: string | null;
  /** The temporary checkpoint files in the folder (the one about to be renamed, when refused there). */
  readonly temporary: string[];
  /** The steps of those temporary checkpoints. */
  readonly temporarySteps: number[];
}

/**
 * A fence that records every check and refuses from the check `refuse` says yes to onwards (a
 * writer that lost the run stays stale), noting the run's files at the first refusal.
 */
class RecordingFence implements WriteFence {
  readonly calls: [FencedTarget, string][] = [];
  refusal: AtRefusal | undefined;
  readonly #refuse: (target: FencedTarget, calls: readonly [FencedTarget, string][]) => boolean;
  readonly #files: { readonly dir: string; readonly checkpoint: string; readonly log: string };

  constructor(
    files: { readonly dir: string; readonly checkpoint: string; readonly log: string },
    refuse: (target: FencedTarget, calls: readonly [FencedTarget, string][]) => boolean = () => false,
  ) {
    this.#files = files;
    this.#refuse = refuse;
  }

  check(target: FencedTarget, path: string): void {
    this.calls.push([target, path]);
    if (this.refusal === undefined && !this.#refuse(target, this.calls)) return;
    this.refusal ??= {
      target,
      logBytes: existsSync(this.#files.log) ? statSync(this.#files.log).size : -1,
      checkpoint: existsSync(this.#files.checkpoint) ? readFileSync(this.#files.checkpoint, "utf8") : null,
      temporary: temporaryFiles(this.#files.dir),
      temporarySteps: temporaryFiles(this.#files.dir).map(
        (f) => (JSON.parse(readFileSync(join(this.#files.dir, f), "utf8")) as { step: number }).step,
      ),
    };
    throw new TakenOverError(`run taken over (${target} ${path})`);
  }

  /** How many checks of `target` were made. */
  count(target: FencedTarget): number {
    return this.calls.filter(([t]) => t === target).length;
  }
}

/** Refuses the `n`-th checkpoint (and everything after it). */
function refuseCheckpoint(n: number) {
  return (target: FencedTarget, calls: readonly [FencedTarget, string][]): boolean =>
    target === "checkpoint" && calls.filter(([t]) => t === "checkpoint").length === n;
}

function temporaryFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(".tmp"));
}

/** A deterministic run (the optimizer's answer depends only on the prompt) in `dir`. */
function setup(dir: string, extra: Partial<TrainConfig<number, number, number>> = {}) {
  const s = multiplierSetup(1, (current, _i, prompt) => {
    const small = (prompt.match(/Too small/g) ?? []).length;
    const big = (prompt.match(/Too big/g) ?? []).length;
    return small > big ? current + 2 : big > small ? current - 1 : undefined;
  });
  const files = { dir, checkpoint: join(dir, "checkpoint.json"), log: join(dir, "log.jsonl") };
  const config: TrainConfig<number, number, number> = {
    agent: s.agent,
    optimizer: s.optimizer,
    forward: s.forward,
    guide: closeness,
    train: scaled(6, 12),
    validation: scaled(6, 3, 40),
    algorithm: minibatch({ keepIfImproves: true }),
    batchSize: 3,
    epochs: 2,
    seed: 11,
    checkpoint: files.checkpoint,
    log: files.log,
    progress: false,
    ...extra,
  };
  return { ...s, files, config };
}

/**
 * A checkpoint's contents without what differs between two runs: save time, run id, and the log's
 * path and length (its records hold durations).
 */
function checkpointContents(path: string): unknown {
  const {
    savedAt: _savedAt,
    runId: _runId,
    log,
    ...rest
  } = JSON.parse(readFileSync(path, "utf8")) as {
    log: { records: number };
  } & Record<string, unknown>;
  return { ...rest, logRecords: log.records };
}

const withoutRunId = ({ runId: _runId, ...rest }: TrainResult) => rest;

describe("write fences", () => {
  it("with a fence that always allows, a run ends, checkpoints and logs exactly as without one", async () => {
    const plain = setup(tempDir());
    const full = await train(plain.config);
    expect(full.steps).toBeGreaterThanOrEqual(4);

    const fenced = setup(tempDir());
    const fence = new RecordingFence(fenced.files);
    const result = await train({ ...fenced.config, fence });
    expect(withoutRunId(result)).toEqual(withoutRunId(full));
    expect(fenced.agent.factor.data).toBe(plain.agent.factor.data);
    expect(normalizedLog(fenced.files.log)).toEqual(normalizedLog(plain.files.log));
    expect(checkpointContents(fenced.files.checkpoint)).toEqual(checkpointContents(plain.files.checkpoint));
    expect(temporaryFiles(fenced.files.dir)).toEqual([]);

    // asked about the run's two files only, with their paths
    const asked = new Set(fence.calls.map(([target, path]) => `${target} ${path}`));
    expect(asked).toEqual(new Set([`checkpoint ${fenced.files.checkpoint}`, `log ${fenced.files.log}`]));
    // before every record (plus the log's creation), and before every checkpoint: one at the start,
    // one after the initial validation, one per step
    const records = normalizedLog(fenced.files.log).length;
    expect(fence.count("log")).toBeGreaterThanOrEqual(records + 1);
    expect(fence.count("checkpoint")).toBe(full.steps + 2);
    expect(fence.calls[0]).toEqual(["log", fenced.files.log]);
  });

  it("ends the run when the fence refuses a checkpoint: the previous checkpoint stays, no temporary file, no more log bytes", async () => {
    const run = setup(tempDir());
    // the 4th checkpoint is the one of step 2
    const fence = new RecordingFence(run.files, refuseCheckpoint(4));
    const error = await train({ ...run.config, fence }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TakenOverError);
    const refusal = fence.refusal!;
    expect(refusal.target).toBe("checkpoint");
    // the new checkpoint had been written under a temporary name, then was dropped
    expect(refusal.temporary).toHaveLength(1);
    expect(refusal.temporarySteps).toEqual([2]);
    expect(temporaryFiles(run.files.dir)).toEqual([]);
    const checkpoint = await readCheckpoint(run.files.checkpoint);
    expect(checkpoint.step).toBe(1);
    expect(readFileSync(run.files.checkpoint, "utf8")).toBe(refusal.checkpoint);
    // nothing was written to the log after the refusal (no end record); the step-2 records that
    // came before it stay beyond the checkpoint's length, for resume() to cut
    const logBytes = statSync(run.files.log).size;
    expect(logBytes).toBe(refusal.logBytes);
    expect(logBytes).toBeGreaterThan(checkpoint.log.bytes);
    expect(readFileSync(run.files.log, "utf8")).not.toContain('"type":"end"');
    // the refusal was the last check made
    expect(fence.calls.at(-1)).toEqual(["checkpoint", run.files.checkpoint]);
  });

  it("ends the run when the fence refuses a log write: the log keeps its bytes and the checkpoint its step", async () => {
    const run = setup(tempDir());
    let checkpoints = 0;
    // the first log write after the checkpoint of step 1
    const fence = new RecordingFence(run.files, (target) => {
      if (target === "checkpoint") checkpoints++;
      return target === "log" && checkpoints === 3;
    });
    const error = await train({ ...run.config, fence }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TakenOverError);
    expect(fence.refusal!.target).toBe("log");
    expect(statSync(run.files.log).size).toBe(fence.refusal!.logBytes);
    expect(readFileSync(run.files.checkpoint, "utf8")).toBe(fence.refusal!.checkpoint);
    const checkpoint = await readCheckpoint(run.files.checkpoint);
    expect(checkpoint.step).toBe(1);
    expect(checkpoint.log.bytes).toBe(fence.refusal!.logBytes);
    expect(temporaryFiles(run.files.dir)).toEqual([]);
  });

  it("resume() with a refusing fence writes nothing; with an allowing one it ends like an uninterrupted run", async () => {
    const whole = setup(tempDir());
    const full = await train(whole.config);

    const dir = tempDir();
    const first = setup(dir);
    const stale = new RecordingFence(first.files, refuseCheckpoint(4));
    await expect(train({ ...first.config, fence: stale })).rejects.toBeInstanceOf(TakenOverError);
    // a partial last line, as a killed process leaves it: a resume would cut it off
    appendFileSync(first.files.log, '{"type":"st');
    const logBefore = readFileSync(first.files.log);
    const checkpointBefore = readFileSync(first.files.checkpoint, "utf8");

    const refused = setup(dir);
    const refusing = new RecordingFence(refused.files, () => true);
    const error = await resume({ ...refused.config, fence: refusing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TakenOverError);
    expect(refusing.calls).toEqual([["log", first.files.log]]);
    expect(readFileSync(first.files.log)).toEqual(logBefore);
    expect(readFileSync(first.files.checkpoint, "utf8")).toBe(checkpointBefore);
    expect(temporaryFiles(dir)).toEqual([]);

    const again = setup(dir);
    const allowing = new RecordingFence(again.files);
    const resumed = await resume({ ...again.config, fence: allowing });
    expect(resumed.resumed).toBe(true);
    expect(resumed.reason).toBe(full.reason);
    expect(resumed.steps).toBe(full.steps);
    expect(again.agent.factor.data).toBe(whole.agent.factor.data);
    expect(normalizedLog(again.files.log)).toEqual(normalizedLog(whole.files.log));
    expect(new Set(allowing.calls.map(([target, path]) => `${target} ${path}`))).toEqual(
      new Set([`checkpoint ${again.files.checkpoint}`, `log ${again.files.log}`]),
    );
  });
});
