import { describe, expect, it } from "@jest/globals";
import { ExceptionNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { optoPrimeRequestInfo } from "@trace-ts/optoprime";
import { languageFeedback } from "../src/greeting/feedback.js";
import { scriptedGreetingModel } from "../src/greeting/scripted.js";
import { agentCode, trainGreetingAgent } from "../src/greeting/train.js";

describe("greeting agent example", () => {
  it("learns to greet both queries in their own language by rewriting its code", async () => {
    const lines: string[] = [];
    let model: ScriptedModel | undefined;
    const run = await trainGreetingAgent({
      model: (agent) => {
        model = scriptedGreetingModel(agentCode(agent));
        return model;
      },
      log: (l) => lines.push(l),
    });
    expect(run.finalGreetings).toEqual(["Hello, John!", "Hola, Juan!"]);
    // it started wrong on the English query only
    expect(run.epochs[0]!.map((a) => a.ok)).toEqual([false, true]);
    // a broken suggestion became feedback through the exception node, and was repaired
    expect(run.epochs[1]!.every((a) => a.output instanceof ExceptionNode)).toBe(true);
    expect(run.epochs[1]![0]!.feedback).toMatch(/ReferenceError: detectLanguage is not defined/);
    expect(run.epochs.at(-1)!.every((a) => a.ok)).toBe(true);
    // both functions' code changed
    const code = agentCode(run.agent);
    expect(code.decideLang.data).toMatch(/spanish/);
    expect(code.greet.data).toMatch(/lang === "es"/);
    expect(run.reports.flatMap((r) => r.applied.map((a) => a.parameter))).toEqual([
      code.decideLang,
      code.decideLang,
      code.greet,
    ]);
    // the optimizer saw each output's feedback, including the error with the failing line marked
    const optimizerPrompts = model!.calls
      .filter((c) => optoPrimeRequestInfo(c.request) !== undefined)
      .map((c) => c.request.messages.at(-1)!.content);
    expect(optimizerPrompts).toHaveLength(3);
    expect(optimizerPrompts[0]).toContain("Incorrect: the user wrote in English");
    expect(optimizerPrompts[1]).toContain(">>");
    expect(lines.join("\n")).toContain("@@ __code");
  });

  it("feedback checks the language of the greeting", () => {
    expect(languageFeedback("Hello, John!", "en")).toBe("Correct.");
    expect(languageFeedback("Hola, John!", "en")).toMatch(/^Incorrect/);
    expect(languageFeedback("Hola, Juan!", "es")).toBe("Correct.");
  });

  it("training stops with the last parameters when the optimizer's model keeps failing", async () => {
    const run = await trainGreetingAgent({
      model: (agent) => {
        const script = scriptedGreetingModel(agentCode(agent));
        return new ScriptedModel(async (request) =>
          optoPrimeRequestInfo(request) !== undefined
            ? new Error("provider down")
            : (await script.generate(request)).text,
        );
      },
      epochs: 2,
      log: () => {},
    });
    expect(run.reports.map((r) => r.error !== undefined)).toEqual([true, true]);
    expect(run.finalGreetings).toEqual(["Hola, John!", "Hola, Juan!"]);
  });
});
