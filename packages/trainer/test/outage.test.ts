/**
 * Model outages are not feedback: an example whose model could not be used is left out (not
 * scored, nothing sent backward, never shown to the optimizer) and counted; enough of them in a
 * row stop the run with reason `model-unavailable`, keeping the checkpoint and the best parameters.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import {
  bundle,
  callLLM,
  InvalidOptionError,
  InvalidRequestError,
  Optimizer,
  type ParameterNode,
  type Proposal,
  ProviderError,
  RateLimitError,
  type StepOptions,
} from "@trace-ts/core";
import { ModelCallLog } from "@trace-ts/core/optimizer";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  evaluate,
  exactMatch,
  llmJudge,
  ModelUnavailableError,
  readCheckpoint,
  readRunLog,
  runLogSchema,
  type StepRecord,
  train,
} from "@trace-ts/trainer";
import { Ajv } from "ajv";
import { adder, adderModelReply, additionExamples, JsonOptimizer, promptFeedback } from "./helpers/agents.js";
import { recorder } from "./helpers/setup.js";
import { tempDirs } from "./helpers/tmp.js";

const tempDir = tempDirs("trainer-outage-");
const refused = () => new ProviderError("connection refused (ECONNREFUSED 127.0.0.1:9)");
const FIX = "Add the numbers. Reply with digits only.";

/** An optimizer model that always proposes the fix for the adder's instruction. */
function fixingModel(key: () => string): ScriptedModel {
  return new ScriptedModel(() => JSON.stringify({ suggestion: { [key()]: FIX } }));
}

function expectValidLog(path: string): void {
  const validate = new Ajv({
    allErrors: true,
    allowUnionTypes: true,
    formats: { "date-time": true },
  }).compile(runLogSchema());
  for (const line of readFileSync(path, "utf8").trim().split("\n")) {
    if (!validate(JSON.parse(line))) throw new Error(`${line}\n${JSON.stringify(validate.errors)}`);
  }
}

describe("model outages during training", () => {
  it("stops with model-unavailable when the model goes down, keeping the checkpoint and the best parameters", async () => {
    const dir = tempDir();
    // the agent's model answers 12 calls, then every connection is refused
    const agentModel = new ScriptedModel((r, i) => (i >= 12 ? refused() : adderModelReply(r.messages)));
    const agent = adder(agentModel);
    const optimizerModel = fixingModel(() => agent.prompt.key);
    const optimizer = new JsonOptimizer(agent.parameters(), { model: optimizerModel });
    const data = additionExamples(16);
    const { records, onRecord } = recorder();
    const started = performance.now();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: data.slice(0, 12),
      validation: data.slice(12),
      test: data.slice(0, 2),
      batchSize: 4,
      concurrency: 1,
      epochs: 3,
      checkpoint: join(dir, "cp.json"),
      log: join(dir, "log.jsonl"),
      onRecord,
      progress: false,
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result.reason).toBe("model-unavailable");
    expect(result.message).toContain("5 examples in a row failed");
    expect(result.message).toContain("ProviderError: connection refused");
    // calls 0-3 initial validation, 4-7 step 1, 8-11 validation after step 1; then the batch of
    // step 2 is refused four times, run again, and the fifth refusal in a row stops the run
    expect(agentModel.callCount).toBe(17);
    expect(result.steps).toBe(1);
    expect(result.best).toEqual({ score: 1, step: 1 });
    expect(result.restoredBest).toBe(true);
    expect(agent.prompt.data).toBe(FIX);
    expect(result.test).toBeNull(); // no test evaluation against a model that is down
    // the optimizer was asked once, with feedback about answers, never about the outage
    expect(optimizerModel.callCount).toBe(1);
    expect(optimizerModel.prompts.join("\n")).not.toMatch(/ProviderError|refused/);
    // the checkpoint is the one of the last completed step
    const cp = await readCheckpoint(join(dir, "cp.json"));
    expect(cp.step).toBe(1);
    expect(cp.finished).toBeNull();
    expect(cp.parameters[0]!.value).toBe(FIX);
    const end = records.at(-1)!;
    expect(end).toMatchObject({ type: "end", reason: "model-unavailable", step: 1 });
    const logged = await readRunLog(join(dir, "log.jsonl"));
    expect(logged.at(-1)).toMatchObject({ type: "end", reason: "model-unavailable" });
    expectValidLog(join(dir, "log.jsonl"));
  });

  it("leaves out examples a sporadic outage hit: no score, no backward, logged as outages", async () => {
    // every fourth call of the agent's model is refused (one example per batch of 4)
    const agentModel = new ScriptedModel((r, i) => (i % 4 === 1 ? refused() : adderModelReply(r.messages)));
    const agent = adder(agentModel);
    const optimizerModel = new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" });
    const optimizer = new JsonOptimizer(agent.parameters(), { model: optimizerModel });
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(8),
      validation: additionExamples(4, 50),
      batchSize: 4,
      concurrency: 1,
      shuffle: false,
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("completed");
    expect(result.steps).toBe(2);
    const steps = records.filter((r): r is StepRecord => r.type === "step");
    for (const step of steps) {
      expect(step.batch.outages).toHaveLength(1);
      expect(step.batch.outages![0]!.error).toMatch(/^ProviderError: connection refused/);
      expect(step.batch.indices).toHaveLength(3);
      expect(step.batch.scores).toHaveLength(3);
      expect(step.batch.feedback).toHaveLength(3);
      expect(step.batch.indices).not.toContain(step.batch.outages![0]!.index);
    }
    // the optimizer saw three feedback lines per step, none about the outage
    expect(optimizerModel.prompts.map((p) => promptFeedback(p).length)).toEqual([3, 3]);
    expect(optimizerModel.prompts.join("\n")).not.toMatch(/ProviderError|refused/);
    const initial = records.find((r) => r.type === "eval" && r.label === "initial");
    expect(initial).toMatchObject({ indices: [0, 2, 3], scores: [0, 0, 0], outages: [{ index: 1 }] });
  });

  it("counts the optimizer's reported outages separately and stops at the limit", async () => {
    const agentModel = new ScriptedModel((r) => adderModelReply(r.messages));
    const agent = adder(agentModel);
    const optimizerModel = new ScriptedModel(() => new RateLimitError("429 too many requests"));
    const optimizer = new JsonOptimizer(agent.parameters(), { model: optimizerModel });
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(20),
      batchSize: 2,
      maxConsecutiveOutages: 3,
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("model-unavailable");
    expect(result.message).toContain("3 optimizer calls in a row failed");
    expect(result.message).toContain("RateLimitError");
    // steps 1 and 2 went on without an update; the third outage undid step 3 and stopped the run
    expect(result.steps).toBe(2);
    expect(optimizerModel.callCount).toBe(3);
    const steps = records.filter((r): r is StepRecord => r.type === "step");
    expect(steps.map((s) => s.note)).toEqual([
      expect.stringContaining("429 too many requests"),
      expect.stringContaining("429 too many requests"),
    ]);

    // an optimizer call that gets through ends the run of outages
    const flaky = adder(new ScriptedModel((r) => adderModelReply(r.messages)));
    const sometimes = new ScriptedModel((_r, i) =>
      i % 3 === 2 ? '{"suggestion": {}}' : new RateLimitError("429 too many requests"),
    );
    const goesOn = await train({
      agent: flaky,
      optimizer: new JsonOptimizer(flaky.parameters(), { model: sometimes }),
      forward: flaky.forward,
      guide: exactMatch(),
      train: additionExamples(20),
      batchSize: 2,
      maxConsecutiveOutages: 3,
      progress: false,
    });
    expect(goesOn.reason).toBe("completed");
    expect(goesOn.steps).toBe(10);
  });

  it("takes a step again when the optimizer throws an outage, up to the limit", async () => {
    class ThrowingOptimizer extends Optimizer {
      readonly name = "ThrowingOptimizer";
      calls = 0;
      constructor(parameters: Iterable<ParameterNode>) {
        super(parameters);
      }
      async propose(options: StepOptions = {}): Promise<Proposal> {
        this.calls++;
        const log = new ModelCallLog();
        await log.generate(new ScriptedModel([refused()]), { messages: [], ...options }, "propose");
        throw new Error("unreachable");
      }
    }
    const dir = tempDir();
    const agentModel = new ScriptedModel((r) => adderModelReply(r.messages));
    const agent = adder(agentModel);
    const optimizer = new ThrowingOptimizer(agent.parameters());
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(8),
      batchSize: 2,
      maxConsecutiveOutages: 2,
      log: join(dir, "log.jsonl"),
      progress: false,
    });
    expect(result.reason).toBe("model-unavailable");
    expect(result.steps).toBe(0);
    expect(optimizer.calls).toBe(2);
    expect(agentModel.callCount).toBe(4); // the same batch, run for each try
    // the records of the undone try were cut from the log
    expect((await readRunLog(join(dir, "log.jsonl"))).map((r) => r.type)).toEqual(["run", "end"]);
  });

  it("stops when trainable code catches the outage and rewraps it", async () => {
    // the first call fails about the request (feedback), every later one with a refused connection
    const model = new ScriptedModel((_r, i) =>
      i === 0 ? new InvalidRequestError("prompt too long", { status: 400 }) : refused(),
    );
    const ask = async (question: string): Promise<string> =>
      (await callLLM("Answer with a number.", question, { model })).data;
    const solve = bundle(async (question: string): Promise<string> => ask(question), {
      trainable: true,
      name: "solve",
      scope: () => ({ ask }),
    });
    solve.setSource(
      'async (question) => {\n  try {\n    return await ask(question);\n  } catch (e) {\n    throw new Error("could not answer: " + e.message);\n  }\n}',
    );
    const optimizerModel = new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" });
    const optimizer = new JsonOptimizer([solve.parameter!], { model: optimizerModel });
    const { records, onRecord } = recorder();
    const result = await train({
      optimizer,
      forward: (question: string) => solve(question),
      guide: exactMatch(),
      train: additionExamples(6),
      batchSize: 3,
      concurrency: 1,
      shuffle: false,
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("model-unavailable");
    expect(result.message).toContain("ProviderError: connection refused");
    // step 1: the rewrapped request error is feedback, the two refusals are left out; step 2:
    // three more refusals make five in a row
    expect(result.steps).toBe(1);
    expect(model.callCount).toBe(6);
    const [step] = records.filter((r): r is StepRecord => r.type === "step");
    expect(step!.batch.errors).toBe(1);
    expect(step!.batch.feedback[0]).toMatch(/could not answer: .*prompt too long/);
    expect(step!.batch.outages!.map((o) => o.index)).toEqual([1, 2]);
    expect(optimizerModel.callCount).toBe(1);
    expect(optimizerModel.prompts[0]).toMatch(/could not answer: .*prompt too long/);
    expect(optimizerModel.prompts[0]).not.toMatch(/refused|ProviderError/);
  });

  it("counts an LLM judge's outages like the agent's", async () => {
    const agent = adder(new ScriptedModel((r) => adderModelReply(r.messages)));
    const judgeModel = new ScriptedModel(() => new ProviderError("bad gateway", { status: 502 }));
    const optimizerModel = new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" });
    const result = await train({
      agent,
      optimizer: new JsonOptimizer(agent.parameters(), { model: optimizerModel }),
      forward: agent.forward,
      guide: llmJudge({ model: judgeModel }),
      train: additionExamples(8),
      batchSize: 4,
      maxConsecutiveOutages: 4,
      progress: false,
    });
    expect(result.reason).toBe("model-unavailable");
    expect(result.message).toContain("bad gateway");
    expect(optimizerModel.callCount).toBe(0);
  });

  it("evaluate() rejects with the outage; train() checks maxConsecutiveOutages", async () => {
    const agent = adder(new ScriptedModel(() => refused()));
    const error = await evaluate({
      forward: agent.forward,
      guide: exactMatch(),
      dataset: additionExamples(3),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    await expect(
      train({
        agent,
        forward: agent.forward,
        optimizer: new JsonOptimizer(agent.parameters(), { model: new ScriptedModel([]) }),
        guide: exactMatch(),
        train: additionExamples(3),
        maxConsecutiveOutages: 0,
        progress: false,
      }),
    ).rejects.toThrow(InvalidOptionError);
    const stop = new ModelUnavailableError("examples", 5, refused());
    expect(stop.code).toBe("MODEL_UNAVAILABLE");
    expect(stop.stopsRun).toBe("outage");
    expect(stop.modelError).toMatch(/^ProviderError: connection refused/);
  });
});
