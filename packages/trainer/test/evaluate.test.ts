import { describe, expect, it } from "@jest/globals";
import { Budget, BudgetExceededError, ExceptionNode, node, ops } from "@trace-ts/core";
import { enforceBudget, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { AgentError, evaluate, exactMatch, guide, RunCancelledError } from "@trace-ts/trainer";
import { adder, adderModelReply, additionExamples } from "./helpers/agents.js";

/** Largest number of calls whose [start, end) intervals overlap at one instant. */
function maxOverlap(calls: readonly { startedAt: number; endedAt: number | undefined }[]): number {
  const events = calls.flatMap((c) => [
    [c.startedAt, 1],
    [c.endedAt ?? Number.POSITIVE_INFINITY, -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let active = 0;
  let max = 0;
  for (const [, d] of events) {
    active += d!;
    max = Math.max(max, active);
  }
  return max;
}

describe("evaluate", () => {
  it("keeps at most `concurrency` examples in flight, overlapping, and returns scores in example order", async () => {
    const model = new ScriptedModel((r) => adderModelReply(r.messages), { latencyMs: 40 });
    const agent = adder(model, "Reply with digits only.");
    const data = additionExamples(12);
    const progress: number[] = [];
    const result = await evaluate({
      forward: agent.forward,
      guide: exactMatch(),
      dataset: data,
      concurrency: 3,
      onProgress: (done) => progress.push(done),
    });
    expect(model.callCount).toBe(12);
    expect(model.maxConcurrentCalls).toBe(3);
    expect(maxOverlap(model.calls)).toBe(3);
    expect(result.scores).toEqual(new Array(12).fill(1));
    expect(result.mean).toBe(1);
    expect(result.results.map((r) => r.id)).toEqual(data.map((d) => d.id));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("runs one at a time with concurrency 1", async () => {
    const model = new ScriptedModel((r) => adderModelReply(r.messages), { latencyMs: 5 });
    const agent = adder(model);
    const result = await evaluate({
      forward: agent.forward,
      guide: exactMatch(),
      dataset: additionExamples(5),
      concurrency: 1,
    });
    expect(model.maxConcurrentCalls).toBe(1);
    expect(result.mean).toBe(0); // "The sum is N." is not "N"
    expect(result.results[0]!.feedback).toMatch(/expected "3" but the output was "The sum is 3\."/);
  });

  it("turns ExecutionErrors into feedback from the exception node", async () => {
    const data = ['{"a": 1}', "{not json", '{"a": 2}'].map((input, i) => ({ input, target: i }));
    const result = await evaluate({
      forward: (text: string) => ops.parseJSON(node(text)),
      guide: guide(() => 1),
      dataset: data,
      errorScore: -1,
    });
    expect(result.scores).toEqual([1, -1, 1]);
    expect(result.errors).toBe(1);
    const failed = result.results[1]!;
    expect(failed.output).toBeInstanceOf(ExceptionNode);
    expect(failed.feedback).toContain("parseJSON threw SyntaxError");
    expect(failed.error).toMatch(/^SyntaxError/);
  });

  it("throws AgentError for failures outside traced operations", async () => {
    const error = await evaluate({
      forward: (x: number) => {
        if (x === 2) throw new TypeError("bad glue code");
        return x;
      },
      guide: guide(() => 1),
      dataset: [1, 2, 3].map((input) => ({ input })),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).exampleIndex).toBe(1);
    expect((error as AgentError).message).toContain("bad glue code");
  });

  it("stops on cancellation: nothing new starts and the promise rejects with RunCancelledError", async () => {
    const model = new ScriptedModel((r) => adderModelReply(r.messages), { latencyMs: 30 });
    const agent = adder(model);
    const controller = new AbortController();
    let abortedAt = 0;
    const error = await evaluate({
      forward: agent.forward,
      guide: exactMatch(),
      dataset: additionExamples(30),
      concurrency: 2,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 3) {
          abortedAt = performance.now();
          controller.abort(new Error("user pressed stop"));
        }
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    await new Promise((r) => setTimeout(r, 120));
    expect(model.callCount).toBeLessThan(8);
    expect(model.calls.every((c) => c.startedAt <= abortedAt)).toBe(true);
    // in-flight calls got the abort signal
    expect(model.activeCalls).toBe(0);
    await expect(
      evaluate({
        forward: agent.forward,
        guide: exactMatch(),
        dataset: additionExamples(2),
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(RunCancelledError);
  });

  it("rejects with the BudgetExceededError (not feedback) when the budget is spent", async () => {
    const inner = new ScriptedModel((r) => adderModelReply(r.messages), { latencyMs: 2 });
    const budget = new Budget({ maxTokens: 120, defaultMaxOutputTokens: 10 });
    const agent = adder(wrapModel(inner, enforceBudget(budget)));
    const error = await evaluate({
      forward: agent.forward,
      guide: exactMatch(),
      dataset: additionExamples(40),
      concurrency: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(inner.callCount).toBeGreaterThan(0);
    expect(inner.callCount).toBeLessThan(40);
  });
});
