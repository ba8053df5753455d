// A trainable value must be JSON data: optimizers read and write it as JSON, so a Map, a Set, a
// Date, a function, a class instance, undefined, a bigint, a symbol or a cycle would break after
// the first update. node() refuses them, naming where the problem is.
import { describe, expect, it } from "@jest/globals";
import { bundle, Model, NotJsonValueError, node, ParameterNode, TraceError } from "@trace-ts/core";

function refusal(fn: () => unknown): NotJsonValueError {
  try {
    fn();
  } catch (error) {
    if (error instanceof NotJsonValueError) return error;
    throw error;
  }
  throw new Error("expected a NotJsonValueError");
}

class Handler {
  handle(): string {
    return "x";
  }
}

describe("node(value, { trainable: true }) takes JSON data only", () => {
  it("plain objects, arrays, strings, numbers, booleans and null are fine (shared references too)", () => {
    const shared = { tone: "polite" };
    const values = [
      "text",
      3.5,
      -0,
      true,
      null,
      [1, "two", [false, null]],
      { a: { b: [shared, shared] } },
      Object.assign(Object.create(null) as object, { x: 1 }),
    ];
    for (const value of values) expect(node(value, { trainable: true }).data).toBe(value);
  });

  it("names the problem, the path and what to do", () => {
    const config = { handlers: ["a", "b", () => "c"], retries: 2 };
    const error = refusal(() => node(config, { trainable: true, name: "config" }));
    expect(error).toBeInstanceOf(TraceError);
    expect(error.code).toBe("INVALID_TRAINABLE_VALUE");
    expect(error.path).toBe("config.handlers[2]");
    expect(error.found).toBe("a function");
    expect(error.message).toMatch(
      /^node\(\): the trainable value config\.handlers\[2\] is a function, which is not JSON data/,
    );
    expect(error.message).toMatch(/Use plain data .*for code, make a trainable function with @bundle/);
  });

  it("refuses Map, Set, Date, functions, classes, class instances, undefined, bigint, symbol, NaN and cycles", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = { again: cyclic };
    const cases: [unknown, string, string][] = [
      [new Map([["k", 1]]), "value", "a Map"],
      [new Set([1]), "value", "a Set"],
      [new Date(0), "value", "a Date"],
      [(x: number) => x, "value", "a function"],
      [Handler, "value", "a class"],
      [new Handler(), "value", "an instance of the class Handler"],
      [undefined, "value", "undefined"],
      [10n, "value", "a bigint (10n)"],
      [Symbol("s"), "value", "a symbol"],
      [Number.NaN, "value", "NaN"],
      [{ "odd key": [1, { deep: undefined }] }, 'value["odd key"][1].deep', "undefined"],
      [cyclic, "value.self.again", "a reference back to value (a cycle)"],
      [{ at: node("x") }, "value.at", "a node (str:0); pass its data, or the node itself as the value"],
    ];
    for (const [value, path, found] of cases) {
      const error = refusal(() => node(value, { trainable: true }));
      expect([error.path, error.found.replace(/str:\d+/, "str:0")]).toEqual([path, found]);
    }
  });

  it("checks the data of a node made trainable, and leaves non-trainable nodes alone", () => {
    const lookup = node(new Map([["a", 1]]), { name: "lookup" });
    expect(lookup.data.get("a")).toBe(1);
    expect(refusal(() => node(lookup, { trainable: true })).path).toBe("lookup");
    expect(refusal(() => node(lookup, { trainable: true, name: "table" })).message).toMatch(/table is a Map/);
  });

  it("code parameters of bundles and ParameterNodes made directly are unaffected", () => {
    const add = bundle((a: number, b: number) => a + b, { trainable: true });
    expect(typeof add.parameter.data).toBe("string");
    class Agent extends Model {
      prompt = node({ system: "Be brief.", examples: ["a", "b"] }, { trainable: true });
      answer = bundle(
        function answer(q: string): string {
          return q;
        },
        { trainable: true },
      );
    }
    expect(new Agent().parameters()).toHaveLength(2);
    expect(new ParameterNode(new Map([[1, 2]])).data.get(1)).toBe(2);
  });
});
