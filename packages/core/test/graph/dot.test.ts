import { describe, expect, it } from "@jest/globals";
import { ExceptionNode, graphScope, InvalidOptionError, node, ops, problemView, toDot } from "@trace-ts/core";

const lineFor = (dot: string, key: string) => dot.split("\n").find((l) => l.includes(`label="${key}`)) ?? "";

describe("toDot", () => {
  it("draws a node's ancestors with distinct styles for parameters, exceptions and outputs", () =>
    graphScope(() => {
      const p = node("Be brief", { trainable: true, name: "prompt" });
      const x = node(2, { name: "x" });
      const out = ops.concat(p, x);
      const err = new ExceptionNode({ op: "check", inputs: { text: out }, error: new Error("bad") });
      const dot = toDot(err);
      expect(dot.startsWith('digraph "trace" {')).toBe(true);
      expect(dot.trimEnd().endsWith("}")).toBe(true);
      expect(lineFor(dot, "prompt0")).toMatch(/shape=box, style="filled,bold"/);
      expect(lineFor(dot, "exception0")).toMatch(/shape=octagon/);
      expect(lineFor(dot, "exception0")).toMatch(/peripheries=2/);
      expect(lineFor(dot, "x0")).toMatch(/style=rounded/);
      expect(lineFor(dot, "concat0")).toMatch(/concat\(\)/);
      // DOT names are positions in drawing order (stable across processes), not node ids
      const name = (key: string) => /^\s*(n\d+) /.exec(lineFor(dot, key))?.[1];
      expect(dot).toContain(`${name("prompt0")} -> ${name("concat0")} [label="x"`);
      expect(dot).toContain(`${name("x0")} -> ${name("concat0")} [label="y"`);
      expect(dot).toContain(`${name("concat0")} -> ${name("exception0")} [label="text"`);
      expect(dot.match(/->/g)).toHaveLength(3);
      expect(new Set(["prompt0", "x0", "concat0", "exception0"].map(name)).size).toBe(4);
      expect(toDot(err)).toBe(dot);
    }));

  it("truncates long values and escapes quotes and newlines", () => {
    const long = node(`say "hi"\n${"x".repeat(500)}`, { name: "long" });
    const dot = toDot(long, { maxValueChars: 30 });
    const line = lineFor(dot, long.key);
    expect(line).toContain("…");
    expect(line).toContain(String.raw`\\\"hi\\\"`); // JSON-escaped quote, escaped again for DOT
    expect(line.length).toBeLessThan(200);
    expect(line).not.toContain("\n");
  });

  it("draws only the problem subgraph of a view, marking its outputs", () =>
    graphScope(() => {
      const b = node(2, { trainable: true, name: "b" });
      const c = node(10, { name: "c" });
      const independent = ops.add(c, 1);
      const out = ops.add(ops.multiply(b, 3), independent);
      out.backward("fb");
      const dot = toDot(problemView([b]), { title: "step 1" });
      expect(dot).toContain('digraph "step 1"');
      expect(dot).not.toContain('label="c0');
      expect(lineFor(dot, "add1")).toMatch(/peripheries=2/);
      expect(lineFor(dot, "add0")).not.toMatch(/peripheries/);
    }));

  it("draws a view with the values it was made with, not values set after it", () =>
    graphScope(() => {
      const b = node("old text", { trainable: true, name: "b" });
      const out = ops.concat(b, "!");
      out.backward("fb");
      const view = problemView([b]);
      b.data = "new text";
      const dot = toDot(view);
      expect(lineFor(dot, "b0")).toContain("old text");
      expect(dot).not.toContain("new text");
      expect(toDot(b)).toContain("new text");
    }));

  it("rejects bad options", () => {
    expect(() => toDot(node(1), { maxValueChars: "20" } as never)).toThrow(InvalidOptionError);
  });
});
