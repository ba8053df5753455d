import { describe, expect, it } from "@jest/globals";
import { graphScope, node, ops } from "@trace-ts/core";
import { fillTo, measureParseWork, ScriptedModel } from "@trace-ts/core/testing";
import { extractNewValue, TextGrad, textGradRequestInfo } from "@trace-ts/textgrad";
import { readNewValue } from "../src/parse.js";

// An update answer is untrusted input. These tests count the parser's work (steps, about one per
// character examined), never time: the work must grow linearly with the answer's length.

const MB = 1_000_000;
const fill = fillTo;

const HOSTILE: readonly (readonly [string, (n: number) => string])[] = [
  ["opening tags without closing ones", (n) => fill("<new_value>", n)],
  ["spaced opening tags", (n) => fill("< NEW_VALUE >", n)],
  ["closing tags only", (n) => fill("</new_value>", n)],
  ["only <", (n) => fill("<", n)],
  ["< then spaces", (n) => `<${" ".repeat(n - 1)}`],
  ["tags cut before >", (n) => fill("< / new_value ", n)],
  ["alternating tags", (n) => fill("<new_value></new_value>", n)],
  ["unterminated fences in a block", (n) => `<new_value>${fill("```\n", n - 23)}</new_value>`],
  ["a fence opener, then spaces", (n) => `<new_value>\`\`\`ts\n${" ".repeat(n - 29)}</new_value>`],
  ['only "', (n) => fill('"', n)],
  ["alternating quotes and backslashes", (n) => fill('"\\', n)],
  ["only {", (n) => fill("{", n)],
];

function steps(text: string): number {
  const meter = { steps: 0 };
  readNewValue(text, {}, meter);
  return meter.steps;
}

describe("extractNewValue does work linear in the answer", () => {
  it.each(HOSTILE)(
    "1 MB of %s: at most 8 steps a character, about 10× the steps of 100 KB",
    (_name, make) => {
      const work = measureParseWork((text, meter) => readNewValue(text, {}, meter), make, MB);
      expect(work.stepsPerChar).toBeLessThanOrEqual(8);
      expect(work.ratio).toBeGreaterThan(8);
      expect(work.ratio).toBeLessThan(12);
    },
  );

  it("a normal answer costs a few steps a character", () => {
    const text = "The greeting should be in French.\n<new_value>\n```\nBonjour !\n```\n</new_value>";
    expect(steps(text)).toBeLessThanOrEqual(8 * text.length);
    expect(extractNewValue(text)).toEqual({
      ok: true,
      value: "Bonjour !",
      reasoning: "The greeting should be in French.",
    });
  });

  it("finds the last closed block after a megabyte of unclosed tags", () => {
    const text = `<new_value>a</new_value>${fill("<new_value>", 900_000)}<new_value>b</new_value>${fill("<new_value>", 90_000)}`;
    expect(extractNewValue(text)).toMatchObject({ ok: true, value: "b" });
  });
});

describe("extractNewValue refuses answers over its size cap", () => {
  it("names the answer's length and the cap (default 1,000,000 characters), without scanning", () => {
    const text = `<new_value>x</new_value>${" ".repeat(MB)}`;
    const meter = { steps: 0 };
    expect(readNewValue(text, {}, meter)).toEqual({
      ok: false,
      problem: expect.stringContaining("1,000,024 characters long, over the limit of 1,000,000 characters"),
    });
    expect(meter.steps).toBe(0);
  });

  it("takes the cap as an option", () => {
    expect(extractNewValue("<new_value>x</new_value>", { maxChars: 24 })).toMatchObject({ ok: true });
    expect(extractNewValue("<new_value>x</new_value>", { maxChars: 23 })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/24 characters long, over the limit of 23 characters/),
    });
  });

  it("TextGrad re-asks, then reports UNUSABLE_ANSWER naming the size and the cap", async () => {
    const { p, out } = graphScope(() => {
      const p = node("hi", { trainable: true, name: "p" });
      return { p, out: ops.concat(p, "!") };
    });
    const huge = `<new_value>${"x".repeat(MB)}</new_value>`;
    const model = new ScriptedModel((request) =>
      textGradRequestInfo(request)?.kind === "update" ? huge : "Make it shorter.",
    );
    const optimizer = new TextGrad([p], { model, maxRetries: 1 });
    optimizer.backward(out, "Too long.");
    const report = await optimizer.step();
    expect(report.errorCode).toBe("UNUSABLE_ANSWER");
    expect(report.error).toMatch(/no usable answer after 2 tries/);
    expect(report.error).toMatch(/1,000,023 characters long, over the limit of 1,000,000 characters/);
    expect(p.data).toBe("hi");
  });
});
