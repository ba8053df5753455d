import { describe, expect, it } from "@jest/globals";
import {
  ExceptionNode,
  feedbackToText,
  graphScope,
  InvalidOptionError,
  isExceptionEntry,
  isFeedback,
  node,
  ops,
  ParameterNode,
  problemView,
  valueTypeOf,
} from "@trace-ts/core";
import {
  ancestorsInTopologicalOrder,
  currentTraceState,
  isTracing,
  withTraceSlot,
  withTraceState,
} from "@trace-ts/core/graph";
import { describeValue, validateOptions } from "@trace-ts/core/optimizer";

describe("small public utilities of the graph layer", () => {
  it("ancestorsInTopologicalOrder lists each ancestor once, parents before children", () => {
    const a = node(1);
    const b = ops.add(a, 1);
    const c = ops.multiply(b, a);
    const d = ops.add(c, b);
    const order = ancestorsInTopologicalOrder([d, c]);
    expect(new Set(order).size).toBe(order.length);
    expect(order.at(-1)).toBe(d);
    for (const n of order) for (const p of n.parents) expect(order.indexOf(p)).toBeLessThan(order.indexOf(n));
    expect(order).toContain(a);
  });

  it("isFeedback and feedbackToText accept strings, numbers, booleans and plain objects", () => {
    expect([" x", 0, false, { score: 1 }, Object.create(null)].every(isFeedback)).toBe(true);
    expect([undefined, null, Number.NaN, [1], new Map(), () => 1].some(isFeedback)).toBe(false);
    expect(feedbackToText({ score: 1 })).toBe('{"score":1}');
    expect(feedbackToText(3)).toBe("3");
    expect(feedbackToText("ok")).toBe("ok");
  });

  it("describeValue never prints large contents", () => {
    expect(describeValue("x".repeat(100))).toMatch(/^the string "x{40}…"$/);
    expect(describeValue([1, 2, 3])).toBe("an array of length 3");
    expect(describeValue(new Map())).toBe("an instance of Map");
    expect(describeValue(function f() {})).toBe("a function (f)");
    expect(describeValue(null)).toBe("null");
  });

  it("valueTypeOf classifies node values, and code parameters as code", () => {
    expect([1, "s", true, null, [1], { a: 1 }, undefined, () => 1].map((v) => valueTypeOf(node(v)))).toEqual([
      "number",
      "string",
      "boolean",
      "null",
      "array",
      "object",
      "undefined",
      "function",
    ]);
    expect(valueTypeOf(new ParameterNode("f() {}", { info: { code: true } }))).toBe("code");
  });

  it("isExceptionEntry tells error outputs apart in a problem view", () => {
    const p = node(1, { trainable: true });
    const ok = ops.add(p, 1);
    const bad = new ExceptionNode({ op: "check", inputs: { x: p }, error: new Error("no") });
    ok.backward("fine");
    bad.backward(bad.errorFeedback());
    const view = problemView([p]);
    expect(view.outputs.map(isExceptionEntry)).toEqual(view.outputs.map((o) => o.node === bad));
    expect(view.outputs.some(isExceptionEntry)).toBe(true);
  });

  it("validateOptions names unknown options and wrong kinds", () => {
    const schema = { n: "integer", s: "string", f: "function" } as const;
    expect(() => validateOptions("f()", { n: 1, s: "x", f: () => 1 }, schema)).not.toThrow();
    expect(() => validateOptions("f()", { n: 1.5 }, schema)).toThrow(/option 'n' must be an integer/);
    expect(() => validateOptions("f()", { q: 1 }, schema)).toThrow(InvalidOptionError);
    expect(() => validateOptions("f()", [1], schema)).toThrow(/must be an object/);
  });

  it("withTraceState and withTraceSlot change the state only inside, also across awaits", async () => {
    const slot = Symbol("test-slot");
    const inside = await withTraceSlot(slot, 42, () =>
      withTraceState({ tracing: false }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        return [currentTraceState().slots.get(slot), isTracing()];
      }),
    );
    expect(inside).toEqual([42, false]);
    expect(currentTraceState().slots.has(slot)).toBe(false);
    expect(isTracing()).toBe(true);
    const scoped = graphScope(() => currentTraceState().names);
    expect(scoped).not.toBe(currentTraceState().names);
  });
});
