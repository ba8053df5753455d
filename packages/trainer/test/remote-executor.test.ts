/**
 * `evaluate()` and `train()` with an `ExampleExecutor`: the trainer puts remote outcomes in
 * order, applies the local rules to them (first outcome wins, outages counted or rejected,
 * failures reject), and cancels the executor's work when it stops. The executor here runs the
 * real worker-side function (`runExampleHere`) on a second agent instance in this process.
 */
import { describe, expect, it } from "@jest/globals";
import { bundle, graphScope, Node, node, ProviderError, TraceError } from "@trace-ts/core";
import {
  type Evaluation,
  type Example,
  evaluate,
  minibatch,
  RemoteExampleError,
  type RemoteOutcome,
  RemoteStopError,
  RunCancelledError,
  type TrainConfig,
  type TrainResult,
  train,
} from "@trace-ts/trainer";
import { InProcessExecutor } from "./helpers/remote.js";
import { closeness, multiplierSetup, scaled } from "./helpers/setup.js";

/**
 * A scaling agent (its parameter is always `factor:0`): a negative input fails inside a traced
 * operation (feedback), input 0 fails outside any (an agent failure).
 */
function scaler(initial: number) {
  return graphScope(() => {
    const factor = node(initial, { trainable: true, name: "factor", description: "multiplies the input" });
    const scale = bundle(
      (f: number, x: number): number => {
        if (x < 0) throw new RangeError(`cannot scale ${x}`);
        return f * x;
      },
      { name: "scale" },
    );
    return {
      factor,
      parameters: () => [factor],
      guide: closeness,
      forward: (x: number) => {
        if (x === 0) throw new Error("glue code failed");
        return scale(factor, x);
      },
    };
  });
}

/** Examples 1…5 with target 3x, and one negative input that fails inside `scale`. */
function examples(): Example<number, number>[] {
  return [...scaled(3, 3), { id: "neg", input: -2, target: -6 }, ...scaled(3, 2, 4)];
}

/** The JSON value a remote result carries for a local output. */
function jsonOf(output: unknown): unknown {
  const value = output instanceof Node ? output.data : output;
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** The parts of an evaluation that must not depend on where it ran (times left out). */
function comparable(evaluation: Evaluation<unknown>) {
  return {
    mean: evaluation.mean,
    scores: evaluation.scores,
    errors: evaluation.errors,
    outages: evaluation.outages,
    results: evaluation.results.map((r) => {
      const { latencyMs: _latency, ...metrics } = r.metrics;
      return {
        index: r.index,
        id: r.id,
        score: r.score,
        feedback: r.feedback,
        error: r.error,
        output: jsonOf(r.output),
        metrics,
      };
    }),
  };
}

/** A `stop` outcome in place of what the worker computed. */
function stopInstead(reason: "outage" | "budget", code: string) {
  return (position: number, outcome: RemoteOutcome): [number, RemoteOutcome][] => [
    [position, { kind: "stop", index: outcome.index, reason, code, error: `Stopped: ${code}` }],
  ];
}

describe("evaluate with an executor", () => {
  it.each(["reverse", "shuffle"] as const)(
    "returns what a local evaluation returns (outcomes reported in %s order), traced failures included",
    async (order) => {
      const local = scaler(2);
      const remote = scaler(5); // its own value is replaced by the one sent
      const executor = new InProcessExecutor(remote, { order, seed: 3 });
      const dataset = examples();
      const progress: number[] = [];
      const here = await evaluate({ forward: local.forward, guide: closeness, dataset, errorScore: -1 });
      const there = await evaluate({
        forward: local.forward,
        guide: closeness,
        dataset,
        errorScore: -1,
        executor,
        parameters: local.parameters(),
        onProgress: (done, total) => progress.push(done * 100 + total),
      });
      expect(executor.requests).toHaveLength(1);
      // the executor really saw them out of order
      expect(executor.computed.map((o) => o.index)).not.toEqual(dataset.map((_, i) => i));
      expect(comparable(there)).toEqual(comparable(here));
      expect(there.results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
      const twoThirds = 1 - 1 / 3; // closeness of 2x to 3x
      expect(there.scores).toEqual([twoThirds, twoThirds, twoThirds, -1, twoThirds, twoThirds]);
      expect(there.errors).toBe(1);
      expect(there.results[3]!.error).toBe("RangeError: cannot scale -2");
      expect(there.results[3]!.feedback).toContain("cannot scale -2");
      expect(there.results[0]!.output).toBe(2);
      expect(progress).toEqual([106, 206, 306, 406, 506, 606]);
      expect(executor.requests[0]!.errorScore).toBe(-1);
      expect(executor.requests[0]!.parameters).toEqual([{ name: "factor:0", value: 2 }]);
    },
  );

  it("sends the parameter values in effect: a change here changes the remote results", async () => {
    const local = scaler(2);
    const remote = scaler(1);
    const executor = new InProcessExecutor(remote);
    const dataset = scaled(3, 4);
    const run = () =>
      evaluate({
        forward: local.forward,
        guide: closeness,
        dataset,
        executor,
        parameters: local.parameters(),
      });
    expect((await run()).scores).toEqual(new Array(4).fill(1 - 1 / 3));
    expect(remote.factor.data).toBe(2);
    local.factor.data = 3;
    const after = await run();
    expect(after.scores).toEqual([1, 1, 1, 1]);
    expect(after.results.map((r) => r.output)).toEqual([3, 6, 9, 12]);
    expect(remote.factor.data).toBe(3);
    // without parameters the workers keep their own values
    remote.factor.data = 6;
    const own = await evaluate({ forward: local.forward, guide: closeness, dataset, executor });
    expect(executor.requests.at(-1)!.parameters).toEqual([]);
    expect(own.results.map((r) => r.output)).toEqual([6, 12, 18, 24]);
  });

  it("keeps the first outcome of a position and counts it once", async () => {
    const agent = scaler(3);
    const executor = new InProcessExecutor(agent, {
      report: (position, outcome) =>
        outcome.kind === "result"
          ? [
              [position, outcome],
              [position, { ...outcome, score: 0.25, feedback: "a late duplicate" }],
            ]
          : [[position, outcome]],
    });
    const progress: number[] = [];
    const result = await evaluate({
      forward: agent.forward,
      guide: closeness,
      dataset: scaled(3, 3),
      executor,
      onProgress: (done) => progress.push(done),
    });
    expect(result.scores).toEqual([1, 1, 1]);
    expect(result.results.map((r) => r.feedback)).toEqual(["Correct.", "Correct.", "Correct."]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it.each<[string, (position: number, outcome: RemoteOutcome) => [number, RemoteOutcome][]]>([
    ["a position it was not asked", (_p, outcome) => [[7, outcome]]],
    [
      "a position with another example's index",
      (p, outcome) => [[p, { ...outcome, index: outcome.index + 1 }]],
    ],
    ["a position that is not an integer", (p, outcome) => [[p + 0.5, outcome]]],
  ])("rejects an executor that reports %s (TRAINER_EXECUTOR_CONTRACT)", async (_what, report) => {
    const agent = scaler(3);
    const executor = new InProcessExecutor(agent, { order: "given", report });
    const error = await evaluate({
      forward: agent.forward,
      guide: closeness,
      dataset: scaled(3, 3),
      executor,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TraceError);
    expect((error as TraceError).code).toBe("TRAINER_EXECUTOR_CONTRACT");
    expect(executor.requests[0]!.signal.aborted).toBe(true);
  });

  it("rejects an executor that finishes with outcomes missing (TRAINER_EXECUTOR_CONTRACT)", async () => {
    const agent = scaler(3);
    const executor = new InProcessExecutor(agent, {
      report: (position, outcome) => (position === 1 ? [] : [[position, outcome]]),
    });
    const error = await evaluate({
      forward: agent.forward,
      guide: closeness,
      dataset: scaled(3, 3),
      executor,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TraceError);
    expect((error as TraceError).code).toBe("TRAINER_EXECUTOR_CONTRACT");
    expect((error as TraceError).message).toContain("2 of 3");
  });

  it("rejects with RemoteExampleError when the forward function throws outside traced operations", async () => {
    const agent = scaler(3);
    const executor = new InProcessExecutor(agent, { order: "given" });
    const dataset = [...scaled(3, 2), { id: "zero", input: 0, target: 0 }, ...scaled(3, 2, 3)];
    const error = await evaluate({ forward: agent.forward, guide: closeness, dataset, executor }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RemoteExampleError);
    const failure = error as RemoteExampleError;
    expect(failure.remoteCode).toBe("AGENT_FAILED");
    expect(failure.remoteName).toBe("AgentError");
    expect(failure.exampleIndex).toBe(2);
    expect(failure.message).toContain("glue code failed");
    // the executor was told to stop and ran nothing after the failure
    expect(executor.requests[0]!.signal.aborted).toBe(true);
    expect(executor.computed.map((o) => o.index)).toEqual([0, 1, 2]);
  });

  it.each([
    ["outage", "LLM_PROVIDER"],
    ["budget", "LLM_BUDGET_EXCEEDED"],
  ] as const)("rejects with a RemoteStopError that stops runs for a %s stop", async (reason, code) => {
    const agent = scaler(3);
    const executor = new InProcessExecutor(agent, { order: "given", report: stopInstead(reason, code) });
    const error = await evaluate({
      forward: agent.forward,
      guide: closeness,
      dataset: scaled(3, 3),
      executor,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteStopError);
    expect((error as RemoteStopError).stopsRun).toBe(reason);
    expect((error as RemoteStopError).remoteCode).toBe(code);
    expect((error as RemoteStopError).exampleIndex).toBe(0);
    expect(executor.requests[0]!.signal.aborted).toBe(true);
    expect(executor.computed).toHaveLength(1);
  });

  it("rejects with RunCancelledError when the caller aborts, and aborts the executor's signal", async () => {
    const agent = scaler(3);
    const executor = new InProcessExecutor(agent, { order: "given", hangAfter: 2 });
    const controller = new AbortController();
    const error = await evaluate({
      forward: agent.forward,
      guide: closeness,
      dataset: scaled(3, 5),
      executor,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 2) setTimeout(() => controller.abort(new Error("user pressed stop")), 0);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect(executor.requests[0]!.signal.aborted).toBe(true);
    expect(executor.computed).toHaveLength(2);
  });
});

describe("train with an executor", () => {
  /** A deterministic run (the optimizer's answer depends on the prompt only). */
  function setup(extra: Partial<TrainConfig<number, number, number>> = {}) {
    const s = multiplierSetup(1, (current, _i, prompt) => {
      const small = (prompt.match(/Too small/g) ?? []).length;
      const big = (prompt.match(/Too big/g) ?? []).length;
      return small > big ? current + 2 : big > small ? current - 1 : undefined;
    });
    const seen: number[] = [];
    const config: TrainConfig<number, number, number> = {
      agent: s.agent,
      optimizer: s.optimizer,
      forward: (x: number) => {
        seen.push(x);
        return s.forward(x);
      },
      guide: closeness,
      train: scaled(6, 12),
      validation: scaled(6, 3, 40),
      algorithm: minibatch({ keepIfImproves: true }),
      batchSize: 3,
      epochs: 2,
      seed: 11,
      concurrency: 1,
      progress: false,
      ...extra,
    };
    return { ...s, seen, config };
  }

  /** A worker agent: a multiplier in a fresh naming scope (its parameter is `factor:0` too). */
  function workerAgent(forward?: (x: number) => unknown) {
    const agent = multiplierSetup(1, () => undefined).agent;
    return {
      agent,
      seen: [] as number[],
      parameters: () => agent.parameters(),
      guide: closeness,
      forward: forward ?? ((x: number) => agent.forward(x)),
    };
  }

  const comparable = (r: TrainResult) => ({
    reason: r.reason,
    steps: r.steps,
    best: r.best,
    parameters: r.parameters,
    restoredBest: r.restoredBest,
  });

  it("runs the validation evaluations through the executor and the batches here, ending like a local run", async () => {
    const here = setup();
    const localEvals: unknown[] = [];
    const full = await train({
      ...here.config,
      onRecord: (r) => {
        if (r.type === "eval")
          localEvals.push({ split: r.split, label: r.label, step: r.step, scores: r.scores });
      },
    });
    expect(full.steps).toBeGreaterThanOrEqual(4);

    const there = setup();
    const worker = workerAgent();
    const workerInputs: number[] = [];
    const executor = new InProcessExecutor({
      ...worker,
      forward: (x: number) => {
        workerInputs.push(x);
        return worker.forward(x);
      },
    });
    const evals: unknown[] = [];
    const result = await train({
      ...there.config,
      executor,
      onRecord: (r) => {
        if (r.type === "eval") evals.push({ split: r.split, label: r.label, step: r.step, scores: r.scores });
      },
    });
    expect(comparable(result)).toEqual(comparable(full));
    expect(evals).toEqual(localEvals);
    expect(there.agent.factor.data).toBe(here.agent.factor.data);
    // one request per validation evaluation, each with the whole validation set and the values in effect
    expect(evals.length).toBeGreaterThanOrEqual(full.steps);
    expect(executor.requests).toHaveLength(evals.length);
    for (const request of executor.requests) {
      expect(request.items.map((i) => i.example.id)).toEqual(["x40", "x41", "x42"]);
      expect(request.parameters.map((p) => p.name)).toEqual(["factor:0"]);
    }
    // batches never went to the executor, validation never ran here
    expect(new Set(workerInputs)).toEqual(new Set([40, 41, 42]));
    expect(there.seen.length).toBeGreaterThan(0);
    expect(there.seen.every((x) => x >= 1 && x <= 12)).toBe(true);
    expect(here.seen.some((x) => x >= 40)).toBe(true);
  });

  it("counts outages reported during validation like local ones", async () => {
    const refused = () => {
      throw new ProviderError("connection refused (ECONNREFUSED 127.0.0.1:9)");
    };
    const local = setup({ maxConsecutiveOutages: 5 });
    let localCalls = 0;
    const localResult = await train({
      ...local.config,
      forward: (x: number) => {
        if (x >= 40) {
          localCalls++;
          refused();
        }
        return local.forward(x);
      },
    });

    const remote = setup({ maxConsecutiveOutages: 5 });
    const executor = new InProcessExecutor(workerAgent(refused), { order: "given" });
    const result = await train({ ...remote.config, executor });
    expect(localResult.reason).toBe("model-unavailable");
    expect(result.reason).toBe("model-unavailable");
    expect(result.steps).toBe(localResult.steps);
    expect(result.steps).toBe(0);
    expect(result.message).toContain("5 examples in a row failed");
    expect(result.message).toContain("ProviderError: connection refused");
    // the initial validation is tried again after three outages; the fifth stops the run
    expect(executor.computed).toHaveLength(5);
    expect(localCalls).toBe(5);
    expect(executor.computed.every((o) => o.kind === "stop" && o.code === "LLM_PROVIDER")).toBe(true);
    expect(executor.requests).toHaveLength(2);
    expect(executor.requests[0]!.signal.aborted).toBe(false);
    expect(executor.requests[1]!.signal.aborted).toBe(true);
  });

  it("stops with model-unavailable after maxConsecutiveOutages outages reported by the executor", async () => {
    const s = setup({ maxConsecutiveOutages: 2 });
    const executor = new InProcessExecutor(workerAgent(), {
      order: "given",
      report: stopInstead("outage", "LLM_RATE_LIMIT"),
    });
    const result = await train({ ...s.config, executor });
    expect(result.reason).toBe("model-unavailable");
    expect(result.steps).toBe(0);
    expect(result.message).toContain("2 examples in a row failed");
    expect(result.message).toContain("Stopped: LLM_RATE_LIMIT");
    expect(executor.computed).toHaveLength(2);
    expect(s.seen).toEqual([]);
  });
});
