import { describe, expect, it } from "@jest/globals";
import { hasNameAt, type ParseMeter, skipSpace, stripCodeFence, stripFence } from "@trace-ts/core/optimizer";

/** The pattern `stripCodeFence` used before it became a one-pass scan: the reference behaviour. */
function fenceByRegex(text: string): string {
  const m = /^\s*```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/.exec(text);
  return m ? m[1]! : text;
}

describe("linear scanning helpers for parsers of model output", () => {
  it("stripFence (and stripCodeFence) remove a fence exactly like the former regular expression", () => {
    const samples = [
      "```ts\ncode\n```",
      "  ```js-x \t\r\na\r\n```  \n",
      "```\n```",
      "```\n",
      "```ts code```",
      "```\n\n```",
      "```\r```",
      "```\nx\r```",
      "````\nx\n````",
      "\u00a0```\nx\n```\u2028",
      "no fence",
      "```\nx\n``` trailing",
      '```json\n{"a": 1}\n```\n',
    ];
    for (const s of samples) {
      expect(stripFence(s)).toBe(fenceByRegex(s));
      expect(stripCodeFence(s)).toBe(fenceByRegex(s));
    }
  });

  it("stripFence does linear work on hostile input (counted, not timed)", () => {
    const steps = (n: number): number => {
      const meter: ParseMeter = { steps: 0 };
      stripFence(`\`\`\`\n${"```x".repeat(n)}`, meter);
      return meter.steps;
    };
    expect(steps(100_000)).toBeLessThanOrEqual(2 * 400_000 + 100);
    expect(steps(100_000) / steps(10_000)).toBeLessThan(12);
  });

  it("skipSpace and hasNameAt count what they examine", () => {
    const meter: ParseMeter = { steps: 0 };
    expect(skipSpace(" \t\u00a0x", 0, meter)).toBe(3);
    expect(hasNameAt("<New_Value>", 1, "new_value", meter)).toBe(true);
    expect(hasNameAt("<new_valu", 1, "new_value", meter)).toBe(false);
    expect(meter.steps).toBeGreaterThan(0);
  });
});
