/** Checkpoint compatibility: the pure checks a resume runs before it changes anything. */
import { describe, expect, it } from "@jest/globals";
import { type Checkpoint, CheckpointMismatchError, CheckpointValueError } from "@trace-ts/trainer";
import {
  type CheckedParameter,
  checkCompatible,
  checkValues,
  inAgentOrder,
  type RunIdentity,
  savedValues,
} from "../src/checkpoint/compat.js";

const PATH = "runs/a/checkpoint.json";

const identity: RunIdentity = {
  algorithm: { name: "minibatch", options: { keepIfImproves: true, minImprovement: 0 } },
  settings: { seed: 11, batchSize: 3, shuffle: true },
  datasets: { train: "train-fp", validation: "validation-fp" },
  optimizer: "JsonOptimizer",
  objective: { kind: "scalar", metric: "score", minimize: [], missing: "worst", tieBreak: "first" },
};

/** A checkpoint written by a run with `identity` and parameters a:0 = 1, b:0 = "x". */
function checkpoint(changes: Partial<Checkpoint> = {}): Checkpoint {
  return {
    format: "trace-ts/trainer-checkpoint",
    version: 1,
    runId: "run-1",
    savedAt: "2024-01-01T00:00:00.000Z",
    step: 3,
    initialized: true,
    algorithm: { name: "minibatch", options: { keepIfImproves: true, minImprovement: 0 }, state: {} },
    settings: { seed: 11, batchSize: 3, shuffle: true },
    datasets: { train: "train-fp", validation: "validation-fp" },
    parameters: [
      { name: "a:0", key: "a0", value: 1 },
      { name: "b:0", key: "b0", value: "x" },
    ],
    agentState: null,
    optimizer: { format: "trace-ts/optimizer", version: 1, optimizer: "JsonOptimizer", step: 3, data: null },
    rng: { algorithm: "xoshiro128**", state: [1, 2, 3, 4] },
    data: { epoch: 1, order: [0, 1, 2], position: 3 },
    best: { score: 0.5, step: 2, values: [2, "y"] },
    earlyStop: { bestScore: 0.5, sinceImprovement: 1 },
    finished: null,
    totals: { inputTokens: 0, outputTokens: 0, totalTokens: 0, calls: 0, cost: null },
    log: { path: null, bytes: 0, records: 0 },
    ...changes,
  };
}

/** A parameter whose validator accepts only values of the type of its current value. */
function param(name: string, value: unknown, validated: string[] = []): CheckedParameter {
  return {
    name,
    peek: () => value,
    validate: (candidate: unknown) => {
      validated.push(name);
      return typeof candidate === typeof value ? undefined : `must be a ${typeof value}`;
    },
  };
}

/** What `fn` threw (fails when it did not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("checkCompatible", () => {
  it("accepts a checkpoint of the same run", () => {
    expect(() => checkCompatible(checkpoint(), identity, PATH)).not.toThrow();
  });

  it.each<[string, Partial<Checkpoint>, RegExp]>([
    [
      "algorithm",
      { algorithm: { name: "beam-search", options: {}, state: {} } },
      /algorithm beam-search vs minibatch/,
    ],
    [
      "algorithm options",
      { algorithm: { name: "minibatch", options: { keepIfImproves: false, minImprovement: 0 }, state: {} } },
      /algorithm options \{"keepIfImproves":false,"minImprovement":0\} vs \{"keepIfImproves":true/,
    ],
    [
      "optimizer",
      {
        optimizer: { format: "trace-ts/optimizer", version: 1, optimizer: "OptoPrime", step: 0, data: null },
      },
      /optimizer OptoPrime vs JsonOptimizer/,
    ],
    [
      "training set",
      { datasets: { train: "other", validation: "validation-fp" } },
      /the training set differs/,
    ],
    ["validation set", { datasets: { train: "train-fp", validation: null } }, /the validation set differs/],
    ["seed", { settings: { seed: 12, batchSize: 3, shuffle: true } }, /seed 12 vs 11/],
    ["batch size", { settings: { seed: 11, batchSize: 4, shuffle: true } }, /batchSize 4 vs 3/],
    ["shuffling", { settings: { seed: 11, batchSize: 3, shuffle: false } }, /shuffle false vs true/],
  ])("refuses another %s with CheckpointMismatchError", (_what, changes, message) => {
    const error = thrown(() => checkCompatible(checkpoint(changes), identity, PATH));
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect((error as CheckpointMismatchError).code).toBe("CHECKPOINT_MISMATCH");
    expect((error as Error).message).toContain(PATH);
    expect((error as Error).message).toMatch(message);
  });

  it("lists every difference at once; another algorithm does not also compare its options", () => {
    const cp = checkpoint({
      algorithm: { name: "ucb-search", options: { bufferSize: 3 }, state: {} },
      settings: { seed: 1, batchSize: 3, shuffle: true },
      datasets: { train: "other", validation: "validation-fp" },
    });
    const message = (thrown(() => checkCompatible(cp, identity, PATH)) as Error).message;
    expect(message).toContain("algorithm ucb-search vs minibatch; seed 1 vs 11; the training set differs");
    expect(message).not.toContain("algorithm options");
  });
});

describe("savedValues", () => {
  it("matches values by name, in the run's parameter order", () => {
    const params = [param("b:0", "x"), param("a:0", 1)];
    expect(savedValues(checkpoint(), params, "name", PATH)).toEqual(["x", 1]);
  });

  it("refuses differing names, naming what is missing on each side", () => {
    const params = [param("a:0", 1), param("c:0", true)];
    const error = thrown(() => savedValues(checkpoint(), params, "name", PATH));
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect((error as Error).message).toContain("not in the checkpoint: c:0; only in the checkpoint: b:0");
    expect((error as Error).message).toContain("matchParameters: 'position'");
  });

  it("by position takes the values in the checkpoint's order, whatever the names", () => {
    const params = [param("p:0", 5), param("q:0", "z")];
    expect(savedValues(checkpoint(), params, "position", PATH)).toEqual([1, "x"]);
  });

  it("by position refuses another number of parameters", () => {
    const error = thrown(() => savedValues(checkpoint(), [param("a:0", 1)], "position", PATH));
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect((error as Error).message).toContain("it has 2 parameters, the agent has 1");
  });
});

describe("inAgentOrder", () => {
  it("reorders values listed in the checkpoint's parameter order by name", () => {
    const params = [param("b:0", "x"), param("a:0", 1)];
    expect(inAgentOrder(checkpoint(), [2, "y"], params, "name")).toEqual(["y", 2]);
  });

  it("leaves them as they are by position, or when their count does not fit the checkpoint", () => {
    const params = [param("b:0", "x"), param("a:0", 1)];
    expect(inAgentOrder(checkpoint(), [2, "y"], params, "position")).toEqual([2, "y"]);
    expect(inAgentOrder(checkpoint(), [2], params, "name")).toEqual([2]);
  });
});

describe("checkValues", () => {
  it("accepts valid values and does not validate values equal to the current ones", () => {
    const validated: string[] = [];
    const params = [param("a:0", 1, validated), param("b:0", "x", validated)];
    checkValues([1, "y"], params, "parameters", PATH);
    expect(validated).toEqual(["b:0"]);
  });

  it("refuses a value of the wrong type with CheckpointValueError naming the parameter", () => {
    const params = [param("a:0", 1), param("b:0", "x")];
    const error = thrown(() => checkValues([1, 42], params, "best", PATH));
    expect(error).toBeInstanceOf(CheckpointValueError);
    const e = error as CheckpointValueError;
    expect(e.code).toBe("CHECKPOINT_VALUE_INVALID");
    expect(e.parameter).toBe("b:0");
    expect(e.reason).toBe("must be a string");
    expect(e.message).toContain("(in best)");
  });

  it("refuses another number of values with CheckpointMismatchError", () => {
    const error = thrown(() => checkValues([1], [param("a:0", 1), param("b:0", "x")], "parameters", PATH));
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    expect((error as Error).message).toContain("its parameters values are 1 for 2 parameters");
  });
});
