import { describe, expect, it } from "@jest/globals";
import { node, ops } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  OptoPrime,
  OptoPrimeMulti,
  type OptoPrimeMultiDetails,
  parseSuggestion,
  readChoice,
} from "@trace-ts/optoprime";
import { readChoiceAnswer } from "../src/parse/choice.js";
import { keyResolver, withoutParentheses } from "../src/parse/keys.js";
import { readSuggestion } from "../src/parse/parse-suggestion.js";
import { answer } from "./helpers/answers.js";

// Answers are untrusted input. These tests count the parsers' work (steps, about one per
// character examined or parsing step, the JSON scanner's included), never time: the work must
// grow linearly with the answer's length: at most a small constant times the length, and at most
// about 10 times the work for a tenth of the text (less when the scanner's allowance, which has a
// constant part, runs out first).

const MB = 1_000_000;
const KEYS = ["int0", "str0", "__code0"];

/** `unit` repeated to exactly `n` characters. */
function fill(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** `{"x": 1` JSON-encoded as a string over and over, padded with spaces to `n` characters. */
function encodedAgain(n: number): string {
  let text = '{"x": 1';
  while (JSON.stringify(text).length <= n) text = JSON.stringify(text);
  return text.padEnd(n);
}

const HOSTILE: readonly (readonly [string, (n: number) => string])[] = [
  ["only {", (n) => fill("{", n)],
  ['nested objects {"a":{"a":…', (n) => fill('{"a":', n)],
  ["nested arrays [[[…", (n) => fill("[", n)],
  ["an object holding nested arrays", (n) => `{"a": ${fill("[", n - 6)}`],
  ['only "', (n) => fill('"', n)],
  ["only '", (n) => fill("'", n)],
  ["alternating quotes and backslashes", (n) => fill('"\\', n)],
  ["open strings in open objects", (n) => fill('{"a": "', n)],
  ["unclosed pairs in a code value", (n) => `{"suggestion": {"__code0": "${fill('a", "b": "c", ', n - 28)}`],
  ["nested strings", (n) => fill('{"k": "v", "w": [1, "2", {"q": "', n)],
  ["a string ending at every quote", (n) => `{"a": 1, "z": "x${fill('"}', n - 16)}`],
  ["many objects with a text suggestion", (n) => fill(`{"suggestion": "${'{"a": "x", '.repeat(200)}"}`, n)],
  ["a key of parentheses", (n) => `{"suggestion": {"${fill("(", n - 23)}": 1}}`],
  ["long bare keys", (n) => fill(`{${"k".repeat(1000)} `, n)],
  ["unclosed comments", (n) => fill("{/* ", n)],
  ["unterminated fences", (n) => fill("```\n", n)],
  ["candidate, then spaces", (n) => `candidate${" ".repeat(n - 9)}`],
  ["candidate #, repeated", (n) => fill("candidate #", n)],
  ["many well-formed answers", (n) => fill(`${answer({ int0: 1 })} `, n)],
  ["a JSON string encoded again and again", (n) => encodedAgain(n)],
  ['nested choice objects {"choice":{"choice":…', (n) => fill('{"choice":', n)],
  ["nested objects, then a choice word", (n) => `${fill('{"a":', n - 7)} choice`],
  ["open strings, then a choice word", (n) => `${fill('{"a": "', n - 7)} choice`],
];

function suggestionSteps(text: string): number {
  const meter = { steps: 0 };
  readSuggestion(text, { keys: KEYS }, meter);
  return meter.steps;
}

function choiceSteps(text: string): number {
  const meter = { steps: 0 };
  readChoiceAnswer(text, {}, meter);
  return meter.steps;
}

describe("parseSuggestion does work linear in the answer", () => {
  it.each(HOSTILE)(
    "1 MB of %s: at most 24 steps a character, no more than about 10× the steps of 100 KB",
    (_name, make) => {
      const big = make(MB);
      expect(big.length).toBe(MB);
      const bigSteps = suggestionSteps(big);
      expect(bigSteps).toBeLessThanOrEqual(24 * MB);
      expect(bigSteps / suggestionSteps(make(MB / 10))).toBeLessThan(12);
    },
  );

  it("a normal answer costs a few steps a character", () => {
    const text = `Sure:\n\`\`\`json\n${answer({ int0: 5, str0: "hi" })}\n\`\`\``;
    expect(suggestionSteps(text)).toBeLessThanOrEqual(24 * text.length);
    expect(parseSuggestion(text, { keys: KEYS }).suggestion).toEqual({ int0: 5, str0: "hi" });
  });

  it("reads keys written with parentheses in one pass, as the regular expression did", () => {
    const samples = ["int0 (number)", "((a)b)c", "a(b", "(((x", "a)b(c)d(e", "()", "x(1)(2)y", ""];
    for (const s of samples) expect(withoutParentheses(s)).toBe(s.replace(/\([^)]*\)/g, ""));
    const r = keyResolver(["int0"]);
    expect(r.resolve("int0 (number)")).toBe("int0");
    expect(r.resolve(`${"(".repeat(MB)}int0`)).toBeUndefined();
  });
});

describe("parseSuggestion refuses answers over its size cap", () => {
  it("names the answer's length and the cap (default 1,000,000 characters), without scanning", () => {
    const text = `${answer({ int0: 5 })}${" ".repeat(MB)}`;
    const meter = { steps: 0 };
    const r = readSuggestion(text, { keys: KEYS }, meter);
    expect(meter.steps).toBe(0);
    expect(r.suggestion).toEqual({});
    expect(r.terminate).toBe(false);
    expect(r.problems).toEqual([
      expect.stringMatching(
        /^the answer is 1,000,\d{3} characters long, over the limit of 1,000,000 characters/,
      ),
    ]);
  });

  it("takes the cap as an option", () => {
    const text = answer({ int0: 5 });
    expect(parseSuggestion(text, { keys: KEYS, maxChars: text.length }).suggestion).toEqual({ int0: 5 });
    expect(parseSuggestion(text, { keys: KEYS, maxChars: 10 }).problems.join()).toMatch(
      /over the limit of 10 characters/,
    );
  });

  it("OptoPrime re-asks, then reports the answer's size and the cap", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const huge = `${answer({ [x.key]: 2 })}${" ".repeat(MB)}`;
    const model = new ScriptedModel([huge, huge]);
    const optimizer = new OptoPrime([x], { model, maxRetries: 1 });
    optimizer.backward(ops.add(x, 1), "bigger");
    const report = await optimizer.step();
    expect(report.error).toMatch(/no usable answer after 2 tries/);
    expect(report.error).toMatch(/characters long, over the limit of 1,000,000 characters/);
    expect(model.calls[1]!.request.messages.at(-1)!.content).toMatch(/over the limit of 1,000,000/);
    expect(x.data).toBe(1);
  });
});

describe("readChoice does work linear in the answer", () => {
  it.each(HOSTILE)(
    "1 MB of %s: at most 16 steps a character, no more than about 10× the steps of 100 KB",
    (_name, make) => {
      const big = make(MB);
      expect(big.length).toBe(MB);
      const bigSteps = choiceSteps(big);
      expect(bigSteps).toBeLessThanOrEqual(16 * MB);
      expect(bigSteps / choiceSteps(make(MB / 10))).toBeLessThan(12);
    },
  );

  it("reads the same forms as before", () => {
    expect(readChoice('{"reasoning": "r", "choice": 2}')).toBe(2);
    expect(readChoice('{"result": {"selection": "Candidate 3"}}')).toBe(3);
    expect(readChoice("{choice: 4}")).toBe(4);
    expect(readChoice("I pick CANDIDATE  #\n5.")).toBe(5);
    expect(readChoice(" \n 1 \t")).toBe(1);
    expect(readChoice("1 2")).toBeUndefined();
    expect(readChoice(`${" ".repeat(MB / 2)}candidate 2`)).toBe(2);
  });

  it("refuses an answer over its cap, and OptoPrimeMulti falls back naming the size and the cap", async () => {
    expect(readChoiceAnswer('{"choice": 2}', { maxChars: 5 })).toEqual({
      choice: undefined,
      problem: "the selection answer is 13 characters long, over the limit of 5 characters",
    });
    expect(readChoice('{"choice": 2}', { maxChars: 13 })).toBe(2);

    const x = node(1, { trainable: true, name: "x" });
    const model = new ScriptedModel((req) => {
      if (req.purpose === "select") {
        return `{"choice": 2}${" ".repeat(MB)}`;
      }
      return answer({ [x.key]: 10 + (req.temperature ?? 0) * 20 });
    });
    const optimizer = new OptoPrimeMulti([x], { model, candidates: 2, selection: "model" });
    optimizer.backward(ops.add(x, 1), "bigger");
    const report = await optimizer.step();
    const details = report.details as OptoPrimeMultiDetails;
    expect(details.selection).toBe("fallback");
    expect(details.selectionError).toBe(
      "the selection answer is 1,000,013 characters long, over the limit of 1,000,000 characters",
    );
    expect(x.data).toBe(10);
  });
});
