/**
 * The helpers the subpath entries export for tools, custom operations and providers, checked
 * directly (the features built on them are tested elsewhere).
 */
import { describe, expect, it } from "@jest/globals";
import { bundle, Model, type Node, node } from "@trace-ts/core";
import { FoundNodes, namedParametersIn, sameValueZero, unwrapNodes } from "@trace-ts/core/graph";
import { checkToolName, estimateToolTokens, readToolArguments, textOfParts } from "@trace-ts/core/llm";

describe("@trace-ts/core/graph helpers", () => {
  it("unwrapNodes records each node found with its path, reports reads, and keeps values without nodes", () => {
    const a = node(1);
    const b = node("x");
    const found = new FoundNodes();
    const read: Node[] = [];
    const value = { list: [a, 2], map: new Map([["k", b]]), again: a };
    expect(unwrapNodes(value, found, (n) => read.push(n))).toEqual({
      list: [1, 2],
      map: new Map([["k", "x"]]),
      again: 1,
    });
    expect(found.list.map((f) => [f.node, f.path])).toEqual([
      [a, ".list[0]"],
      [b, '.map.get("k")'],
    ]);
    expect(read).toEqual([a, b, a]);
    const plain = { list: [1, 2] };
    expect(unwrapNodes(plain)).toBe(plain);
  });

  it("sameValueZero is Map/Set key equality: NaN equals NaN, 0 equals -0, objects by identity", () => {
    expect(sameValueZero(Number.NaN, Number.NaN)).toBe(true);
    expect(sameValueZero(0, -0)).toBe(true);
    expect(sameValueZero({}, {})).toBe(false);
    expect(sameValueZero("1", 1)).toBe(false);
  });

  it("namedParametersIn lists the parameters inside any value, named by their path", () => {
    class Retriever extends Model {
      prompt = node("Find", { trainable: true, name: "prompt" });
    }
    const p = node("Be brief.", { trainable: true, name: "hint" });
    const fn = bundle((x: number) => x, { trainable: true, name: "f" });
    const r = new Retriever();
    const named = namedParametersIn([p, { retriever: r, f: fn }, new Map([[p, "again"]])]);
    expect(named.map((n) => [n.name, n.parameter])).toEqual([
      ["0", p],
      ["1.retriever.prompt", r.prompt],
      ["1.f", fn.parameter],
    ]);
  });
});

describe("@trace-ts/core/llm helpers", () => {
  it("readToolArguments parses and checks arguments, returning problems instead of throwing", () => {
    const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] };
    expect(readToolArguments('{"n": 2}', schema)).toEqual({ ok: true, args: { n: 2 } });
    expect(readToolArguments("", { type: "object" })).toEqual({ ok: true, args: {} });
    expect(readToolArguments('{"n": "2"}', schema)).toEqual({
      ok: false,
      problem: `the arguments do not fit the tool's parameters: "n" must be integer, got string`,
    });
    expect(readToolArguments("{", schema)).toMatchObject({ ok: false, problem: /not valid JSON/ });
  });

  it("checkToolName refuses names providers refuse, and names an anonymous function's problem", () => {
    expect(() => checkToolName("tool", "get_weather-2")).not.toThrow();
    expect(() => checkToolName("tool", "get weather")).toThrow(/tool: a tool name must be 1–64 letters/);
    expect(() => checkToolName("tool", "")).toThrow(/anonymous function: give \{ name \}/);
    expect(() => checkToolName("tool", "x".repeat(65))).toThrow(TypeError);
  });

  it("textOfParts joins text parts and leaves images out", () => {
    expect(
      textOfParts([
        { type: "text", text: "a" },
        { type: "image", url: "https://example.test/i.png" },
        { type: "text", text: "b" },
      ]),
    ).toBe("a\n\nb");
  });

  it("estimateToolTokens grows with the tools' names, descriptions and schemas", () => {
    const small = { name: "t", description: "d", parameters: { type: "object" } };
    const large = { ...small, description: "d".repeat(400) };
    expect(estimateToolTokens([])).toBe(0);
    expect(estimateToolTokens([small])).toBeGreaterThan(0);
    expect(estimateToolTokens([large])).toBeGreaterThan(estimateToolTokens([small]) + 50);
    expect(estimateToolTokens([small, small])).toBe(2 * estimateToolTokens([small]));
  });
});
