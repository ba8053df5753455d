import { describe, expect, it } from "@jest/globals";
import { graphScope, node, ops, resetNames } from "@trace-ts/core";
import { keyStem, NameScope } from "@trace-ts/core/graph";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

describe("names and keys", () => {
  it("names are base:index and keys drop the colon", () =>
    graphScope(() => {
      const a = node(1);
      const b = node(2);
      const s = node("hi");
      expect([a.name, b.name, s.name]).toEqual(["int:0", "int:1", "str:0"]);
      expect([a.key, b.key, s.key]).toEqual(["int0", "int1", "str0"]);
    }));

  it("default bases follow the value type", () =>
    graphScope(() => {
      const names = [1.5, true, [1], { a: 1 }, null, undefined, () => 1].map((v) => node(v).name);
      expect(names).toEqual(["float:0", "bool:0", "list:0", "obj:0", "none:0", "none:1", "fn:0"]);
    }));

  it("keys never collide when a base ends in a digit (x1 + 0 vs x + 10)", () =>
    graphScope(() => {
      const xs = Array.from({ length: 11 }, () => node(0, { name: "x" }));
      const x1 = node(0, { name: "x1" });
      const x1u = node(0, { name: "x1_" });
      const keys = [...xs.map((n) => n.key), x1.key, x1u.key];
      expect(xs[10]!.key).toBe("x10");
      expect(x1.key).toBe("x1_0");
      expect(new Set(keys).size).toBe(keys.length);
      const names = [...xs.map((n) => n.name), x1.name, x1u.name];
      expect(new Set(names).size).toBe(names.length);
    }));

  it("keys are valid identifiers for any base", () =>
    graphScope(() => {
      for (const base of ["my prompt", "3d", "a-b.c", "", "ünï", "x:y", "__code", "$v"]) {
        const n = node(0, { name: base });
        expect(n.key).toMatch(IDENTIFIER);
        expect(n.name.split(":").length).toBe(2);
      }
    }));

  it("keyStem is injective on stems: a stem never ends in a digit", () => {
    for (const base of ["x", "x1", "x12", "a9b", "9"]) expect(keyStem(base)).not.toMatch(/[0-9]$/);
  });

  it("graphScope restarts numbering and restores the outer scope afterwards", () => {
    const outer = new NameScope();
    expect(outer.allocate("q").name).toBe("q:0");
    const inner = graphScope(() => [node(1).name, ops.add(1, 2).name]);
    expect(inner).toEqual(["int:0", "add:0"]);
    graphScope(() => {
      node(1, { name: "z" });
      const again = graphScope(() => node(1, { name: "z" }).name);
      expect(again).toBe("z:0");
      expect(node(1, { name: "z" }).name).toBe("z:1");
    });
  });

  it("resetNames restarts the counters of the current scope", () =>
    graphScope(() => {
      node(1, { name: "r" });
      node(1, { name: "r" });
      resetNames();
      expect(node(1, { name: "r" }).name).toBe("r:0");
    }));
});
