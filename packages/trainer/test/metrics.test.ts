/**
 * Metrics and objectives in evaluation and training: guide metrics, automatic usage metrics per
 * example, selection by a weighted or Pareto objective, and the objective in logs and checkpoints.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { InvalidOptionError, UsageTracker } from "@trace-ts/core";
import { trackUsage, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  AUTOMATIC_METRICS,
  bestOfN,
  CheckpointMismatchError,
  type Example,
  evaluate,
  exactMatch,
  GuideError,
  guide,
  type ObjectiveConfig,
  resume,
  train,
} from "@trace-ts/trainer";
import { adder, adderModelReply, additionExamples } from "./helpers/agents.js";
import { multiplierSetup, recorder, scaled } from "./helpers/setup.js";
import { tempDirs } from "./helpers/tmp.js";

const dir = tempDirs("trainer-metrics-");

/** closeness to the target, and the square of the factor used (output / input) as a `cost` to minimize. */
const costly = guide(
  (out: number, ex: Example<number, number>) => {
    const t = ex.target!;
    const score = Math.max(0, 1 - Math.abs(out - t) / Math.abs(t));
    return { score, feedback: out < t ? "Too small." : "OK.", metrics: { cost: (out / ex.input) ** 2 } };
  },
  { name: "costly" },
);

describe("metrics of examples", () => {
  it("each result carries its score, latency and — with a usage tracker — its own calls' tokens and cost", async () => {
    const tracker = new UsageTracker({
      prices: { scripted: { inputPerMillion: 1_000_000, outputPerMillion: 0 } },
    });
    // input tokens = the first number of the question, so every example's usage differs
    const model = wrapModel(
      new ScriptedModel(
        (r) => {
          const a = Number(/(\d+)\s*\+/.exec(String(r.messages.at(-1)?.content))?.[1]);
          return { text: adderModelReply(r.messages), usage: { inputTokens: a, outputTokens: 1 } };
        },
        { latencyMs: 4 },
      ),
      trackUsage(tracker),
    );
    const agent = adder(model, "Reply with digits only.");
    const data = additionExamples(8, 10);
    const result = await evaluate({
      forward: agent.forward,
      guide: exactMatch(),
      dataset: data,
      concurrency: 4,
      usage: tracker,
    });
    result.results.forEach((r, i) => {
      expect(r.metrics).toMatchObject({ score: 1, tokens: 10 + i + 1, modelCalls: 1, cost: 10 + i });
      expect(r.metrics.latencyMs).toBeGreaterThanOrEqual(0);
    });
    expect(result.metrics.cost).toBeCloseTo(13.5);
    // with a priced tracker every automatic metric is measured
    expect(Object.keys(result.results[0]!.metrics).sort()).toEqual([...AUTOMATIC_METRICS, "score"].sort());
    expect(result.metrics.modelCalls).toBe(1);
    // without prices there is no cost; without a tracker, no usage metrics at all
    const unpriced = new UsageTracker();
    const plain = await evaluate({
      forward: adder(wrapModel(new ScriptedModel((r) => adderModelReply(r.messages)), trackUsage(unpriced)))
        .forward,
      guide: exactMatch(),
      dataset: data.slice(0, 2),
      usage: unpriced,
    });
    expect(plain.results[0]!.metrics).toHaveProperty("tokens");
    expect(plain.results[0]!.metrics).not.toHaveProperty("cost");
    const none = await evaluate({
      forward: adder(new ScriptedModel((r) => adderModelReply(r.messages))).forward,
      guide: exactMatch(),
      dataset: data.slice(0, 1),
    });
    expect(Object.keys(none.results[0]!.metrics).sort()).toEqual(["latencyMs", "score"]);
  });

  it("a guide's metrics are kept (and win over automatic ones); bad ones are a GuideError", async () => {
    const { forward } = multiplierSetup(2, () => undefined);
    const withMetrics = await evaluate({
      forward,
      guide: guide((out: number) => ({ score: 1, feedback: "", metrics: { size: out, latencyMs: 1 } })),
      dataset: scaled(2, 3),
    });
    expect(withMetrics.results.map((r) => r.metrics)).toEqual([
      { score: 1, latencyMs: 1, size: 2 },
      { score: 1, latencyMs: 1, size: 4 },
      { score: 1, latencyMs: 1, size: 6 },
    ]);
    expect(withMetrics.metrics).toEqual({ latencyMs: 1, score: 1, size: 4 });
    for (const metrics of [{ score: 1 }, { x: Number.NaN }, { x: "1" }, [1], { "": 1 }]) {
      await expect(
        evaluate({
          forward,
          guide: guide(() => ({ score: 1, feedback: "", metrics }) as never),
          dataset: scaled(2, 1),
        }),
      ).rejects.toThrow(GuideError);
    }
  });
});

describe("training with an objective", () => {
  // two candidates per step: the exact factor 3 (score 1, cost 9) and a cheaper 2 (score 2/3, cost 4);
  // the start, factor 1, has score 1/3 and cost 1
  const setup = () => multiplierSetup(1, (_current, index) => (index % 2 === 0 ? 3 : 2));
  const run = async (objective: ObjectiveConfig | undefined, extra: object = {}) => {
    const s = setup();
    const log = recorder();
    const result = await train({
      forward: s.forward,
      guide: costly,
      optimizer: s.optimizer,
      train: scaled(3, 4),
      validation: scaled(3, 3, 10),
      algorithm: bestOfN({ n: 2 }),
      batchSize: 2,
      maxSteps: 1,
      progress: false,
      ...(objective ? { objective } : {}),
      onRecord: log.onRecord,
      ...extra,
    });
    return { s, result, records: log.records };
  };

  it("best-of-N keeps the candidate the objective prefers", async () => {
    const plain = await run(undefined);
    expect(plain.s.agent.factor.data).toBe(3);
    // score − 0.09·cost: 0.19 for factor 3, 0.31 for 2, 0.24 for 1
    const weighted = await run({ kind: "weighted", weights: { score: 1, cost: 0.09 }, minimize: ["cost"] });
    expect(weighted.s.agent.factor.data).toBe(2);
    // the run's scores are the objective's value
    expect(weighted.result.best?.score).toBeCloseTo(2 / 3 - 0.36);
    const runRecord = weighted.records.find((r) => r.type === "run");
    expect(runRecord?.type === "run" && runRecord.objective).toEqual({
      kind: "weighted",
      weights: { score: 1, cost: 0.09 },
      minimize: ["cost"],
      missing: "worst",
      tieBreak: "first",
    });
    const step = weighted.records.find((r) => r.type === "step");
    expect(step?.type === "step" && step.score?.metrics).toMatchObject({ cost: 4 });
    const evals = weighted.records.filter((r) => r.type === "eval");
    expect(
      evals.every((r) => r.type === "eval" && r.value !== undefined && r.metrics?.cost !== undefined),
    ).toBe(true);
  });

  it("with a Pareto objective no candidate replaces parameters it does not dominate", async () => {
    // factor 1 (score 1/3, cost 1) is dominated neither by 3 nor by 2 (better scores, higher costs)
    const pareto = await run({ kind: "pareto", metrics: ["score", "cost"], minimize: ["cost"] });
    expect(pareto.s.agent.factor.data).toBe(1);
    const step = pareto.records.find((r) => r.type === "step");
    expect(step?.type === "step" && step.kept).toBe(false);
  });

  it("refuses an objective that reads a metric no example measures", async () => {
    await expect(run({ kind: "weighted", weights: { score: 1, brevity: 1 } })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(run({ kind: "weighted", weights: { score: 1, brevity: 1 } })).rejects.toThrow(/brevity/);
  });

  it("a checkpoint records the objective: resuming with another is refused, an older one without it is the default", async () => {
    const d = dir();
    const checkpoint = join(d, "cp.json");
    const weighted: ObjectiveConfig = {
      kind: "weighted",
      weights: { score: 1, cost: 0.5 },
      minimize: ["cost"],
    };
    await run(weighted, { checkpoint });
    const saved = JSON.parse(readFileSync(checkpoint, "utf8")) as Record<string, unknown>;
    expect(saved.objective).toMatchObject({ kind: "weighted" });
    const again = setup();
    const config = {
      forward: again.forward,
      guide: costly,
      optimizer: again.optimizer,
      train: scaled(3, 4),
      validation: scaled(3, 3, 10),
      algorithm: bestOfN({ n: 2 }),
      batchSize: 2,
      maxSteps: 2,
      progress: false as const,
      checkpoint,
    };
    await expect(resume(config)).rejects.toThrow(CheckpointMismatchError);
    await expect(resume(config)).rejects.toThrow(/objective/);
    // a checkpoint written before objectives existed has no objective: it continues under the default
    delete saved.objective;
    writeFileSync(checkpoint, JSON.stringify(saved));
    const resumed = await resume(config);
    expect(resumed.steps).toBe(2);
    await expect(resume({ ...config, maxSteps: 3, objective: weighted })).rejects.toThrow(/objective/);
  });
});
