import { describe, expect, it } from "@jest/globals";
import { BudgetExceededError } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  exactMatch,
  GuideError,
  guide,
  JudgeResponseError,
  llmJudge,
  parseJudgeResponse,
} from "@trace-ts/trainer";

const ctx = { index: 0 };

describe("exactMatch", () => {
  it("scores 1 for equal values and 0 with feedback naming both otherwise", async () => {
    const g = exactMatch();
    expect(await g.check(" 42\n", { input: "q", target: "42" }, ctx)).toEqual({
      score: 1,
      feedback: "Correct.",
    });
    const wrong = await g.check("41", { input: "q", target: "42" }, ctx);
    expect(wrong.score).toBe(0);
    expect(wrong.feedback).toBe('Incorrect: expected "42" but the output was "41".');
    expect((await g.check({ a: [1, 2] }, { input: 0, target: { a: [1, 2] } }, ctx)).score).toBe(1);
  });

  it("honours case folding, trimming and a custom normalizer", async () => {
    expect((await exactMatch().check("Paris", { input: "", target: "paris" }, ctx)).score).toBe(0);
    expect(
      (await exactMatch({ caseSensitive: false }).check("Paris", { input: "", target: "paris" }, ctx)).score,
    ).toBe(1);
    expect((await exactMatch({ trim: false }).check(" a", { input: "", target: "a" }, ctx)).score).toBe(0);
    const digits = exactMatch({ normalize: (v) => String(v).replace(/[^0-9]/g, "") });
    expect((await digits.check("The answer is 12.", { input: "", target: 12 }, ctx)).score).toBe(1);
  });

  it("needs a target", async () => {
    expect(() => exactMatch().check("x", { input: "q" }, ctx)).toThrow(GuideError);
  });
});

describe("guide(fn)", () => {
  it("accepts results, numbers and booleans, and names bad results", async () => {
    expect(await guide(() => ({ score: 0.5, feedback: "half" })).check(1, { input: 1 }, ctx)).toEqual({
      score: 0.5,
      feedback: "half",
    });
    expect(await guide(() => 0.25).check(1, { input: 1 }, ctx)).toEqual({
      score: 0.25,
      feedback: "Score: 0.25.",
    });
    expect(await guide(() => false).check(1, { input: 1 }, ctx)).toEqual({
      score: 0,
      feedback: "Incorrect.",
    });
    const named = guide(function closeEnough() {
      return { score: Number.NaN, feedback: "?" };
    });
    expect(named.name).toBe("closeEnough");
    await expect(named.check(1, { input: 1 }, ctx)).rejects.toThrow(
      "guide 'closeEnough': score must be a finite number",
    );
    await expect(
      guide(() => ({ score: 1 }) as never, { name: "g" }).check(1, { input: 1 }, ctx),
    ).rejects.toThrow("feedback must be a string");
    await expect(
      guide(() => {
        throw new Error("boom");
      }).check(1, { input: 1 }, ctx),
    ).rejects.toThrow("the guide function threw: boom");
  });
});

describe("parseJudgeResponse", () => {
  const scale = { min: 0, max: 10 };
  const cases: [string, number, string | RegExp][] = [
    ['{"score": 7, "feedback": "Mostly right."}', 0.7, "Mostly right."],
    ['Here is my grade:\n```json\n{"score": 3, "feedback": "Wrong unit."}\n```', 0.3, "Wrong unit."],
    ['{"Score": "8/10", "reason": "ok"}', 0.8, "ok"],
    ['{"rating": "4 out of 5", "explanation": "good",}', 0.8, "good"],
    ['{"score": "90%", "feedback": "fine"}', 0.9, "fine"],
    ['{"result": {"score": 10, "feedback": "perfect"}}', 1, "perfect"],
    ["Score: 6/10. The answer forgets the second step.", 0.6, /forgets the second step/],
    ["**Rating** - 2", 0.2, /Rating/],
    ["I would give this 5 out of 10.", 0.5, /give this/],
    ['{"score": 0, "feedback": "empty"}', 0, "empty"],
    ['{"feedback": "braces } inside", "score": 9}', 0.9, "braces } inside"],
  ];
  it.each(cases)("reads %j", (text, score, feedback) => {
    const r = parseJudgeResponse(text, scale);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.score).toBeCloseTo(score, 10);
    if (typeof feedback === "string") expect(r.feedback).toBe(feedback);
    else expect(r.feedback).toMatch(feedback);
  });

  it("refuses replies without a usable score", () => {
    expect(parseJudgeResponse("", scale)).toEqual({ ok: false, problem: "the reply is empty" });
    expect(parseJudgeResponse("Looks fine to me.", scale).ok).toBe(false);
    const out = parseJudgeResponse('{"score": 11, "feedback": "x"}', scale);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.problem).toContain("outside the scale 0–10");
    expect(parseJudgeResponse('{"score": "high"}', scale).ok).toBe(false);
    // another scale
    const r = parseJudgeResponse('{"score": 3, "feedback": "ok"}', { min: 1, max: 5 });
    expect(r.ok && r.score).toBeCloseTo(0.5, 10);
  });
});

describe("llmJudge", () => {
  it("sends the task, reference, answer and criteria and maps the score to [0, 1]", async () => {
    const model = new ScriptedModel(['{"score": 8, "feedback": "Correct but verbose."}']);
    const judge = llmJudge({ model, criteria: "Digits only." });
    const result = await judge.check("The sum is 7.", { input: "What is 3 + 4?", target: "7" }, ctx);
    expect(result).toEqual({ score: 0.8, feedback: "Correct but verbose." });
    const prompt = model.prompts[0]!;
    expect(prompt).toContain("What is 3 + 4?");
    expect(prompt).toContain("The sum is 7.");
    expect(prompt).toMatch(/## Reference answer\n7\n/);
    expect(prompt).toContain("Digits only.");
    expect(model.calls[0]!.request.temperature).toBe(0);
  });

  it("re-asks once when the reply has no score, then gives up with JudgeResponseError", async () => {
    const model = new ScriptedModel(["I like it.", '{"score": 10, "feedback": "fine"}']);
    expect(await llmJudge({ model }).check("x", { input: "y" }, ctx)).toEqual({ score: 1, feedback: "fine" });
    expect(model.callCount).toBe(2);
    expect(model.calls[1]!.request.messages.at(-1)!.content).toContain("could not be used: no score found");
    expect(model.calls[1]!.request.messages.at(-2)).toEqual({ role: "assistant", content: "I like it." });

    const stubborn = new ScriptedModel(["meh"], { whenExhausted: "repeat-last" });
    const error = await Promise.resolve(
      llmJudge({ model: stubborn, maxRetries: 2 }).check("x", { input: "y" }, ctx),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JudgeResponseError);
    expect((error as JudgeResponseError).response).toBe("meh");
    expect(stubborn.callCount).toBe(3);
  });

  it("lets model errors (e.g. a spent budget) through unchanged", async () => {
    const refusal = new BudgetExceededError("no money", { limit: "tokens", max: 1, used: 1, requested: 10 });
    const model = new ScriptedModel([refusal]);
    await expect(llmJudge({ model }).check("x", { input: "y" }, ctx)).rejects.toBe(refusal);
  });

  it("refuses bad options", () => {
    const model = new ScriptedModel([]);
    expect(() => llmJudge({ model, scale: { min: 5, max: 5 } })).toThrow(RangeError);
    expect(() => llmJudge({ model, temprature: 1 } as never)).toThrow("not a known option");
  });
});
