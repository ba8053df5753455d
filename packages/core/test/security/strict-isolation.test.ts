/**
 * Calls of a strict runner share no mutable state: globals and built-ins are frozen (writes throw,
 * reads see the original), while the function object, scope data and `this` are fresh per call;
 * concurrent async calls run in separate engines.
 */
import { describe, expect, it } from "@jest/globals";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import { createStrictRunner, strictTierStats } from "../../src/code/strict/index.js";

const LIMITS: RunLimits = { cpuMs: 2000, wallMs: 20_000, memoryBytes: 32 << 20 };
const ENV: CallEnvironment = { readNode: () => undefined };

function strict(source: string, scope: Record<string, unknown> = {}): CodeRunner {
  return createStrictRunner({ name: "fn", parsed: parseFunction(source, "fn"), scope, limits: LIMITS });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("strict runner: no state carried between calls", () => {
  it("a counter on globalThis starts fresh every call (the write fails, the read sees nothing)", () => {
    const runner = strict(`function count() {
      let error = null;
      try { globalThis.counter = (globalThis.counter ?? 0) + 1; } catch (e) { error = e.name; }
      return [globalThis.counter ?? 0, error];
    }`);
    for (let i = 0; i < 3; i++) expect(runner.call(undefined, [], ENV)).toEqual([0, "TypeError"]);
    runner.dispose();
  });

  it("a property added to Array.prototype is never seen by a later call", () => {
    const runner = strict(`function poke() {
      const before = [].extra;
      try { Array.prototype.extra = (Array.prototype.extra ?? 0) + 1; } catch (e) {}
      try { Object.defineProperty(Array.prototype, "extra2", { value: 1 }); } catch (e) {}
      try { Array.prototype.push = () => 0; } catch (e) {}
      return [before ?? null, [].extra ?? null, [].extra2 ?? null, [1].push(2)];
    }`);
    for (let i = 0; i < 3; i++) expect(runner.call(undefined, [], ENV)).toEqual([null, null, null, 2]);
    runner.dispose();
  });

  it("an uncaught write to a global fails every call with the same TypeError", () => {
    const runner = strict(
      "function f() { globalThis.memo = (globalThis.memo ?? 0) + 1; return globalThis.memo; }",
    );
    for (let i = 0; i < 2; i++) expect(() => runner.call(undefined, [], ENV)).toThrow(TypeError);
    runner.dispose();
  });

  it("state on the function object, in closures and in scope data is fresh every call", () => {
    const runner = strict(
      `function f(x) {
        f.calls = (f.calls ?? 0) + 1;
        LIST.push(x);
        CONFIG.seen = (CONFIG.seen ?? 0) + 1;
        return [f.calls, LIST.length, CONFIG.seen];
      }`,
      { LIST: [], CONFIG: { name: "c" } },
    );
    for (let i = 0; i < 3; i++) expect(runner.call(undefined, [i], ENV)).toEqual([1, 1, 1]);
    runner.dispose();
  });

  it("ordinary overrides still work on the frozen built-ins", () => {
    const runner = strict(`function f() {
      class MyError extends Error { constructor(m) { super(m); this.name = "MyError"; } }
      const o = {};
      o.toString = () => "custom";
      const e = new MyError("boom");
      function Point() {}
      Point.prototype.toString = function () { return "point"; };
      return [String(o), e.name, e instanceof Error, String(new Point()), Object.isFrozen(Object.prototype)];
    }`);
    expect(runner.call(undefined, [], ENV)).toEqual(["custom", "MyError", true, "point", true]);
    expect(runner.call(undefined, [], ENV)).toEqual(["custom", "MyError", true, "point", true]);
    runner.dispose();
  });

  it("built-ins cannot be replaced, not even through the tamed setters", () => {
    const runner = strict(`function f() {
      const errors = [];
      try { Object.prototype.toString = () => "hacked"; } catch (e) { errors.push(e.name); }
      try { Error.prototype.name = "hacked"; } catch (e) { errors.push(e.name); }
      try { JSON.parse = () => 1; } catch (e) { errors.push(e.name); }
      return [errors, String({}), new Error("x").name, JSON.parse("2")];
    }`);
    const expected = [["TypeError", "TypeError", "TypeError"], "[object Object]", "Error", 2];
    expect(runner.call(undefined, [], ENV)).toEqual(expected);
    expect(runner.call(undefined, [], ENV)).toEqual(expected);
    runner.dispose();
  });

  it("everything reachable from the globals and the hidden intrinsics is frozen", () => {
    const runner = strict(`function audit() {
      const roots = [globalThis];
      // (a generator object's prototype is its function's own fresh .prototype, so use the functions)
      const samples = [function* () {}, async function () {}, async function* () {}, [][Symbol.iterator](), new Map().entries(), new Set().values(), ""[Symbol.iterator](),
        /a/g[Symbol.matchAll](""), Promise.resolve(), [].values().map((x) => x), new Uint8Array(1), new Error("e"), audit];
      for (const s of samples) roots.push(Object.getPrototypeOf(s));
      const seen = new Set(), open = [];
      while (roots.length > 0) {
        const o = roots.pop();
        if ((typeof o !== "object" && typeof o !== "function") || o === null || seen.has(o)) continue;
        seen.add(o);
        if (!Object.isFrozen(o)) open.push(typeof o === "function" ? o.name : Object.prototype.toString.call(o));
        roots.push(Object.getPrototypeOf(o));
        const ds = Object.getOwnPropertyDescriptors(o);
        for (const k of Reflect.ownKeys(ds)) {
          const d = ds[k];
          if ("value" in d) roots.push(d.value); else roots.push(d.get, d.set);
        }
      }
      return [seen.size > 500, open, typeof FinalizationRegistry];
    }`);
    expect(runner.call(undefined, [], ENV)).toEqual([true, [], "undefined"]);
    runner.dispose();
  });

  it("concurrent async calls run in separate engines and do not see each other's state", async () => {
    const before = strictTierStats().engines.created;
    const runner = strict(
      `async function f(id, ms) {
        const mine = { id };
        try { globalThis.last = id; } catch (e) {}
        try { Array.prototype.owner = id; } catch (e) {}
        await wait(ms);
        return [mine.id, globalThis.last ?? null, [].owner ?? null];
      }`,
      { wait: (ms: number) => sleep(ms) },
    );
    const results = await Promise.all([
      runner.call(undefined, ["a", 60], ENV),
      runner.call(undefined, ["b", 10], ENV),
      runner.call(undefined, ["c", 30], ENV),
    ]);
    expect(results).toEqual([
      ["a", null, null],
      ["b", null, null],
      ["c", null, null],
    ]);
    // one engine per concurrent call: the runner's first engine plus two more
    expect(strictTierStats().engines.created - before).toBe(3);
    runner.dispose();
  });
});
