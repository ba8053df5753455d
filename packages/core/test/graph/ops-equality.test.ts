import { describe, expect, it } from "@jest/globals";
import { type Node, node, ops } from "@trace-ts/core";
import { structurallyEqual } from "@trace-ts/core/graph";
import { opFailure } from "./helpers/op-checks.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe("structurallyEqual (Python ==)", () => {
  it.each([
    ["equal numbers", 1, 1, true],
    ["NaN differs from itself", Number.NaN, Number.NaN, false],
    ["0 equals -0", 0, -0, true],
    ["number vs string", 1, "1", false],
    ["null vs undefined", null, undefined, false],
    ["arrays by elements", [1, [2, "a"]], [1, [2, "a"]], true],
    ["arrays of different length", [1, 2], [1, 2, 3], false],
    ["arrays in another order", [1, 2], [2, 1], false],
    ["array vs object with the same indices", [1], { 0: 1 }, false],
    ["objects in any key order", { a: 1, b: { c: [1] } }, { b: { c: [1] }, a: 1 }, true],
    ["objects with an extra key", { a: 1 }, { a: 1, b: undefined }, false],
    ["null-prototype and plain objects", Object.assign(Object.create(null), { a: 1 }), { a: 1 }, true],
    [
      "Maps by keys and values",
      new Map<unknown, unknown>([
        ["a", [1]],
        [2, "b"],
      ]),
      new Map<unknown, unknown>([
        [2, "b"],
        ["a", [1]],
      ]),
      true,
    ],
    ["Maps with a different value", new Map([["a", 1]]), new Map([["a", 2]]), false],
    ["Map vs object", new Map([["a", 1]]), { a: 1 }, false],
    ["Sets by membership", new Set([1, 2]), new Set([2, 1]), true],
    ["Sets with object members by content", new Set([{ a: 1 }, 2]), new Set([2, { a: 1 }]), true],
    ["Sets of different size", new Set([1]), new Set([1, 2]), false],
    ["Dates by time", new Date(5), new Date(5), true],
    ["Dates at different times", new Date(5), new Date(6), false],
    ["class instances by identity", new Point(1, 2), new Point(1, 2), false],
    ["class instance vs plain object", new Point(1, 2), { x: 1, y: 2 }, false],
  ])("%s", (_name, x, y, expected) => {
    expect(structurallyEqual(x, y)).toBe(expected);
    expect(structurallyEqual(y, x)).toBe(expected);
  });

  it("the same class instance equals itself", () => {
    const p = new Point(1, 2);
    expect(structurallyEqual([p], [p])).toBe(true);
  });

  it("compares values that contain themselves without looping", () => {
    const a: unknown[] = [1];
    a.push(a);
    const b: unknown[] = [1];
    b.push(b);
    expect(structurallyEqual(a, b)).toBe(true);
    const c: unknown[] = [2];
    c.push(c);
    expect(structurallyEqual(a, c)).toBe(false);
    const o: Record<string, unknown> = { k: 1 };
    o.self = o;
    const p: Record<string, unknown> = { k: 1 };
    p.self = p;
    expect(structurallyEqual(o, p)).toBe(true);
  });
});

describe("eq, neq, is, isNot", () => {
  it("eq and neq compare by content and record both inputs", () => {
    const x = node([1, { a: 2 }], { trainable: true });
    const out = ops.eq(x, [1, { a: 2 }]);
    expect(out.data).toBe(true);
    expect(out.op).toBe("eq");
    expect(out.inputs.x).toBe(x);
    expect(Object.keys(out.inputs)).toEqual(["x", "y"]);
    expect(new Set(out.parents)).toEqual(new Set<Node>(Object.values(out.inputs)));
    expect(ops.neq(x, [1, { a: 2 }]).data).toBe(false);
    expect(ops.neq(x, [1, { a: 3 }]).data).toBe(true);
    expect(ops.eq(Number.NaN, Number.NaN).data).toBe(false);
    expect(out.description).not.toMatch(/strict/);
  });

  it("is and isNot compare identity with SameValueZero", () => {
    const list = [1, 2];
    const same = ops.is(node(list), list);
    expect(same.data).toBe(true);
    expect(same.op).toBe("is");
    expect(Object.keys(same.inputs)).toEqual(["x", "y"]);
    expect(ops.is([1, 2], [1, 2]).data).toBe(false);
    expect(ops.is(Number.NaN, Number.NaN).data).toBe(true);
    expect(ops.is(0, -0).data).toBe(true);
    expect(ops.isNot([1, 2], [1, 2]).data).toBe(true);
    expect(ops.isNot(list, list).op).toBe("isNot");
    expect(ops.isNot(list, list).data).toBe(false);
  });

  it("fluent eq and neq are structural", () => {
    expect(node({ a: [1] }).eq({ a: [1] }).data).toBe(true);
    expect(node(new Set([1])).neq(new Set([1])).data).toBe(false);
  });
});

describe("contains and notContains", () => {
  it.each([
    ["substring", "hello world", "lo w", true],
    ["missing substring", "hello", "x", false],
    ["array element by content", [[1, 2], { a: 1 }], { a: 1 }, true],
    ["array without the element", [1, 2], 3, false],
    ["Map key", new Map([["k", 1]]), "k", true],
    ["Map value is not a key", new Map([["k", 1]]), 1, false],
    ["Set member", new Set(["a"]), "a", true],
    ["Set object member by content", new Set([[1, 2]]), [1, 2], true],
    ["object key", { a: undefined }, "a", true],
    ["object number key", { 1: "x" }, 1, true],
    ["object missing key", { a: 1 }, "b", false],
    ["object inherited key is not a key", {}, "toString", false],
  ])("%s", (_name, container, item, expected) => {
    const c = node(container as unknown);
    const out = ops.contains(c, item);
    expect(out.data).toBe(expected);
    expect(out.op).toBe("contains");
    expect(out.inputs.container).toBe(c);
    expect(Object.keys(out.inputs)).toEqual(["container", "item"]);
    const negated = ops.notContains(c, item);
    expect(negated.data).toBe(!expected);
    expect(negated.op).toBe("notContains");
  });

  it("a non-container, or a non-string in a string, fails with InvalidOperandError", () => {
    for (const build of [
      () => ops.contains(5, 1),
      () => ops.contains("abc", 1),
      () => ops.notContains(null, 1),
    ]) {
      expect(opFailure(build, /^(contains|notContains)$/).cause).toMatchObject({ code: "INVALID_OPERAND" });
    }
  });

  it("fluent contains", () => {
    expect(node(["a", "b"]).contains("b").data).toBe(true);
    expect(node("abc").contains("d").data).toBe(false);
  });
});
