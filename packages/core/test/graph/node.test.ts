import { describe, expect, it } from "@jest/globals";
import {
  ExceptionNode,
  graphScope,
  InvalidOptionError,
  MessageNode,
  Node,
  node,
  ops,
  ParameterNode,
  TraceError,
} from "@trace-ts/core";

describe("node()", () => {
  it("wraps values as constant roots", () => {
    const n = node(5, { description: "five" });
    expect(n).toBeInstanceOf(Node);
    expect(n).not.toBeInstanceOf(ParameterNode);
    expect(n.data).toBe(5);
    expect(n.description).toBe("five");
    expect(n.trainable).toBe(false);
    expect(n.isRoot).toBe(true);
    expect(n.level).toBe(0);
    expect(n.parents).toEqual([]);
  });

  it("returns an existing node unchanged unless trainable is asked for", () => {
    const n = node("x");
    expect(node(n)).toBe(n);
    const p = node(n, { trainable: true, name: "prompt" });
    expect(p).toBeInstanceOf(ParameterNode);
    expect(p).not.toBe(n);
    expect(p.data).toBe("x");
    expect(p.name.startsWith("prompt:")).toBe(true);
    expect(node(p, { trainable: true })).toBe(p);
  });

  it("makes trainable parameters with a constraint and a settable value", () => {
    const p = node(0.5, { trainable: true, constraint: "between 0 and 1" });
    expect(p.trainable).toBe(true);
    expect(p.constraint).toBe("between 0 and 1");
    expect(p.version).toBe(0);
    p.data = 0.7;
    expect(p.data).toBe(0.7);
    expect(p.version).toBe(1);
  });

  it("runs a parameter's validator and reports the reason", () => {
    const p = new ParameterNode(1, {
      validate: (v) => {
        if (typeof v !== "number") throw new Error("must be a number");
        return v < 0 ? "must not be negative" : undefined;
      },
    });
    expect(p.validate(3)).toBeUndefined();
    expect(p.validate(-1)).toBe("must not be negative");
    expect(p.validate("x")).toBe("must be a number");
    expect(new ParameterNode(1).validate("anything")).toBeUndefined();
  });

  it.each([
    [{ trainable: "yes" }, "trainable"],
    [{ name: 3 }, "name"],
    [{ description: {} }, "description"],
    [{ trainible: true }, "trainible"],
    [{ constraint: "x > 0" }, "constraint"],
  ])("rejects bad options %j with an InvalidOptionError naming the option", (options, option) => {
    let error: unknown;
    try {
      node(1, options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toBeInstanceOf(TraceError);
    expect((error as InvalidOptionError).code).toBe("INVALID_OPTION");
    expect((error as InvalidOptionError).option).toBe(option);
    expect((error as Error).message).toContain(option);
  });

  it("rejects a non-object options argument", () => {
    expect(() => node(1, "trainable" as never)).toThrow(InvalidOptionError);
  });
});

describe("graph structure", () => {
  it("records parents, children and levels", () =>
    graphScope(() => {
      const a = node(1, { trainable: true });
      const b = node(2);
      const c = ops.add(a, b);
      const d = ops.multiply(c, a);
      expect(c.parents).toEqual([a, b]);
      expect(d.parents).toEqual([c, a]);
      expect([a.level, b.level, c.level, d.level]).toEqual([0, 0, 1, 2]);
      expect(a.children).toEqual([c, d]);
      expect(c.children).toEqual([d]);
      expect(a.isLeaf).toBe(false);
      expect(d.isLeaf).toBe(true);
      expect(d.isRoot).toBe(false);
    }));

  it("lists a node once among the parents when it feeds two inputs, but keeps both input names", () => {
    const x = node(3);
    const sq = ops.multiply(x, x);
    expect(sq.parents).toEqual([x]);
    expect(Object.keys(sq.inputs)).toEqual(["x", "y"]);
    expect(sq.inputs.x).toBe(x);
    expect(sq.inputs.y).toBe(x);
    expect(sq.data).toBe(9);
  });

  it("MessageNodes carry op, description and info", () => {
    const m = ops.add(1, 2);
    expect(m).toBeInstanceOf(MessageNode);
    expect(m.op).toBe("add");
    expect(m.info.op).toBe("add");
    expect(m.description).toMatch(/x \+ y/);
    expect(m.name).toMatch(/^add:\d+$/);
  });

  it("ExceptionNode describes the error and builds error feedback", () => {
    const x = node(1);
    const e = new ExceptionNode({
      op: "parse",
      inputs: { text: x },
      error: new SyntaxError("bad token"),
      annotatedSource: "parse(text) {\n>> return JSON.parse(text);\n}",
    });
    expect(e.data).toBe("SyntaxError: bad token");
    expect(e.parents).toEqual([x]);
    expect(e.errorFeedback()).toContain("SyntaxError: bad token");
    expect(e.errorFeedback()).toContain(">> return JSON.parse(text);");
    expect(new ExceptionNode({ op: "f", inputs: {}, error: "boom" }).errorFeedback()).toBe(
      "f threw thrown value: boom",
    );
  });

  it("toString does not print the value", () => {
    const n = node("secret value", { name: "p" });
    expect(String(n)).toBe(`Node(${n.name})`);
  });
});
