/**
 * Only JSON-like data crosses the strict sandbox, in either direction; anything else is refused
 * with a SandboxDataError that says where the value was going and what it is.
 */
import { describe, expect, it } from "@jest/globals";
import { SandboxDataError } from "../../src/code/errors.js";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import { createStrictRunner } from "../../src/code/strict/index.js";

const LIMITS: RunLimits = { cpuMs: 2000, wallMs: 20_000, memoryBytes: 32 << 20 };
const ENV: CallEnvironment = { readNode: () => undefined };

function strict(source: string, scope: Record<string, unknown> = {}): CodeRunner {
  return createStrictRunner({ name: "pass", parsed: parseFunction(source, "pass"), scope, limits: LIMITS });
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("nothing was thrown");
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe("strict runner: data crossing", () => {
  it("round-trips JSON-like values unchanged", () => {
    const runner = strict("(value) => value");
    const values = [
      null,
      true,
      0,
      -1.5,
      "text \u2028 ünïcode",
      [1, [2, [3]]],
      { a: { b: [null, "x"] }, "odd key": 1 },
    ];
    for (const value of values) expect(runner.call(undefined, [value], ENV)).toEqual(value);
    const created = Object.create(null) as Record<string, unknown>;
    created.k = 1;
    expect(runner.call(undefined, [created], ENV)).toEqual({ k: 1 });
    runner.dispose();
  });

  it("leaves out object properties that are undefined, as JSON does", () => {
    const runner = strict("(value) => ({ ...value, added: undefined })");
    expect(runner.call(undefined, [{ a: 1, b: undefined }], ENV)).toStrictEqual({ a: 1 });
    runner.dispose();
  });

  it("refuses arguments that are not data, naming the argument and the problem", () => {
    const runner = strict("(a, b) => 1");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: Array<[unknown, string]> = [
      [() => 1, "it is a function"],
      [new Point(1, 2), "it is an instance of Point"],
      [new Map(), "it is a Map"],
      [new Date(0), "it is a Date"],
      [10n, "it is a BigInt"],
      [Number.NaN, "it is NaN"],
      [Number.POSITIVE_INFINITY, "it is Infinity"],
      [Symbol("s"), "it is a symbol"],
      [cyclic, "a cycle (a value that contains itself) at .self"],
      [{ list: [1, new Set()] }, "a Set at .list[1]"],
      [[1, undefined], "undefined (use null in arrays) at [1]"],
      [{ "a b": { f() {} } }, 'a function at ["a b"].f'],
    ];
    for (const [value, problem] of cases) {
      const error = thrown(() => runner.call(undefined, [1, value], ENV));
      expect(error).toBeInstanceOf(SandboxDataError);
      expect((error as SandboxDataError).where).toBe("argument 2");
      expect((error as SandboxDataError).message).toContain(problem);
    }
    runner.dispose();
  });

  it("refuses data nested too deeply", () => {
    const runner = strict("(a) => 1");
    let deep: unknown = 1;
    for (let i = 0; i < 250; i++) deep = [deep];
    const error = thrown(() => runner.call(undefined, [deep], ENV));
    expect(error).toBeInstanceOf(SandboxDataError);
    expect((error as Error).message).toContain("nested more than 200 levels deep");
    runner.dispose();
  });

  it("refuses results that are not data", () => {
    const runner = strict(`function pass(kind) {
      if (kind === "map") return new Map([[1, 2]]);
      if (kind === "fn") return () => 1;
      if (kind === "nan") return { score: 0 / 0 };
      if (kind === "date") return [new Date()];
      if (kind === "class") { class Box {} return { box: new Box() }; }
      if (kind === "cycle") { const a = []; a.push(a); return a; }
      if (kind === "bigint") return 1n;
      return "ok";
    }`);
    const cases: Array<[string, string]> = [
      ["map", "it is a Map"],
      ["fn", "it is a function"],
      ["nan", "NaN at .score"],
      ["date", "a Date at [0]"],
      ["class", "an instance of Box at .box"],
      ["cycle", "a cycle"],
      ["bigint", "it is a BigInt"],
    ];
    for (const [kind, problem] of cases) {
      const error = thrown(() => runner.call(undefined, [kind], ENV));
      expect(error).toBeInstanceOf(SandboxDataError);
      expect((error as SandboxDataError).where).toBe("the result");
      expect((error as Error).message).toContain(problem);
    }
    expect(runner.call(undefined, ["x"], ENV)).toBe("ok");
    runner.dispose();
  });

  it("refuses helper arguments that are not data; the code can catch that", () => {
    const seen: unknown[] = [];
    const runner = strict(
      `function pass(mode) {
        if (mode === "catch") {
          try { fetchDoc(new Map()); } catch (e) { return [e.name, e.message]; }
        }
        return fetchDoc({ id: 1 }, new Set([1]));
      }`,
      { fetchDoc: (...args: unknown[]) => seen.push(args) },
    );
    const error = thrown(() => runner.call(undefined, ["throw"], ENV));
    expect(error).toBeInstanceOf(SandboxDataError);
    expect((error as SandboxDataError).where).toBe("argument 2 of helper fetchDoc");
    const [name, message] = runner.call(undefined, ["catch"], ENV) as [string, string];
    expect(name).toBe("SandboxDataError");
    expect(message).toContain("argument 1 of helper fetchDoc cannot cross the sandbox: it is a Map");
    expect(seen).toEqual([]);
    runner.dispose();
  });

  it("refuses helper results that are not data", async () => {
    const runner = strict("async function pass() { return [load(), await loadLater()]; }", {
      load: () => new Point(1, 2),
      loadLater: async () => "fine",
    });
    const error = await (runner.call(undefined, [], ENV) as Promise<unknown>).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxDataError);
    expect((error as SandboxDataError).where).toBe("the result of helper load");
    expect((error as Error).message).toContain("an instance of Point");
    runner.dispose();
  });

  it("passes data to helpers as copies and helpers' data back", () => {
    const runner = strict(
      "function pass(items) { const out = double(items); out.push(0); return [items, out]; }",
      {
        double: (items: number[]) => items.map((n) => n * 2),
      },
    );
    expect(runner.call(undefined, [[1, 2]], ENV)).toEqual([
      [1, 2],
      [2, 4, 0],
    ]);
    runner.dispose();
  });

  it("refuses scope values that are neither functions nor data when the runner is created", () => {
    const error = thrown(() => strict("() => 1", { CONFIG: new Map() }));
    expect(error).toBeInstanceOf(SandboxDataError);
    expect((error as SandboxDataError).where).toBe("scope value 'CONFIG'");
  });
});
