import { describe, expect, it } from "@jest/globals";
import { formatValue, truncateText } from "@trace-ts/core/optimizer";

describe("formatValue", () => {
  it.each([
    ["plain text", "plain text"],
    [42, "42"],
    [true, "true"],
    [null, "null"],
    [undefined, "undefined"],
    [[1, "a"], '[1,"a"]'],
    [{ a: { b: 2 } }, '{"a":{"b":2}}'],
    [new Map([["k", 1]]), '{"[Map]":[["k",1]]}'],
    [new Set([1, 2]), '{"[Set]":[1,2]}'],
    [10n, "10n"],
    [function named() {}, "[function named]"],
    [{ f: () => 1, u: undefined }, '{"f":"[function f]","u":null}'],
  ])("formats %p", (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it("marks cycles instead of throwing", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    expect(formatValue(a)).toBe('{"name":"a","self":"[circular]"}');
  });

  it("truncates with a visible marker saying how much was left out", () => {
    expect(formatValue("x".repeat(100), 10)).toBe(`${"x".repeat(10)}…[90 more characters]`);
    expect(formatValue({ long: "y".repeat(50) }, 12)).toMatch(/^\{"long":"yyy…\[\d+ more characters\]$/);
    expect(truncateText("short", 10)).toBe("short");
  });
});
