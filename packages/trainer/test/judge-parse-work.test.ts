import { describe, expect, it } from "@jest/globals";
import { ScriptedModel } from "@trace-ts/core/testing";
import { JudgeResponseError, llmJudge, parseJudgeResponse } from "@trace-ts/trainer";
import { readJudgeResponse } from "../src/guides/judge-parse.js";

// The judge's reply is untrusted input. These tests count the parser's work (steps, about one
// per character examined), never time: the work must grow linearly with the reply's length.

const scale = { min: 0, max: 10 };
const MB = 1_000_000;

/** `unit` repeated to exactly `n` characters. */
function fill(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

const HOSTILE: readonly (readonly [string, (n: number) => string])[] = [
  ["only {", (n) => fill("{", n)],
  ['nested objects {"a":{"a":…', (n) => fill('{"a":', n)],
  ["nested arrays [[[…", (n) => fill("[", n)],
  ['an object holding nested arrays {"a":[[[…', (n) => `{"a":${fill("[", n - 5)}`],
  ['only "', (n) => fill('"', n)],
  ["alternating quotes and backslashes", (n) => fill('"\\', n)],
  ["open strings in open objects", (n) => fill('{"a": "', n)],
  ["braces inside one long string", (n) => `{"a": "${fill("{", n - 9)}"}`],
  ["many empty objects", (n) => fill("{}", n)],
  ["many small objects without a score", (n) => fill('{"x":1},', n)],
  ["unfinished numbers", (n) => fill('{"a":1e', n)],
  ["escaped JSON inside strings", (n) => fill('{"a":"\\"{\\"a\\":\\"', n)],
  ["one run of digits", (n) => fill("1", n)],
  ["digits and dots", (n) => fill("1.", n)],
  ["a score word, then spaces", (n) => `score${" ".repeat(n - 5)}`],
  ["score words and decoration", (n) => fill("score *_ ", n)],
  ["fractions without a denominator", (n) => fill("7 / x ", n)],
  ["unterminated fences", (n) => fill("```\n", n)],
];

function steps(text: string): number {
  const meter = { steps: 0 };
  readJudgeResponse(text, scale, {}, meter);
  return meter.steps;
}

describe("parseJudgeResponse does work linear in the reply", () => {
  it.each(HOSTILE)(
    "1 MB of %s: at most 16 steps a character, about 10× the steps of 100 KB",
    (_name, make) => {
      const big = make(MB);
      const small = make(MB / 10);
      expect(big.length).toBe(MB);
      const bigSteps = steps(big);
      const smallSteps = steps(small);
      expect(bigSteps).toBeLessThanOrEqual(16 * MB);
      const ratio = bigSteps / smallSteps;
      expect(ratio).toBeGreaterThan(8);
      expect(ratio).toBeLessThan(12);
    },
  );

  it("a normal reply costs a few steps a character", () => {
    const text =
      'Here is my grade:\n```json\n{"score": 7, "feedback": "Mostly right, but the unit is missing."}\n```';
    expect(steps(text)).toBeLessThanOrEqual(16 * text.length);
    expect(parseJudgeResponse(text, scale)).toMatchObject({ ok: true, raw: 7 });
  });

  it("still finds the score after hostile text", () => {
    const text = `${fill('{"a":', 200_000)} … ${fill("[", 100_000)} {"score": 6, "feedback": "ok"}`;
    expect(parseJudgeResponse(text, scale)).toMatchObject({ ok: true, raw: 6, feedback: "ok" });
    expect(steps(text)).toBeLessThanOrEqual(16 * text.length);
  });

  it("reads objects nested up to 64 levels, not deeper", () => {
    const wrap = (levels: number) => `${'{"r":'.repeat(levels - 1)}{"score": 4}${"}".repeat(levels - 1)}`;
    expect(parseJudgeResponse(wrap(64), scale)).toMatchObject({ ok: true, raw: 4 });
    // the outer objects are too deep, the inner ones are still found
    expect(parseJudgeResponse(wrap(500), scale)).toMatchObject({ ok: true, raw: 4 });
  });
});

describe("parseJudgeResponse refuses replies over its size cap", () => {
  it("names the reply's length and the cap (default 1,000,000 characters)", () => {
    const r = parseJudgeResponse(`{"score": 7} ${"x".repeat(MB)}`, scale);
    expect(r).toEqual({
      ok: false,
      problem: expect.stringContaining("1,000,013 characters long, over the limit of 1,000,000 characters"),
    });
  });

  it("takes the cap as an option, and reads a reply of exactly that length", () => {
    const text = '{"score": 7, "feedback": "fine"}';
    expect(parseJudgeResponse(text, scale, { maxChars: text.length })).toMatchObject({ ok: true, raw: 7 });
    const r = parseJudgeResponse(text, scale, { maxChars: 10 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(/32 characters long, over the limit of 10 characters/);
  });

  it("costs no scanning past the cap", () => {
    const meter = { steps: 0 };
    readJudgeResponse(fill("{", 2 * MB), scale, {}, meter);
    expect(meter.steps).toBe(0);
  });

  it("llmJudge re-asks, then throws JudgeResponseError (JUDGE_UNREADABLE) naming the size and the cap", async () => {
    const long = `{"score": 7, "feedback": "${"x".repeat(200)}"}`;
    const model = new ScriptedModel([long, long]);
    const judge = llmJudge({ model, maxResponseChars: 100 });
    const error = await Promise.resolve(judge.check("out", { input: "in" }, { index: 0 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JudgeResponseError);
    expect((error as JudgeResponseError).code).toBe("JUDGE_UNREADABLE");
    expect((error as Error).message).toMatch(/228 characters long, over the limit of 100 characters/);
    // the re-ask told the model why
    expect(model.calls[1]!.request.messages.at(-1)!.content).toMatch(/over the limit of 100 characters/);
  });

  it("llmJudge checks maxResponseChars", () => {
    const model = new ScriptedModel(["{}"]);
    expect(() => llmJudge({ model, maxResponseChars: 0 })).toThrow(RangeError);
    expect(() => llmJudge({ model, maxResponseChars: 1.5 })).toThrow(/maxResponseChars/);
  });
});
