/**
 * The trainer with the real OptoPrime optimizer (its prompt, parser and reports), driven by a
 * ScriptedModel that answers in OptoPrime's JSON format.
 */
import { describe, expect, it } from "@jest/globals";
import { Budget, graphScope } from "@trace-ts/core";
import { enforceBudget, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";
import { minibatch, type StepRecord, train } from "@trace-ts/trainer";
import { multiplier } from "./helpers/agents.js";
import { closeness, recorder, scaled } from "./helpers/setup.js";

/** OptoPrime-format answers: raise the factor by one while the feedback says "Too small". */
function optoPrimeScript(key: () => string) {
  return new ScriptedModel(
    (request) => {
      const prompt = request.messages.map((m) => m.content).join("\n");
      // the #Variables section has the line `<key> (<type>; <description>) = <value>`
      const current = Number(
        new RegExp(`^${key()} \\([^)]*\\) = (.+)$`, "m").exec(prompt)?.[1] ?? Number.NaN,
      );
      if (!/Too small/.test(prompt) || Number.isNaN(current)) {
        return JSON.stringify({ reasoning: "All correct. TERMINATE", answer: "TERMINATE", suggestion: {} });
      }
      return JSON.stringify({
        reasoning: "Outputs are too small, so the factor must grow.",
        answer: "",
        suggestion: { [key()]: current + 1 },
      });
    },
    { modelId: "scripted-optoprime" },
  );
}

describe("train() with OptoPrime", () => {
  it("applies OptoPrime's suggestions and logs its prompts and responses", async () => {
    const agent = graphScope(() => multiplier(1));
    const model = optoPrimeScript(() => agent.factor.key);
    const { records, onRecord } = recorder();
    const result = await train({
      agent,
      optimizer: new OptoPrime(agent.parameters(), { model }),
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 8),
      validation: scaled(3, 2, 20),
      algorithm: minibatch({ keepIfImproves: true }),
      batchSize: 2,
      earlyStop: { target: 1 },
      logContent: { messages: true },
      onRecord,
      progress: false,
    });
    expect(result.reason).toBe("target-reached");
    expect(agent.factor.data).toBe(3);
    const step = records.find((r): r is StepRecord => r.type === "step")!;
    expect(step.proposals[0]!.calls[0]!.prompt.some((m) => m.content.includes("Too small"))).toBe(true);
    expect(step.proposals[0]!.suggestion).toEqual({ [agent.factor.key]: 2 });
    // the graph OptoPrime was shown, with the values before the step applied its change
    const graph = step.proposals[0]!.graph!;
    expect(graph.startsWith('digraph "trace" {')).toBe(true);
    expect(graph).toContain(`label="${agent.factor.key}\\n1"`);
    expect(step.applied).toEqual([{ key: agent.factor.key, name: agent.factor.name, before: 1, after: 2 }]);
  });

  it("stops with reason budget when OptoPrime reports a refused call instead of throwing", async () => {
    const agent = graphScope(() => multiplier(1));
    const budget = new Budget({ maxTokens: 1, defaultMaxOutputTokens: 1 });
    const model = wrapModel(
      optoPrimeScript(() => agent.factor.key),
      enforceBudget(budget),
    );
    const result = await train({
      agent,
      optimizer: new OptoPrime(agent.parameters(), { model }),
      forward: agent.forward,
      guide: closeness,
      train: scaled(3, 8),
      validation: scaled(3, 2, 20),
      batchSize: 2,
      progress: false,
    });
    expect(result.reason).toBe("budget");
    expect(result.steps).toBe(0);
    expect(result.message).toMatch(/budget exceeded/);
    expect(agent.factor.data).toBe(1);
  });
});
