import { describe, expect, it } from "@jest/globals";
import { ExceptionNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { optoPrimeRequestInfo } from "@trace-ts/optoprime";
import { languageFeedback } from "../src/greeting/feedback.js";
import { scriptedGreetingModel } from "../src/greeting/scripted.js";
import { agentCode, trainGreetingAgent } from "../src/greeting/train.js";
import { runExample } from "./helpers/run-example.js";

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

  it("feedback checks what it says: the greeting must start with the greeting word", () => {
    // contains "Hello" but does not start with it: the feedback's "must start with" rule fails
    const wordy = "Well, John, I would like to say Hello to you!";
    expect(languageFeedback(wordy, "en")).toMatch(/^Incorrect: .*must start with "Hello"/);
    expect(languageFeedback("Dear Juan, Hola!", "es")).toMatch(/^Incorrect/);
    // leading space is not a reason to fail
    expect(languageFeedback("  Hello, John!", "en")).toBe("Correct.");
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

describe("examples end a setup mistake with one line, not a stack trace", () => {
  it("the greeting demo without an API key: `error: <message>` naming the model, exit code 1", async () => {
    const run = await runExample("greeting/main.ts", [], { TRACE_MODEL: "openai:gpt-4o-mini" });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toEqual([
      'error: no API key for provider "openai" (model gpt-4o-mini): set the OPENAI_API_KEY environment variable, or pass apiKey explicitly',
    ]);
    expect(run.stderr).not.toMatch(/\n\s+at |modelId: undefined/);
  }, 60_000);

  it("an unknown TRACE_OPTIMIZER lists the registered optimizers", async () => {
    const run = await runExample("swap-optimizer.ts", [], { TRACE_OPTIMIZER: "foo" });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      "error: TRACE_OPTIMIZER=foo: no optimizer named 'foo' is registered (registered: opro, optoprime, textgrad); " +
        "use one of those, or register it with registerOptimizer(container, factory, { name: 'foo' })",
    ]);
  }, 60_000);
});
