import { describe, expect, it } from "@jest/globals";
import { node, ops } from "@trace-ts/core";
import { fillTo, measureParseWork, ScriptedModel } from "@trace-ts/core/testing";
import { Opro, parseSolution, readSolution } from "@trace-ts/opro";

// An answer is untrusted input. These tests count the parser's work (steps, about one per
// character examined), never time: the work must grow linearly with the answer's length.

const MB = 1_000_000;
const fill = fillTo;

const HOSTILE: readonly (readonly [string, (n: number) => string])[] = [
  ["opening tags without closing ones", (n) => fill('<value name="a">', n)],
  ["single-quoted opening tags", (n) => fill("<value name='a'>", n)],
  ["unquoted opening tags", (n) => fill("<value name=a>", n)],
  ["opening tags, one closing tag at the end", (n) => `${fill('<value name="a">', n - 8)}</value>`],
  ["closing tags only", (n) => fill("</value>", n)],
  ["tags cut after =", (n) => fill("<value name=", n)],
  ["only <", (n) => fill("<", n)],
  ["one long quoted name", (n) => `<value name="${fill("a", n - 24)}">x</value>`],
  ["a quoted name of spaces", (n) => `<value name="${" ".repeat(n - 24)}">x</value>`],
  ["backticks in names", (n) => fill('<value name="`a`b`">', n)],
  ["many blocks", (n) => fill('<value name="a">x</value>', n)],
  ["unterminated fences in a block", (n) => `<value name="a">${fill("```\n", n - 24)}</value>`],
  ['only "', (n) => fill('"', n)],
  ["alternating quotes and backslashes", (n) => fill('"\\', n)],
];

function steps(text: string): number {
  const meter = { steps: 0 };
  readSolution(text, {}, meter);
  return meter.steps;
}

describe("parseSolution does work linear in the answer", () => {
  it.each(HOSTILE)(
    "1 MB of %s: at most 8 steps a character, about 10× the steps of 100 KB",
    (_name, make) => {
      const work = measureParseWork((text, meter) => readSolution(text, {}, meter), make, MB);
      expect(work.stepsPerChar).toBeLessThanOrEqual(8);
      expect(work.ratio).toBeGreaterThan(8);
      expect(work.ratio).toBeLessThan(12);
    },
  );

  it("a normal answer costs a few steps a character", () => {
    const text =
      "Because.\n<value name=\"a0\">\n```js\nfunction f() {}\n```\n</value>\n<value name='b0'>2</value>";
    expect(steps(text)).toBeLessThanOrEqual(8 * text.length);
    expect(parseSolution(text)).toEqual({
      values: { a0: "function f() {}", b0: "2" },
      reasoning: "Because.",
    });
  });

  it("reads the blocks after a megabyte of unclosed opening tags", () => {
    const text = `${fill('<value name="a">', 900_000)}<value name="b">2</value>`;
    // every unclosed tag before it opens a block that ends at the one closing tag, the way the
    // former regular expression read it: the first such tag wins
    expect(parseSolution(text)?.values).toEqual({ a: expect.stringContaining('<value name="a">') });
    expect(parseSolution(`x${fill("<value name=", 900_000)} <value name="b">2</value>`)?.values).toEqual({
      b: "2",
    });
  });
});

describe("parseSolution refuses answers over its size cap", () => {
  it("readSolution names the answer's length and the cap (default 1,000,000 characters)", () => {
    const text = `<value name="a">1</value>${" ".repeat(MB)}`;
    const meter = { steps: 0 };
    expect(readSolution(text, {}, meter)).toEqual({
      ok: false,
      problem: expect.stringContaining("1,000,025 characters long, over the limit of 1,000,000 characters"),
    });
    expect(meter.steps).toBe(0);
    expect(parseSolution(text)).toBeUndefined();
  });

  it("takes the cap as an option", () => {
    const text = '<value name="a">1</value>';
    expect(parseSolution(text, { maxChars: 25 })).toEqual({ values: { a: "1" }, reasoning: "" });
    expect(readSolution(text, { maxChars: 24 })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/25 characters long, over the limit of 24 characters/),
    });
    expect(readSolution("no blocks")).toEqual({
      ok: false,
      problem: 'the answer has no <value name="…"> … </value> block',
    });
  });

  it("Opro re-asks, then reports UNUSABLE_ANSWER naming the size and the cap", async () => {
    const x = node(0, { trainable: true, name: "x" });
    const huge = `<value name="${x.key}">1</value>${" ".repeat(MB)}`;
    const model = new ScriptedModel([huge, huge]);
    const optimizer = new Opro([x], { model, maxRetries: 1 });
    optimizer.backward(ops.multiply(x, 10), 0.5);
    const report = await optimizer.step();
    expect(report.errorCode).toBe("UNUSABLE_ANSWER");
    expect(report.error).toMatch(/no usable answer after 2 tries/);
    expect(report.error).toMatch(/characters long, over the limit of 1,000,000 characters/);
    expect(model.calls[1]!.request.messages.at(-1)!.content).toMatch(/over the limit of 1,000,000/);
    expect(x.data).toBe(0);
  });
});
