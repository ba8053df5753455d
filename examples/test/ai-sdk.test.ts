import { describe, expect, it } from "@jest/globals";
import type { ScriptedModel } from "@trace-ts/core/testing";
import { optoPrimeRequestInfo } from "@trace-ts/optoprime";
import {
  SCRIPTED_SYSTEM_PROMPT,
  SCRIPTED_TOOL_CODE,
  scriptedAgentModel,
  scriptedOptimizerModel,
} from "../src/ai-sdk/scripted.js";
import { trainSupportAgent } from "../src/ai-sdk/train.js";
import { runExample } from "./helpers/run-example.js";

describe("AI SDK agent example", () => {
  it("trains the system prompt and the tool's code of an AI SDK-style agent, as scripted", async () => {
    const lines: string[] = [];
    let optimizer: ScriptedModel | undefined;
    const agentModel = scriptedAgentModel();
    const run = await trainSupportAgent({
      agentModel,
      optimizerModel: (agent) => {
        optimizer = scriptedOptimizerModel(agent.system, agent.orderStatus.parameter!);
        return optimizer;
      },
      log: (l) => lines.push(l),
    });
    // both faults at first, the date after step 1, everything after step 2
    expect(run.scores).toEqual([
      [0, 0.5],
      [0, 1],
      [1, 1],
    ]);
    expect(run.agent.system.data).toBe(SCRIPTED_SYSTEM_PROMPT);
    expect(run.agent.orderStatus.getSource()).toBe(SCRIPTED_TOOL_CODE);
    expect(run.reports.flatMap((r) => r.applied.map((a) => a.parameter))).toEqual([
      run.agent.system,
      run.agent.orderStatus.parameter,
    ]);
    expect(run.finalAnswers).toEqual([
      "Your order is shipped, arriving 2026-03-02.",
      "Your order is processing, arriving 2026-03-09.",
    ]);
    // the agent ran through the AI SDK model (tool call, then answer), the optimizer saw the feedback
    expect(agentModel.doGenerateCalls.length).toBe(16);
    expect(agentModel.doGenerateCalls[0]!.tools?.[0]).toMatchObject({
      type: "function",
      name: "orderStatus",
    });
    const prompts = optimizer!.calls.filter((c) => optoPrimeRequestInfo(c.request) !== undefined);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]!.request.messages.at(-1)!.content).toContain(
      "the answer must also give the delivery date",
    );
    expect(prompts[1]!.request.messages.at(-1)!.content).toContain("unknown order");
    expect(lines.join("\n")).toContain("Every answer is right; training stops.");
  });

  it("runs offline and says that the responses are scripted", async () => {
    const run = await runExample("ai-sdk/main.ts", [], {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toMatch(/No TRACE_MODEL set: model responses are SCRIPTED/);
    expect(run.stdout).toContain("Where is my order #a17? -> Your order is shipped, arriving 2026-03-02.");
  });
});
