import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { Budget, ProviderError, UsageTracker } from "@trace-ts/core";
import { enforceBudget, trackUsage, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  type Algorithm,
  beamSearch,
  bestOfN,
  exactMatch,
  minibatch,
  paretoSearch,
  prioritySearch,
  RUN_LOG_SCHEMA_PATH,
  readRunLog,
  resume,
  runLogSchema,
  streamingPrioritySearch,
  train,
  ucbSearch,
} from "@trace-ts/trainer";
import { Ajv } from "ajv";
import { adder, adderModelReply, additionExamples, JsonOptimizer } from "./helpers/agents.js";
import { closeness, multiplierSetup, scaled } from "./helpers/setup.js";
import { tempDirs } from "./helpers/tmp.js";

function validator() {
  const ajv = new Ajv({
    allErrors: true,
    allowUnionTypes: true,
    formats: { "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/ },
  });
  return ajv.compile(runLogSchema());
}

function expectValid(path: string): number {
  const validate = validator();
  const lines = readFileSync(path, "utf8").trim().split("\n");
  for (const [i, line] of lines.entries()) {
    const ok = validate(JSON.parse(line));
    if (!ok)
      throw new Error(
        `${path}:${i + 1} does not match the schema: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
      );
  }
  return lines.length;
}

const dir = tempDirs("trainer-schema-");

describe("run log schema", () => {
  it("ships with the package and is a draft-07 JSON Schema", () => {
    expect(RUN_LOG_SCHEMA_PATH).toMatch(/packages\/trainer\/schema\/run-log\.schema\.json$/);
    expect(runLogSchema().$schema).toBe("http://json-schema.org/draft-07/schema#");
  });

  const algorithms: [string, () => Algorithm][] = [
    ["minibatch", () => minibatch({ keepIfImproves: true })],
    ["best-of-n", () => bestOfN({ n: 2 })],
    ["beam-search", () => beamSearch({ width: 2, branches: 2 })],
    ["ucb-search", () => ucbSearch({ bufferSize: 2, evalSize: 2 })],
    ["priority-search", () => prioritySearch({ numCandidates: 2 })],
    ["streaming-priority-search", () => streamingPrioritySearch()],
    ["pareto-search", () => paretoSearch({ numProposals: 2, merge: { every: 2 } })],
  ];
  it.each(algorithms)("every record of a %s run validates", async (_name, algorithm) => {
    const d = dir();
    const { agent, optimizer } = multiplierSetup(1, (current, index) => current + 1 + (index % 2));
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 6),
      validation: scaled(4, 3, 10),
      test: scaled(4, 2, 20),
      algorithm: algorithm(),
      batchSize: 2,
      maxSteps: 3,
      checkpoint: join(d, "cp.json"),
      log: join(d, "log.jsonl"),
      progress: false,
    });
    const records = await readRunLog(join(d, "log.jsonl"));
    expect(records.map((r) => r.type)).toContain("step");
    expect(expectValid(join(d, "log.jsonl"))).toBe(records.length);
  });

  it("records with errors, rejections, budget stops, resumes and costs validate", async () => {
    const d = dir();
    const budget = new Budget({ maxTokens: 500, defaultMaxOutputTokens: 20 });
    const usage = new UsageTracker({ prices: { scripted: { inputPerMillion: 1, outputPerMillion: 2 } } });
    const agent = adder(
      wrapModel(
        new ScriptedModel((r) => adderModelReply(r.messages)),
        trackUsage(usage),
        enforceBudget(budget),
      ),
    );
    const optimizer = new JsonOptimizer(agent.parameters(), {
      model: wrapModel(
        new ScriptedModel(['{"suggestion": {"nope": 1, "instruction0": 5}}', "not json"], {
          whenExhausted: "repeat-last",
        }),
        trackUsage(usage),
      ),
    });
    const config = {
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(60),
      batchSize: 3,
      budget,
      usage,
      checkpoint: join(d, "cp.json"),
      log: join(d, "log.jsonl"),
      progress: false as const,
    };
    const first = await train(config);
    expect(first.reason).toBe("budget");
    budget.reset();
    const second = await resume({ ...config, maxSteps: first.steps + 1 });
    expect(second.resumed).toBe(true);
    const records = await readRunLog(join(d, "log.jsonl"));
    expect(records.some((r) => r.type === "resume")).toBe(true);
    const step = records.find((r) => r.type === "step");
    expect(step && step.type === "step" && step.proposals[0]!.rejected.length).toBeGreaterThan(0);
    expect(step && step.type === "step" && step.usage.cost).toBeGreaterThan(0);
    expectValid(join(d, "log.jsonl"));
  });

  it("records of model outages, skipped steps and a model-unavailable end validate", async () => {
    const d = dir();
    // answers are right from the start (batches are perfect) but every fifth call is refused;
    // from call 14 on the model is down
    const agentModel = new ScriptedModel((r, i) =>
      i >= 14 || i % 5 === 2 ? new ProviderError("connection refused") : adderModelReply(r.messages),
    );
    const agent = adder(agentModel, "Add the numbers. Reply with digits only.");
    const optimizer = new JsonOptimizer(agent.parameters(), {
      model: new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" }),
    });
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(12),
      validation: additionExamples(3, 40),
      batchSize: 3,
      concurrency: 1,
      maxConsecutiveOutages: 3,
      log: join(d, "log.jsonl"),
      progress: false,
    });
    expect(result.reason).toBe("model-unavailable");
    const records = await readRunLog(join(d, "log.jsonl"));
    const text = JSON.stringify(records);
    expect(text).toContain('"outages":[{"index"');
    expect(text).toContain('"skipped":"perfect-batch"');
    expect(records.at(-1)).toMatchObject({ type: "end", reason: "model-unavailable" });
    expectValid(join(d, "log.jsonl"));
  });

  it("rejects records that break it (the check can fail)", () => {
    const validate = validator();
    expect(validate({ type: "eval", time: "2026-01-01T00:00:00.000Z", step: 0 })).toBe(false);
    expect(validate({ type: "mystery" })).toBe(false);
    expect(
      validate({
        type: "resume",
        time: "2026-01-01T00:00:00.000Z",
        step: -1,
        checkpoint: "x",
      }),
    ).toBe(false);
    expect(validate({ type: "resume", time: "2026-01-01T00:00:00.000Z", step: 1, checkpoint: "x" })).toBe(
      true,
    );
    const evalRecord = {
      type: "eval",
      time: "2026-01-01T00:00:00.000Z",
      step: 0,
      split: "validation",
      label: "initial",
      indices: [0, 2],
      scores: [1, 0],
      mean: 0.5,
      errors: 0,
      durationMs: 1,
    };
    expect(validate(evalRecord)).toBe(true);
    expect(validate({ ...evalRecord, outages: [{ index: 1, error: "ProviderError: down" }] })).toBe(true);
    expect(validate({ ...evalRecord, outages: [] })).toBe(false);
    expect(validate({ ...evalRecord, outages: [{ index: 1 }] })).toBe(false);
  });
});
