/**
 * The run state shared by rollbacks, checkpoints and resume: capture, restore, and the round trip
 * through a checkpoint.
 */
import { describe, expect, it } from "@jest/globals";
import { graphScope, ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  type Agent,
  type Algorithm,
  CheckpointMismatchError,
  CheckpointValueError,
  EpochSampler,
  NotSerializableError,
  Rng,
  type StepOutcome,
} from "@trace-ts/trainer";
import type { RunIdentity } from "../src/checkpoint/compat.js";
import { EarlyStopping } from "../src/train/early-stop.js";
import {
  captureRunState,
  checkpointOf,
  type RunPieces,
  restoreRunState,
  runStateOf,
} from "../src/train/run-state.js";
import { UsageMeter } from "../src/train/usage-meter.js";
import { JsonOptimizer, multiplier } from "./helpers/agents.js";

/** An algorithm whose state is a counter (or whatever the test puts in `value`). */
function counter(): Algorithm & { value: unknown; loaded: unknown[] } {
  return {
    name: "counter",
    options: { by: 1 },
    value: { count: 0 },
    loaded: [],
    async init() {},
    async step(): Promise<StepOutcome> {
      throw new Error("not used");
    },
    state() {
      return this.value;
    },
    loadState(state: unknown) {
      this.loaded.push(state);
      this.value = state;
    },
  };
}

const identity: RunIdentity = {
  algorithm: { name: "counter", options: { by: 1 } },
  settings: { seed: 5, batchSize: 2, shuffle: true },
  datasets: { train: "t", validation: null },
  optimizer: "JsonOptimizer",
  objective: { kind: "scalar", metric: "score", minimize: [], missing: "worst", tieBreak: "first" },
};

/** Live pieces of a run over two parameters (factor:0 = 2, offset:0 = 1) and six examples. */
function pieces(agent?: Agent) {
  const { a, b } = graphScope(() => ({ a: multiplier(2, "factor"), b: multiplier(1, "offset") }));
  const parameters = [a.factor, b.factor];
  const optimizer = new JsonOptimizer(parameters, { model: new ScriptedModel(() => "{}") });
  const algorithm = counter();
  const samplerFor = (rng: Rng) => new EpochSampler(6, 2, rng, true);
  const rng = Rng.fromSeed(5);
  const run: RunPieces = {
    parameters,
    agent,
    optimizer,
    algorithm,
    scores: new EarlyStopping({ patience: 3 }),
    usage: new UsageMeter(undefined, undefined),
    samplerFor,
    step: 0,
    initialized: true,
    initialScore: 0.25,
    finished: null,
    rng,
    sampler: samplerFor(rng),
  };
  return { run, algorithm, optimizer, factor: a.factor, offset: b.factor };
}

/** Changes every part of the run state. */
function advance(p: ReturnType<typeof pieces>): void {
  const { run } = p;
  p.factor.data = 7;
  p.offset.data = 9;
  p.optimizer.changed = [...p.optimizer.changed, "factor0"]; // its saveState() returns the live array
  p.algorithm.value = { count: 3 };
  run.sampler.next();
  run.sampler.next();
  run.rng.nextUint32();
  run.step = 4;
  run.initialScore = null;
  run.finished = "early-stop";
  run.scores.consider(0.9, 4, [7, 9]);
  run.scores.observe(0.9);
  run.usage.absorb([
    { purpose: "propose", messages: [], usage: { inputTokens: 3, outputTokens: 1 }, durationMs: 1 },
  ]);
}

describe("run state", () => {
  it("a rollback point puts every part of the run state back", () => {
    const p = pieces();
    const { run } = p;
    const point = captureRunState(run, "rollback");
    const draws = Rng.fromState(run.rng.state());
    advance(p);
    restoreRunState(run, point);
    expect([p.factor.data, p.offset.data]).toEqual([2, 1]);
    expect(p.optimizer.changed).toEqual([]);
    expect(p.algorithm.value).toEqual({ count: 0 });
    expect(run.step).toBe(0);
    expect(run.initialScore).toBe(0.25);
    expect(run.finished).toBeNull();
    expect(run.scores.best).toBeNull();
    expect(run.scores.state).toEqual({ bestScore: null, sinceImprovement: 0 });
    expect(run.usage.totals.calls).toBe(0);
    // the generator and the data order continue as if nothing had happened
    expect(run.sampler.state()).toEqual({ epoch: 0, order: [], position: 0 });
    expect(run.rng.nextUint32()).toBe(draws.nextUint32());
  });

  it("the algorithm's state is restored only once it was set up", () => {
    const p = pieces();
    p.run.initialized = false;
    const point = captureRunState(p.run, "rollback");
    p.run.initialized = true;
    restoreRunState(p.run, point);
    expect(p.algorithm.loaded).toEqual([]);
    expect(p.run.initialized).toBe(false);
  });

  it("a rollback point takes component states as they are; a checkpoint needs them as JSON", () => {
    const p = pieces();
    const state = { seen: new Map([["a", 1]]) };
    p.algorithm.value = state;
    expect(captureRunState(p.run, "rollback").algorithm).toBe(state);
    expect(() => captureRunState(p.run, "checkpoint")).toThrow(NotSerializableError);
    expect(() => captureRunState(p.run, "checkpoint")).toThrow(/the state of algorithm counter/);
  });

  it("the agent's own state is in checkpoints only, and restored from them", () => {
    const calls: string[] = [];
    const agent: Agent = {
      parameters: () => [],
      state: () => ({ mode: "fast" }),
      loadState: (state) => void calls.push(JSON.stringify(state)),
    };
    const p = pieces(agent);
    expect(captureRunState(p.run, "rollback").agent).toBeNull();
    const saved = captureRunState(p.run, "checkpoint");
    expect(saved.agent).toEqual({ mode: "fast" });
    restoreRunState(p.run, captureRunState(p.run, "rollback"));
    expect(calls).toEqual([]);
    restoreRunState(p.run, saved);
    expect(calls).toEqual(['{"mode":"fast"}']);
  });

  it("survives a checkpoint: written in the file format's field order, read back by runStateOf", () => {
    const p = pieces();
    advance(p);
    const state = captureRunState(p.run, "checkpoint");
    const log = { path: "log.jsonl", bytes: 120, records: 3 };
    const cp = checkpointOf(state, identity, p.run.parameters, { runId: "r", savedAt: "now", log });
    expect(Object.keys(cp)).toEqual([
      "format",
      "version",
      "runId",
      "savedAt",
      "step",
      "initialized",
      "algorithm",
      "settings",
      "objective",
      "datasets",
      "parameters",
      "agentState",
      "optimizer",
      "rng",
      "data",
      "best",
      "earlyStop",
      "finished",
      "totals",
      "log",
    ]);
    expect(cp).toMatchObject({
      format: "trace-ts/trainer-checkpoint",
      version: 1,
      step: 4,
      algorithm: { name: "counter", options: { by: 1 }, state: { count: 3 } },
      settings: { seed: 5, batchSize: 2, shuffle: true },
      parameters: [
        { name: "factor:0", key: "factor0", value: 7 },
        { name: "offset:0", key: "offset0", value: 9 },
      ],
      best: { score: 0.9, step: 4, values: [7, 9] },
      earlyStop: { bestScore: 0.9, sinceImprovement: 0 },
      finished: "early-stop",
      log,
    });
    const read = JSON.parse(JSON.stringify(cp));
    const fresh = pieces();
    const resumed = runStateOf(
      read,
      { identity, parameters: fresh.run.parameters, matchParameters: "name" },
      "cp",
    );
    // the initial score is not saved: a resumed run has none
    expect(resumed).toEqual({ ...JSON.parse(JSON.stringify(state)), initialScore: null });
    restoreRunState(fresh.run, resumed);
    expect([fresh.factor.data, fresh.offset.data]).toEqual([7, 9]);
    expect(fresh.run.rng.state()).toEqual(p.run.rng.state());
    expect(fresh.run.sampler.state()).toEqual(p.run.sampler.state());
    expect(fresh.optimizer.changed).toEqual(["factor0"]);
    expect(fresh.run.usage.totals).toEqual(p.run.usage.totals);
  });

  it("runStateOf puts saved values in the run's order and refuses what does not fit", () => {
    const p = pieces();
    advance(p);
    const cp = checkpointOf(captureRunState(p.run, "checkpoint"), identity, p.run.parameters, {
      runId: "r",
      savedAt: "now",
      log: { path: null, bytes: 0, records: 0 },
    });
    const swapped = [...pieces().run.parameters].reverse();
    const state = runStateOf(cp, { identity, parameters: swapped, matchParameters: "name" }, "cp");
    expect(state.parameters).toEqual([9, 7]);
    expect(state.best?.values).toEqual([9, 7]);
    const other = { ...identity, optimizer: "OptoPrime" };
    expect(() =>
      runStateOf(cp, { identity: other, parameters: swapped, matchParameters: "name" }, "cp"),
    ).toThrow(CheckpointMismatchError);
    // a value its parameter's validator refuses: nothing is restored
    const guarded = graphScope(() => [
      new ParameterNode<number>(2, {
        name: "factor",
        validate: (v) => (typeof v === "number" ? undefined : "must be a number"),
      }),
      new ParameterNode<number>(1, { name: "offset" }),
    ]);
    const bad = { ...cp, best: { score: 1, step: 1, values: ["seven", 9] } };
    const refused = (() => {
      try {
        runStateOf(bad, { identity, parameters: guarded, matchParameters: "name" }, "cp");
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(CheckpointValueError);
    expect((refused as CheckpointValueError).parameter).toBe("factor:0");
    expect((refused as Error).message).toContain("(in best)");
  });
});
