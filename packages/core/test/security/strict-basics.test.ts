/**
 * Strict tier basics: synchronous loading, creation and calls; the function forms; `bind`.
 */
import { describe, expect, it } from "@jest/globals";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import { createStrictRunner, strictTierStats } from "../../src/code/strict/index.js";

const LIMITS: RunLimits = { cpuMs: 2000, wallMs: 20_000, memoryBytes: 32 << 20 };
const ENV: CallEnvironment = { readNode: () => undefined };

function strict(source: string, scope: Record<string, unknown> = {}, name = "fn"): CodeRunner {
  return createStrictRunner({ name, parsed: parseFunction(source, name), scope, limits: LIMITS });
}

describe("strict runner: loading and synchronous use", () => {
  it("loads QuickJS synchronously and reports the load time", () => {
    const runner = strict("function add(a, b) { return a + b; }");
    const stats = strictTierStats();
    expect(typeof stats.loader.loadMs).toBe("number");
    expect(stats.loader.loadMs).toBeGreaterThan(0);
    expect(stats.loader.instances).toBeGreaterThanOrEqual(1);
    expect(stats.engines.lastCreateMs).toBeGreaterThan(0);
    runner.dispose();
  });

  it("calls a sync function synchronously (no Promise)", () => {
    const runner = strict("function add(a, b) { return a + b; }");
    const result = runner.call(undefined, [1, 2], ENV);
    expect(result).toBe(3);
    expect(runner.isAsync).toBe(false);
    expect(runner.isolation).toBe("strict");
    expect(runner.filename).toMatch(/^trace-code:add_fn@strict\d+$|^trace-code:fn@strict\d+$/);
    runner.dispose();
  });

  it("returns a Promise for an async function", async () => {
    const runner = strict("async function twice(x) { await null; return x * 2; }");
    expect(runner.isAsync).toBe(true);
    const result = runner.call(undefined, [21], ENV);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(42);
    runner.dispose();
  });

  it("returns a Promise when a sync function returns a promise", async () => {
    const runner = strict("(x) => Promise.resolve(x + 1)");
    const result = runner.call(undefined, [1], ENV);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(2);
    runner.dispose();
  });

  it("runs method shorthand, function expressions and arrows", () => {
    const method = strict("greet(name) { return 'hello ' + name; }");
    const fn = strict("function greet(name) { return 'hi ' + name; }");
    const arrow = strict("(name) => name.toUpperCase()");
    const computed = strict("['gr' + 'eet'](name) { return name.length; }");
    expect(method.call(undefined, ["ann"], ENV)).toBe("hello ann");
    expect(fn.call(undefined, ["bo"], ENV)).toBe("hi bo");
    expect(arrow.call(undefined, ["cy"], ENV)).toBe("CY");
    expect(computed.call(undefined, ["dee"], ENV)).toBe(3);
    for (const r of [method, fn, arrow, computed]) r.dispose();
  });

  it("runs TypeScript source (types stripped)", () => {
    const runner = strict(
      "function total(items: Array<{ price: number }>): number { return items.reduce((s, i) => s + i.price, 0); }",
    );
    expect(runner.call(undefined, [[{ price: 2 }, { price: 3.5 }]], ENV)).toBe(5.5);
    runner.dispose();
  });

  it("sees scope data by name and calls scope helpers", () => {
    const runner = strict("function f(x) { return fmt(PREFIX + x, LIMITS.max); }", {
      PREFIX: ">> ",
      LIMITS: { max: 3 },
      fmt: (text: string, max: number) => text.slice(0, max + 3),
    });
    expect(runner.call(undefined, ["abcdef"], ENV)).toBe(">> abc");
    runner.dispose();
  });

  it("passes undefined arguments and results through", () => {
    const runner = strict(
      "function f(a, b, c) { return b === undefined ? [a, c, arguments.length] : undefined; }",
    );
    expect(runner.call(undefined, [1, undefined, 3], ENV)).toEqual([1, 3, 3]);
    expect(runner.call(undefined, [1, 2], ENV)).toBeUndefined();
    runner.dispose();
  });

  it("lets a helper call the same runner again (the nested call gets an engine of its own)", () => {
    const runner: CodeRunner = strict("function count(n) { return n <= 0 ? 0 : 1 + again(n - 1); }", {
      again: (n: number) => runner.call(undefined, [n], ENV),
    });
    expect(runner.call(undefined, [4], ENV)).toBe(4);
    runner.dispose();
  });

  it("bind returns the arguments when no parameter has a default, undefined otherwise", () => {
    const plain = strict("function f(a, b, ...rest) { return a; }");
    expect(plain.bind(undefined, [1, 2, 3, 4])).toEqual([1, 2, [3, 4]]);
    expect(plain.bind(undefined, [1])).toEqual([1, undefined, []]);
    const withDefault = strict("function f(a, b = 2) { return a + b; }");
    expect(withDefault.bind(undefined, [1])).toBeUndefined();
    plain.dispose();
    withDefault.dispose();
  });

  it("maps script lines back to the suggested source", () => {
    const runner = strict("function f(a) {\n  const b = a + 1;\n  return b;\n}");
    const mapped: number[] = [];
    for (let line = 1; line < 20; line++) {
      const source = runner.sourceLineOf(line);
      if (source !== undefined) mapped.push(source);
    }
    expect(mapped).toEqual([1, 2, 3, 4]);
    runner.dispose();
  });
});
