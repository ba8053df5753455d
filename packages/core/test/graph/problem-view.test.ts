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
      // in the order they were created: temp0 before the template string format() wrapped
      expect(keysOf(view.inputs)).toEqual(["temp0", "str0"]);
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

  it("lists #Code in the order the operations ran, not in depth-first order", () =>
    graphScope(() => {
      const p = node(1, { trainable: true, name: "p" });
      const doubled = ops.multiply(p, 2); // ran first
      const shifted = ops.add(p, 3); // ran second
      const out = ops.subtract(shifted, doubled); // reads the later one first
      out.backward("should be 0");
      const view = problemView([p]);
      expect(view.code).toEqual([
        "multiply0 = multiply(x=p0, y=int0)",
        "add0 = add(x=p0, y=int1)",
        "subtract0 = subtract(x=add0, y=multiply0)",
      ]);
      expect(keysOf(view.intermediates)).toEqual(["multiply0", "add0"]);
      expect(keysOf(view.inputs)).toEqual(["int0", "int1"]);
      const ids = view.nodes.map((n) => n.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }));

  it("shows identical unnamed constants once, sharing one key; the graph keeps both", () =>
    graphScope(() => {
      const prompt = node("Greet", { trainable: true, name: "prompt" });
      const first = ops.concat(prompt, "Hello, I'm John."); // str0
      const second = ops.concat(prompt, "Hello, I'm John."); // str1, the same input again
      const out = ops.concat(first, second);
      out.backward("too long");
      const view = problemView([prompt]);
      expect(keysOf(view.inputs)).toEqual(["str0"]);
      expect(view.code).toEqual([
        "concat0 = concat(x=prompt0, y=str0)",
        "concat1 = concat(x=prompt0, y=str0)",
        "concat2 = concat(x=concat0, y=concat1)",
      ]);
      const [a, b] = [first.parents[1]!, second.parents[1]!];
      expect(a).not.toBe(b); // the graph stays as it is
      expect(view.nodes).toContain(b);
      expect(view.keyOf(b)).toBe("str0");
      expect(view.nodeByKey.get("str0")).toBe(a);
      expect(view.nodeByKey.has("str1")).toBe(false);
    }));

  it("keeps constants apart when their names, descriptions, types or values differ", () =>
    graphScope(() => {
      const w = node(1, { trainable: true, name: "w" });
      const parts = [
        node(2, { name: "expected" }),
        node(2, { name: "actual" }),
        node(2, { description: "a limit" }),
        node("2"),
        node(3),
        node(3),
      ];
      let out = ops.add(w, 0);
      for (const x of parts) out = ops.add(out, x as never);
      out.backward("fb");
      const view = problemView([w]);
      // int0 has a description; int1 and int2 both hold 3 (shown once); int3 is the 0 added first
      expect(keysOf(view.inputs)).toEqual(["expected0", "actual0", "int0", "str0", "int1", "int3"]);
      expect(view.keyOf(parts[5]!)).toBe("int1");
    }));

  it("rejects non-parameters", () => {
    expect(() => problemView([node(1) as never])).toThrow(NotAParameterError);
    expect(() => problemView([node(1) as never])).toThrow(/int:\d+, which is not a parameter/);
  });
});
