import { describe, expect, it } from "@jest/globals";
import {
  ExceptionNode,
  graphScope,
  NotAParameterError,
  node,
  ops,
  ParameterNode,
  problemView,
} from "@trace-ts/core";

const keysOf = (entries: readonly { key: string }[]) => entries.map((e) => e.key);

describe("problemView", () => {
  it("classifies a small graph into variables, inputs, intermediates, outputs, code and docs", () =>
    graphScope(() => {
      const x = node(3, { name: "x" });
      const b = node(2, { trainable: true, name: "b", description: "the slope", constraint: "an integer" });
      const c = node(10, { name: "c" });
      const m = ops.multiply(x, b); // multiply0, depends on b
      const u = ops.add(c, 1); // add0, independent of b: shown as a fixed input
      const out = ops.add(m, u); // add1
      out.backward("should be 100");

      const view = problemView([b]);
      expect(view.variables).toEqual([
        { key: "b0", node: b, value: 2, type: "number", description: "the slope", constraint: "an integer" },
      ]);
      expect(keysOf(view.inputs)).toEqual(["x0", "add0"]);
      expect(view.inputs.map((i) => i.value)).toEqual([3, 11]);
      expect(keysOf(view.intermediates)).toEqual(["multiply0"]);
      expect(view.intermediates[0]!.value).toBe(6);
      expect(keysOf(view.outputs)).toEqual(["add1"]);
      expect(view.outputs[0]!.value).toBe(17);
      expect(view.code).toEqual(["multiply0 = multiply(x=x0, y=b0)", "add1 = add(x=multiply0, y=add0)"]);
      expect(Object.keys(view.documentation).sort()).toEqual(["add", "multiply"]);
      expect(view.documentation.multiply).toBe(m.description);
      expect(view.feedback.map((f) => [f.key, f.feedback])).toEqual([["add1", "should be 100"]]);
      // the independent branch's own inputs are not part of the minimal subgraph
      expect(view.nodes).not.toContain(c);
      expect(view.nodes.map((n) => n.key)).toEqual(["x0", "b0", "multiply0", "add0", "add1"]);
      expect(view.nodeByKey.get("b0")).toBe(b);
      expect(view.keyOf(out)).toBe("add1");
    }));

  it("keeps each output's feedback in a minibatch, in call order", () =>
    graphScope(() => {
      const w = node(1, { trainable: true, name: "w" });
      const outs = [2, 3].map((k) => ops.multiply(w, k));
      outs[1]!.backward("second is too big");
      outs[0]!.backward({ score: 1 });
      const view = problemView([w]);
      expect(view.feedback.map((f) => [f.key, f.feedback])).toEqual([
        ["multiply1", "second is too big"],
        ["multiply0", { score: 1 }],
      ]);
      expect(keysOf(view.outputs).sort()).toEqual(["multiply0", "multiply1"]);
      expect(view.code).toHaveLength(2);
      expect(view.intermediates).toEqual([]);
    }));

  it("includes several parameters and shows non-chosen parameters as inputs", () =>
    graphScope(() => {
      const p = node("Be brief.", { trainable: true, name: "prompt" });
      const q = node("en", { trainable: true, name: "lang" });
      const r = node(0.2, { trainable: true, name: "temp" });
      const out = ops.format("{p} ({q}, {r})", { p, q, r });
      out.backward("wrong language");
      const view = problemView([p, q]);
      expect(keysOf(view.variables)).toEqual(["prompt0", "lang0"]);
      expect(keysOf(view.inputs)).toEqual(["str0", "temp0"]);
      expect(view.code).toEqual(["format0 = format(template=str0, p=prompt0, q=lang0, r=temp0)"]);
    }));

  it("leaves out parameters no feedback reached, and their graphs", () => {
    const a = node(1, { trainable: true });
    const b = node(1, { trainable: true });
    ops.add(b, 1); // never gets feedback
    ops.add(a, 1).backward("fb");
    const view = problemView([a, b]);
    expect(view.variables.map((v) => v.node)).toEqual([a]);
    expect(view.code).toHaveLength(1);
  });

  it("an ExceptionNode output appears as an output with its error", () =>
    graphScope(() => {
      const p = node(0, { trainable: true, name: "d" });
      const e = new ExceptionNode({
        op: "divide",
        inputs: { y: p },
        error: new RangeError("division by zero"),
      });
      e.backward(e.errorFeedback());
      const view = problemView([p]);
      expect(view.outputs[0]!.value).toBe("RangeError: division by zero");
      expect(view.code).toEqual(["exception0 = divide(y=d0)"]);
      expect(view.feedback[0]!.feedback).toMatch(/division by zero/);
    }));

  it("types code parameters as code", () => {
    const code = new ParameterNode("f(x) { return x; }", { name: "__code", info: { code: true } });
    ops.concat(code, "").backward("fb");
    expect(problemView([code]).variables[0]!.type).toBe("code");
  });

  it("makes keys unique when nodes from separate naming scopes meet", () => {
    const p = graphScope(() => node(1, { trainable: true, name: "v" })); // v0
    const q = graphScope(() => node(2, { trainable: true, name: "v" })); // v0 too
    ops.add(p, q).backward("fb");
    const view = problemView([p, q]);
    const keys = keysOf(view.variables);
    expect(new Set(keys).size).toBe(2);
    expect(view.nodeByKey.get(keys[0]!)).toBe(p);
    expect(view.nodeByKey.get(keys[1]!)).toBe(q);
  });

  it("can be restricted to chosen backward records", () => {
    const w = node(1, { trainable: true });
    const r1 = ops.add(w, 1).backward("a");
    ops.add(w, 2).backward("b");
    const view = problemView([w], { records: [r1] });
    expect(view.feedback.map((f) => f.feedback)).toEqual(["a"]);
    expect(view.outputs).toHaveLength(1);
  });

  it("rejects non-parameters", () => {
    expect(() => problemView([node(1) as never])).toThrow(NotAParameterError);
    expect(() => problemView([node(1) as never])).toThrow(/int:\d+, which is not a parameter/);
  });
});
