/**
 * @trace-ts/otel with optimizers and training: an OptoPrime step (its model call a child, the
 * proposal summary on the step), proposals asked directly, and a short `train()` run (steps and
 * evaluations with their children).
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { SpanKind } from "@opentelemetry/api";
import { bundle, callLLM, graphScope, node, ops } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";
import { agentOf, guide, llmJudge, minibatch, train } from "@trace-ts/trainer";
import { idOf, parentOf, startTracing, type Tracing } from "./helpers.js";

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.close();
  tracing = undefined;
});

/** An OptoPrime answer setting `key` to `value`. */
function answer(key: string, value: unknown): string {
  return JSON.stringify({ reasoning: "the feedback asks for it", answer: "", suggestion: { [key]: value } });
}

describe("optimizer steps", () => {
  it("gives an OptoPrime step span with the model call as child and the proposal summary", async () => {
    tracing = startTracing();
    const { x, out } = graphScope(() => {
      const x = node(2, { trainable: true, name: "x" });
      return { x, out: ops.add(x, 1) };
    });
    const model = new ScriptedModel([answer(x.key, 5)], { modelId: "optimizer-model" });
    const optimizer = new OptoPrime([x], { model });
    optimizer.zeroFeedback();
    optimizer.backward(out, "The result should be 6.");
    const report = await optimizer.step();
    expect(x.data).toBe(5);
    expect(report.applied).toHaveLength(1);

    const step = tracing.one("OptoPrime step");
    const call = tracing.one("chat optimizer-model");
    expect(step.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(call)).toBe(idOf(step));
    expect(call.attributes["trace_ts.call.purpose"]).toBe("propose");
    expect(step.attributes).toMatchObject({
      "trace_ts.operation": "optimizer.step",
      "trace_ts.optimizer.name": "OptoPrime",
      "trace_ts.optimizer.phase": "step",
      "trace_ts.optimizer.step": 1,
      "trace_ts.optimizer.parameters": 1,
      "trace_ts.proposal.keys_changed": [x.key],
      "trace_ts.proposal.rejected": 0,
      "trace_ts.proposal.terminate": false,
      "trace_ts.proposal.model_calls": 1,
      "trace_ts.step.applied": [x.key],
    });
    // no values without content capture; a step is one span, not a step and a proposal
    expect(JSON.stringify(step.attributes)).not.toContain("feedback asks");
    expect(tracing.spans()).toHaveLength(2);
  });

  it("reports a refused value and the values themselves only with content capture", async () => {
    tracing = startTracing({ captureContent: true });
    const x = graphScope(() => node(2, { trainable: true, name: "x" }));
    const model = new ScriptedModel([answer(x.key, "not a number")]);
    const optimizer = new OptoPrime([x], { model, maxRetries: 0 });
    optimizer.zeroFeedback();
    optimizer.backward(ops.add(x, 1), "Make it 6.");
    const proposal = await optimizer.propose();
    expect(proposal.updates.size).toBe(0);
    const span = tracing.one("OptoPrime propose");
    expect(span.attributes["trace_ts.proposal.rejected"]).toBe(1);
    expect(span.attributes["trace_ts.proposal.keys_changed"]).toEqual([]);
    const event = span.events.find((e) => e.name === "trace_ts.proposal")!;
    expect(String(event.attributes!["trace_ts.proposal.suggestion"])).toContain("not a number");
    expect(parentOf(tracing.one("chat scripted"))).toBe(idOf(span));
  });
});

describe("judges", () => {
  it("gives a judge's model call the purpose judge", async () => {
    tracing = startTracing();
    const model = new ScriptedModel(['{"score": 8, "feedback": "Close."}'], { modelId: "judge-model" });
    const judge = llmJudge<string, string, string>({ model });
    const graded = await judge.check("Pari", { input: "Capital of France?", target: "Paris" }, { index: 0 });
    expect(graded.score).toBeCloseTo(0.8);
    const span = tracing.one("chat judge-model");
    expect(span.attributes).toMatchObject({
      "trace_ts.call.purpose": "judge",
      "gen_ai.request.temperature": 0,
    });
  });
});

describe("training", () => {
  it("gives trainer.step and trainer.evaluate spans with their children", async () => {
    tracing = startTracing();
    const prompt = graphScope(() => node("Answer in lower case.", { trainable: true, name: "prompt" }));
    // the agent shouts until its prompt asks for capitals
    const agentModel = new ScriptedModel(
      (request) => {
        const word = request.messages.at(-1)!.content;
        return request.messages[0]!.content.includes("CAPITALS") ? word.toUpperCase() : word;
      },
      { modelId: "agent-model" },
    );
    const shout = bundle(async function shout(word: string, system: string): Promise<string> {
      return (await callLLM(system, word, { model: agentModel })).data;
    });
    const optimizerModel = new ScriptedModel([answer(prompt.key, "Answer in CAPITALS.")], {
      modelId: "optimizer-model",
      whenExhausted: "repeat-last",
    });
    const result = await train({
      agent: agentOf([prompt]),
      optimizer: new OptoPrime([prompt], { model: optimizerModel }),
      forward: (word: string) => shout(word, prompt),
      guide: guide((out: string, example) => (out === example.target ? 1 : 0), { name: "exact" }),
      train: [
        { input: "a", target: "A" },
        { input: "b", target: "B" },
      ],
      validation: [{ input: "c", target: "C" }],
      algorithm: minibatch(),
      batchSize: 2,
      maxSteps: 1,
      progress: false,
    });
    expect(result.steps).toBe(1);
    expect(prompt.data).toBe("Answer in CAPITALS.");

    const spans = tracing.spans();
    const byId = new Map(spans.map((s) => [idOf(s), s]));
    const step = tracing.one("train step");
    expect(step.attributes).toMatchObject({
      "trace_ts.operation": "trainer.step",
      "trace_ts.train.step": 1,
      "trace_ts.train.algorithm": "minibatch",
      "trace_ts.train.kept": true,
      "trace_ts.train.proposals": 1,
      "trace_ts.train.score": 1,
    });
    const evaluations = spans.filter((s) => s.attributes["trace_ts.operation"] === "trainer.evaluate");
    // the initial validation, and the one after the step (inside it)
    expect(evaluations.map((e) => e.attributes["trace_ts.eval.label"])).toEqual(["initial", "after step"]);
    const [initial, after] = evaluations;
    expect(initial!.attributes).toMatchObject({
      "trace_ts.eval.split": "validation",
      "trace_ts.eval.examples": 1,
      "trace_ts.eval.mean": 0,
    });
    expect(after!.attributes["trace_ts.eval.mean"]).toBe(1);
    expect(parentOf(after!)).toBe(idOf(step));
    // the optimizer's step is inside the training step, its model call inside it
    const optimizerStep = tracing.one("OptoPrime step");
    expect(parentOf(optimizerStep)).toBe(idOf(step));
    expect(parentOf(tracing.one("chat optimizer-model"))).toBe(idOf(optimizerStep));
    // every agent model call is inside a bundle call, inside a training step or an evaluation
    const agentCalls = spans.filter((s) => s.name === "chat agent-model");
    expect(agentCalls).toHaveLength(4); // initial c, batch a b, after-step c
    for (const call of agentCalls) {
      const owner = byId.get(parentOf(call)!)!;
      expect(owner.name).toBe("bundle shout");
      const above = byId.get(parentOf(owner)!)!;
      expect(["train step", "evaluate validation"]).toContain(above.name);
    }
  });
});
