import { describe, expect, it } from "@jest/globals";
import {
  Budget,
  createContainer,
  ExceptionNode,
  InvalidOptionError,
  node,
  ops,
  registerOptimizer,
} from "@trace-ts/core";
import { enforceBudget, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  AgentError,
  agentOf,
  Dataset,
  exactMatch,
  ForwardOutputError,
  minibatch,
  type StepRecord,
  train,
} from "@trace-ts/trainer";
import {
  adder,
  adderModelReply,
  additionExamples,
  JsonOptimizer,
  promptFeedback,
  promptVariables,
  userText,
} from "./helpers/agents.js";
import { closeness, multiplierSetup, recorder, scaled } from "./helpers/setup.js";

const steps = (records: readonly { type: string }[]) =>
  records.filter((r): r is StepRecord => r.type === "step");

describe("train: minibatch", () => {
  it("runs every example, sends each output its own feedback and takes one step per batch", async () => {
    const agentModel = new ScriptedModel((r) => adderModelReply(r.messages));
    const agent = adder(agentModel);
    const optimizerModel = new ScriptedModel((r) => {
      const vars = promptVariables(userText(r.messages));
      const key = Object.keys(vars)[0]!;
      return JSON.stringify({
        reasoning: "answers must be bare numbers",
        suggestion: { [key]: "Add the numbers. Reply with digits only." },
      });
    });
    const optimizer = new JsonOptimizer(agent.parameters(), { model: optimizerModel });
    const data = additionExamples(4);
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: data,
      batchSize: 4,
      maxSteps: 1,
      logContent: { messages: true },
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("max-steps");
    expect(result.steps).toBe(1);
    expect(agentModel.callCount).toBe(4);
    expect(optimizerModel.callCount).toBe(1);
    // one feedback line per example, each naming its own expected answer
    const feedback = promptFeedback(optimizerModel.prompts[0]!);
    expect(feedback).toHaveLength(4);
    for (const example of data) {
      expect(feedback.filter((f) => f.includes(`expected "${example.target}"`))).toHaveLength(1);
    }
    expect(agent.prompt.data).toBe("Add the numbers. Reply with digits only.");
    const [step] = steps(records);
    expect(step!.batch.feedback).toHaveLength(4);
    expect(new Set(step!.batch.feedback).size).toBe(4);
    expect(step!.batch.scores).toEqual([0, 0, 0, 0]);
    expect(step!.applied).toEqual([
      {
        key: agent.prompt.key,
        name: agent.prompt.name,
        before: "Add the numbers.",
        after: "Add the numbers. Reply with digits only.",
      },
    ]);
    expect(step!.diff).toContain("+ Add the numbers. Reply with digits only.");
    expect(step!.proposals[0]!.calls[0]!.prompt[1]!.content).toContain("FEEDBACK");
    expect(step!.proposals[0]!.calls[0]!.response).toContain("digits only");
    expect(step!.proposals[0]!.reasoning).toBe("answers must be bare numbers");
    expect(step!.usage.calls).toBe(1);
    expect(step!.usage.inputTokens).toBeGreaterThan(0);
    expect(step!.usage.cost).toBeNull();
  });

  it("turns agent errors into feedback that reaches the optimizer", async () => {
    const agentModel = new ScriptedModel((r) => adderModelReply(r.messages));
    const agent = adder(agentModel);
    const optimizer = new JsonOptimizer(agent.parameters(), {
      model: new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" }),
    });
    const data = additionExamples(3).map((e) => ({ ...e, target: Number(e.target) }));
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      // the reply "The sum is N." is not JSON: parseJSON throws inside a traced operation
      forward: async (q: string, ctx) => ops.parseJSON(await agent.forward(q, ctx)),
      guide: exactMatch(),
      train: data,
      batchSize: 3,
      maxSteps: 1,
      logContent: { messages: true },
      onRecord,
      progress: false,
    });
    const [step] = steps(records);
    expect(step!.batch.errors).toBe(3);
    expect(step!.batch.scores).toEqual([0, 0, 0]);
    expect(step!.batch.feedback[0]).toContain("parseJSON threw SyntaxError");
    const prompt = step!.proposals[0]!.calls[0]!.prompt[1]!.content;
    expect(promptFeedback(prompt).filter((f) => f.includes("parseJSON threw SyntaxError"))).toHaveLength(3);
    expect(optimizer.parameters[0]!.feedback.some((f) => f.record.output instanceof ExceptionNode)).toBe(
      true,
    );
  });

  it("keepIfImproves reverts an update that does not raise the validation score", async () => {
    // step 1 proposes 10 (worse than 2 for target 3), step 2 proposes 3 (better)
    const { agent, optimizer } = multiplierSetup(2, (_current, index) => (index === 0 ? 10 : 3));
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      validation: scaled(3, 3, 10),
      algorithm: minibatch({ keepIfImproves: true }),
      batchSize: 2,
      maxSteps: 2,
      onRecord,
      progress: false,
    });
    const [first, second] = steps(records);
    expect(first!.kept).toBe(false);
    expect(first!.note).toMatch(/^reverted: validation score/);
    expect(first!.applied).toEqual([]);
    expect(first!.proposals[0]!.applied[0]!.after).toBe(10);
    expect(second!.kept).toBe(true);
    expect(second!.score).toEqual({ value: 1, on: "validation" });
    expect(agent.factor.data).toBe(3);
    expect(result.best).toEqual({ score: 1, step: 2 });
    const evals = records.filter((r) => r.type === "eval").map((r) => (r as { label: string }).label);
    expect(evals).toEqual(["initial", "after step", "after step"]);
  });

  it("stops cleanly when the budget is spent and keeps the best parameters", async () => {
    // each optimizer call costs 200 tokens; 450 allow two calls, the third is refused
    const budget = new Budget({
      maxTokens: 450,
      defaultMaxOutputTokens: 100,
      estimateInputTokens: () => 100,
    });
    const { agent, optimizer } = multiplierSetup(1, (_c, index) => [3, 10, 4][index], {
      wrap: (m) => wrapModel(m, enforceBudget(budget)),
      usage: { inputTokens: 100, outputTokens: 100 },
    });
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 8),
      validation: scaled(3, 3, 20),
      batchSize: 2,
      epochs: 3,
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("budget");
    expect(result.message).toContain("token budget exceeded");
    expect(result.steps).toBe(2);
    expect(result.best).toEqual({ score: 1, step: 1 });
    // step 2 moved the factor to 10 (plain minibatch keeps it); the best (3) is restored
    expect(steps(records)[1]!.applied[0]!.after).toBe(10);
    expect(agent.factor.data).toBe(3);
    expect(result.restoredBest).toBe(true);
    const end = records.at(-1)!;
    expect(end).toMatchObject({
      type: "end",
      reason: "budget",
      restoredBest: true,
      best: { score: 1, step: 1 },
    });
    expect(end.type === "end" && end.parameters[0]!.value).toBe(3);
  });

  it("stops on a budget refusal inside the agent's forward pass too", async () => {
    const budget = new Budget({ maxTokens: 300, defaultMaxOutputTokens: 20 });
    const agentModel = wrapModel(
      new ScriptedModel((r) => adderModelReply(r.messages)),
      enforceBudget(budget),
    );
    const agent = adder(agentModel);
    const optimizer = new JsonOptimizer(agent.parameters(), {
      model: new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" }),
    });
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(40),
      batchSize: 4,
      concurrency: 2,
      progress: false,
    });
    expect(result.reason).toBe("budget");
    expect(result.steps).toBeGreaterThan(0);
    expect(result.steps).toBeLessThan(10);
  });

  it("stops on cancellation between or within steps, keeping the best parameters", async () => {
    const { agent, optimizer } = multiplierSetup(1, (current) => current + 1, { latencyMs: 5 });
    const controller = new AbortController();
    const { onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 20),
      validation: scaled(3, 3, 30),
      batchSize: 2,
      signal: controller.signal,
      onRecord: (r) => {
        onRecord(r);
        // abort while step 3 evaluates (after the optimizer moved the factor to 4)
        if (r.type === "step" && r.step === 2) setTimeout(() => controller.abort(), 0);
      },
      progress: false,
    });
    expect(result.reason).toBe("cancelled");
    expect(result.steps).toBe(2);
    expect(result.best).toEqual({ score: 1, step: 2 });
    expect(agent.factor.data).toBe(3);
  });

  it("stops early on patience, on a target score and on TERMINATE", async () => {
    const flat = multiplierSetup(2, () => 2.5);
    const patience = await train({
      agent: flat.agent,
      optimizer: flat.optimizer,
      forward: flat.forward,
      guide: closeness,
      train: scaled(3, 20),
      validation: scaled(3, 2, 50),
      batchSize: 2,
      earlyStop: { patience: 2 },
      progress: false,
    });
    expect(patience.reason).toBe("early-stop");
    expect(patience.steps).toBe(3); // improved once (2 → 2.5), then two steps without improvement

    const climb = multiplierSetup(1, (c) => c + 1);
    const target = await train({
      agent: climb.agent,
      optimizer: climb.optimizer,
      forward: climb.forward,
      guide: closeness,
      train: scaled(3, 20),
      validation: scaled(3, 2, 50),
      batchSize: 2,
      earlyStop: { target: 0.99 },
      progress: false,
    });
    expect(target.reason).toBe("target-reached");
    expect(target.steps).toBe(2);

    const agent = adder(new ScriptedModel((r) => adderModelReply(r.messages)));
    const done = new JsonOptimizer(agent.parameters(), {
      model: new ScriptedModel(['{"terminate": true}'], { whenExhausted: "repeat-last" }),
    });
    const stopped = await train({
      agent,
      optimizer: done,
      forward: agent.forward,
      guide: exactMatch(),
      train: additionExamples(8),
      batchSize: 2,
      earlyStop: { onTerminate: true },
      progress: false,
    });
    expect(stopped.reason).toBe("terminated");
    expect(stopped.steps).toBe(1);
  });

  it("runs the epochs given and evaluates the test set at the end", async () => {
    const { agent, optimizer } = multiplierSetup(3, () => undefined);
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: Dataset.from(scaled(3, 5)),
      test: scaled(3, 4, 100),
      batchSize: 2,
      epochs: 2,
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("completed");
    expect(result.steps).toBe(6); // 3 batches per epoch (2, 2, 1)
    expect(steps(records).map((s) => s.epoch)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(steps(records).map((s) => s.batch.indices.length)).toEqual([2, 2, 1, 2, 2, 1]);
    expect(result.test?.mean).toBe(1);
    expect(records.at(-2)).toMatchObject({ type: "eval", split: "test", label: "final" });
    // plain minibatch training without a validation set never scores the parameters it ends with,
    // so there is no "best" to go back to: the run ends with the latest parameters
    expect(result.best).toBeNull();
    expect(result.restoredBest).toBe(false);
  });

  it("builds the container's default optimizer for the agent when none is given", async () => {
    const { agent, model } = multiplierSetup(1, (current) => current + 1);
    const container = createContainer();
    registerOptimizer(container, (parameters) => new JsonOptimizer(parameters, { model }));
    const result = await train({
      agent,
      container,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      batchSize: 2,
      progress: false,
    });
    expect(result.steps).toBe(2);
    expect(model.callCount).toBe(2);
    expect(agent.factor.data).toBe(3);
  });

  it("refuses bad configurations with typed errors before writing anything", async () => {
    const { agent, optimizer } = multiplierSetup(3, () => undefined);
    const base = {
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 4),
      progress: false as const,
    };
    await expect(train({ ...base, batchSize: 0 })).rejects.toThrow(InvalidOptionError);
    await expect(train({ ...base, bachSize: 2 } as never)).rejects.toThrow(
      "'bachSize' is not a known option",
    );
    await expect(train({ ...base, train: [] })).rejects.toThrow("'train' is empty");
    await expect(train({ ...base, algorithm: minibatch({ keepIfImproves: true }) })).rejects.toThrow(
      "'validation' is required by the minibatch algorithm",
    );
    await expect(train({ ...base, earlyStop: { patience: 0 } })).rejects.toThrow(InvalidOptionError);
    await expect(train({ ...base, optimizer: undefined, agent: undefined })).rejects.toThrow(
      "'optimizer' is required",
    );
  });

  it("needs output nodes for training and reports glue-code failures as AgentError", async () => {
    const p = node(1, { trainable: true, name: "p" });
    const optimizer = new JsonOptimizer([p], {
      model: new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" }),
    });
    const base = {
      agent: agentOf([p]),
      optimizer,
      guide: closeness,
      train: scaled(1, 2),
      progress: false as const,
    };
    await expect(train({ ...base, forward: (x: number) => x })).rejects.toBeInstanceOf(ForwardOutputError);
    await expect(
      train({
        ...base,
        forward: () => {
          throw new Error("oops");
        },
      }),
    ).rejects.toBeInstanceOf(AgentError);
  });
});
