import { describe, expect, it } from "@jest/globals";
import {
  ExceptionNode,
  ExecutionError,
  fmt,
  MessageNode,
  type Node,
  node,
  noTrace,
  ops,
} from "@trace-ts/core";

type Case = [name: string, build: () => MessageNode, value: unknown, inputs: string[]];

const n = <T>(v: T) => node(v);

const cases: Case[] = [
  ["add numbers", () => ops.add(n(2), 3), 5, ["x", "y"]],
  ["add strings", () => ops.add(n("a"), "b"), "ab", ["x", "y"]],
  ["subtract", () => ops.subtract(n(7), 2), 5, ["x", "y"]],
  ["multiply", () => ops.multiply(n(4), 2.5), 10, ["x", "y"]],
  ["divide", () => ops.divide(n(9), 2), 4.5, ["x", "y"]],
  ["mod", () => ops.mod(n(-7), 3), -1, ["x", "y"]],
  ["power", () => ops.power(n(2), 10), 1024, ["x", "y"]],
  ["neg", () => ops.neg(n(3)), -3, ["x"]],
  ["abs", () => ops.abs(n(-3)), 3, ["x"]],
  ["floor", () => ops.floor(n(-2.5)), -3, ["x"]],
  ["ceil", () => ops.ceil(n(2.1)), 3, ["x"]],
  ["round", () => ops.round(n(2.345), 2), 2.35, ["x", "digits"]],
  ["round default", () => ops.round(n(2.5)), 3, ["x", "digits"]],
  ["lt", () => ops.lt(n(1), 2), true, ["x", "y"]],
  ["le", () => ops.le(n(2), 2), true, ["x", "y"]],
  ["gt", () => ops.gt(n("b"), "a"), true, ["x", "y"]],
  ["ge", () => ops.ge(n(1), 2), false, ["x", "y"]],
  ["eq", () => ops.eq(n("1"), 1), false, ["x", "y"]],
  ["neq", () => ops.neq(n(1), 2), true, ["x", "y"]],
  ["and", () => ops.and(n(0), "x"), 0, ["x", "y"]],
  ["or", () => ops.or(n(""), "fallback"), "fallback", ["x", "y"]],
  ["not", () => ops.not(n(0)), true, ["x"]],
  ["cond true", () => ops.cond(n(true), "yes", "no"), "yes", ["condition", "ifTrue", "ifFalse"]],
  ["cond false", () => ops.cond(n(0), "yes", "no"), "no", ["condition", "ifTrue", "ifFalse"]],
  ["concat", () => ops.concat(n("n="), 3), "n=3", ["x", "y"]],
  [
    "format",
    () => ops.format(n("Hi {name}, {{ok}}"), { name: n("Ann") }),
    "Hi Ann, {ok}",
    ["template", "name"],
  ],
  ["split", () => ops.split(n("a,b,c"), ","), ["a", "b", "c"], ["text", "separator"]],
  ["join", () => ops.join(n(["a", "b"]), "-"), "a-b", ["list", "separator"]],
  ["replace", () => ops.replace(n("a.b.c"), ".", "/"), "a/b/c", ["text", "pattern", "replacement"]],
  ["trim", () => ops.trim(n("  x ")), "x", ["text"]],
  ["lower", () => ops.lower(n("AbC")), "abc", ["text"]],
  ["upper", () => ops.upper(n("AbC")), "ABC", ["text"]],
  ["getItem array", () => ops.getItem(n([10, 20, 30]), 1), 20, ["container", "key"]],
  ["getItem object", () => ops.getItem(n({ a: 1, b: 2 }), "b"), 2, ["container", "key"]],
  ["getItem map", () => ops.getItem(n(new Map([["k", "v"]])), "k"), "v", ["container", "key"]],
  ["len string", () => ops.len(n("hello")), 5, ["x"]],
  ["len array", () => ops.len(n([1, 2])), 2, ["x"]],
  ["len map", () => ops.len(n(new Map([[1, 1]]))), 1, ["x"]],
  ["len object", () => ops.len(n({ a: 1, b: 2, c: 3 })), 3, ["x"]],
  ["keys", () => ops.keys(n({ a: 1, b: 2 })), ["a", "b"], ["container"]],
  ["values", () => ops.values(n({ a: 1, b: 2 })), [1, 2], ["container"]],
  ["entries", () => ops.entries(n({ a: 1 })), [["a", 1]], ["container"]],
  ["push", () => ops.push(n([1]), 2), [1, 2], ["list", "item"]],
  ["set object", () => ops.set(n({ a: 1 }), "b", 2), { a: 1, b: 2 }, ["container", "key", "value"]],
  ["set array", () => ops.set(n([1, 2]), 0, 9), [9, 2], ["container", "key", "value"]],
  ["delete object", () => ops.delete(n({ a: 1, b: 2 }), "a"), { b: 2 }, ["container", "key"]],
  ["delete array", () => ops.delete(n([1, 2, 3]), 1), [1, 3], ["container", "key"]],
  ["getAttr", () => ops.getAttr(n({ lang: "en" }), "lang"), "en", ["obj", "name"]],
  [
    "call",
    () =>
      ops.call(
        n((a: number, b: number) => a - b),
        5,
        n(2),
      ),
    3,
    ["fn", "args_0", "args_1"],
  ],
  ["clone", () => ops.clone(n({ a: [1] })), { a: [1] }, ["x"]],
  ["identity", () => ops.identity(n("same")), "same", ["x"]],
  ["toNumber", () => ops.toNumber(n("42")), 42, ["x"]],
  ["toString", () => ops.toString(n(42)), "42", ["x"]],
  ["toBoolean", () => ops.toBoolean(n("")), false, ["x"]],
  ["toJSON", () => ops.toJSON(n({ a: 1 })), '{"a":1}', ["x"]],
  ["parseJSON", () => ops.parseJSON(n("[1,2]")), [1, 2], ["x"]],
  ["fmt", () => fmt`Hi ${n("Bo")}, ${n(3)} new`, "Hi Bo, 3 new", ["template", "arg0", "arg1"]],
];

describe("ops", () => {
  it.each(cases)("%s computes the value and records named inputs", (_name, build, value, inputs) => {
    const out = build();
    expect(out).toBeInstanceOf(MessageNode);
    expect(out.data).toEqual(value);
    expect(Object.keys(out.inputs)).toEqual(inputs);
    // every input is a parent; every parent is some input
    const inputNodes = new Set<Node>(Object.values(out.inputs));
    expect(new Set(out.parents)).toEqual(inputNodes);
    expect(out.description.length).toBeGreaterThan(5);
    expect(out.level).toBe(1);
  });

  it("uses the given node as the parent and wraps plain values as constants", () => {
    const x = node(2, { trainable: true });
    const out = ops.add(x, 3);
    expect(out.inputs.x).toBe(x);
    expect(out.inputs.y!.data).toBe(3);
    expect(out.inputs.y!.isRoot).toBe(true);
  });

  it("copy-then-modify collection ops leave the input untouched", () => {
    const list = node([1, 2]);
    const obj = node<Record<string, number>>({ a: 1 });
    const map = node(new Map([["k", 1]]));
    ops.push(list, 3);
    ops.set(obj, "a", 5);
    ops.delete(obj, "a");
    ops.set(map, "k", 2);
    ops.delete(map, "k");
    expect(list.data).toEqual([1, 2]);
    expect(obj.data).toEqual({ a: 1 });
    expect(map.data.get("k")).toBe(1);
  });

  it("clone is deep", () => {
    const src = node({ a: [1] });
    const c = ops.clone(src);
    c.data.a.push(2);
    expect(src.data.a).toEqual([1]);
  });

  it("fluent methods record the same operations", () => {
    const x = node(6);
    const s = node(" Hello ");
    expect(x.add(1).data).toBe(7);
    expect(x.add(1).op).toBe("add");
    expect(x.subtract(1).multiply(2).divide(5).data).toBe(2);
    expect(x.mod(4).neg().data).toBe(-2);
    expect(x.eq(6).data).toBe(true);
    expect(x.gt(3).not().data).toBe(false);
    expect(s.trim().lower().concat("!").data).toBe("hello!");
    expect(s.trim().upper().split("L").data).toEqual(["HE", "", "O"]);
    expect(node(["a", "b"]).join("+").data).toBe("a+b");
    expect(node({ k: 1 }).getItem("k").data).toBe(1);
    expect(node({ k: "v" }).getAttr("k").data).toBe("v");
    expect(node([1, 2, 3]).len().data).toBe(3);
    expect(node((a: number) => a * 2).call(21).data).toBe(42);
    expect(node("a-b").replace("-", "+").data).toBe("a+b");
    const str = node("ab");
    expect(str.add("c").data).toBe("abc");
  });

  it("an operation that throws records an ExceptionNode and throws ExecutionError", () => {
    const obj = node<unknown>(null, { name: "obj" });
    let caught: unknown;
    try {
      ops.getItem(obj as never, "k");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ExecutionError);
    const err = caught as ExecutionError;
    expect(err.code).toBe("EXECUTION_ERROR");
    expect(err.exceptionNode).toBeInstanceOf(ExceptionNode);
    expect(err.exceptionNode.parents).toContain(obj);
    expect(err.exceptionNode.op).toBe("getItem");
    expect(err.exceptionNode.data).toMatch(/TypeError/);
    expect(() => ops.format("{missing}", {})).toThrow(ExecutionError);
    expect(() => ops.parseJSON("{not json")).toThrow(ExecutionError);
  });

  it("format refuses an argument named template", () => {
    expect(() => ops.format("x", { template: "y" })).toThrow(/template/);
  });
});

describe("noTrace", () => {
  it("still computes but records no parents", () => {
    const x = node(1, { trainable: true });
    const y = noTrace(() => ops.add(x, 2));
    expect(y.data).toBe(3);
    expect(y.parents).toEqual([]);
    expect(x.children).not.toContain(y);
  });

  it("nests, and tracing resumes after the outer call", () => {
    const x = node(1);
    const results = noTrace(() => {
      const a = noTrace(() => ops.add(x, 1));
      const b = ops.add(x, 2); // still inside the outer noTrace
      return [a, b];
    });
    expect(results.map((r) => r.parents.length)).toEqual([0, 0]);
    expect(ops.add(x, 3).parents.length).toBe(2);
  });

  it("covers async continuations of the function", async () => {
    const x = node(1);
    const y = await noTrace(async () => {
      await new Promise((r) => setTimeout(r, 1));
      return ops.add(x, 1);
    });
    expect(y.parents).toEqual([]);
    expect(ops.add(x, 1).parents.length).toBe(2);
  });
});
