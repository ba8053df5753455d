/**
 * Engine lifecycle of a strict runner: engines are kept after normal calls, evicted beyond the
 * idle limit, recycled after a limit or a failure, and every handle is freed (QuickJS refuses to
 * free a runtime while a handle is still alive, which `disposeFailures` would count).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { CodeMemoryError, CodeTimeoutError } from "../../src/code/errors.js";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import {
  createStrictRunner,
  type EngineStats,
  MAX_IDLE_ENGINES,
  strictTierStats,
} from "../../src/code/strict/index.js";
import { TraceError } from "../../src/errors/trace-error.js";

const LIMITS: RunLimits = { cpuMs: 300, wallMs: 20_000, memoryBytes: 8 << 20 };
const ENV: CallEnvironment = { readNode: () => undefined };

function strict(source: string, scope: Record<string, unknown> = {}, limits: RunLimits = LIMITS): CodeRunner {
  return createStrictRunner({ name: "cycle", parsed: parseFunction(source, "cycle"), scope, limits });
}

function engines(): EngineStats {
  return strictTierStats().engines;
}

function delta(before: EngineStats): { created: number; disposed: number; abandoned: number } {
  const now = engines();
  return {
    created: now.created - before.created,
    disposed: now.disposed - before.disposed,
    abandoned: now.abandoned - before.abandoned,
  };
}

let failuresAtStart = 0;
beforeAll(() => {
  failuresAtStart = engines().disposeFailures;
});
afterAll(() => {
  // every engine these tests disposed freed its runtime: no handle was left alive
  expect(engines().disposeFailures).toBe(failuresAtStart);
});

const SOURCE = `function cycle(mode) {
  if (mode === "loop") while (true) {}
  if (mode === "bomb") { const a = []; for (;;) a.push("x".repeat(1e6)); }
  if (mode === "throw") throw new Error("own error");
  return "fine";
}`;

describe("strict runner: engine lifecycle", () => {
  it("keeps its engine across normal calls and the code's own errors", () => {
    const before = engines();
    const runner = strict(SOURCE);
    for (let i = 0; i < 5; i++) expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    expect(() => runner.call(undefined, ["throw"], ENV)).toThrow("own error");
    expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    expect(delta(before)).toEqual({ created: 1, disposed: 0, abandoned: 0 });
    runner.dispose();
    expect(delta(before)).toEqual({ created: 1, disposed: 1, abandoned: 0 });
  });

  it("recycles the engine after a timeout and after running out of memory", () => {
    const before = engines();
    const runner = strict(SOURCE);
    expect(() => runner.call(undefined, ["loop"], ENV)).toThrow(CodeTimeoutError);
    expect(delta(before)).toEqual({ created: 1, disposed: 1, abandoned: 0 });
    expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    expect(delta(before).created).toBe(2);
    expect(() => runner.call(undefined, ["bomb"], ENV)).toThrow(CodeMemoryError);
    expect(delta(before)).toEqual({ created: 2, disposed: 2, abandoned: 0 });
    expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    runner.dispose();
    expect(delta(before)).toEqual({ created: 3, disposed: 3, abandoned: 0 });
  }, 60_000);

  it("drops an engine whose C code was cut short (native stack overflow) without touching it", () => {
    const before = engines();
    const runner = strict('function cycle() { return eval("[".repeat(200000) + "]".repeat(200000)); }');
    expect(() => runner.call(undefined, [], ENV)).toThrow(RangeError);
    expect(delta(before).abandoned).toBe(1);
    runner.dispose();
  });

  it(`keeps at most ${MAX_IDLE_ENGINES} idle engines after a burst of concurrent calls`, async () => {
    const before = engines();
    const runner = strict("async function cycle(ms) { await wait(ms); return ms; }", {
      wait: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    const results = await Promise.all([10, 20, 30, 40, 50].map((ms) => runner.call(undefined, [ms], ENV)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(delta(before)).toEqual({ created: 5, disposed: 5 - MAX_IDLE_ENGINES, abandoned: 0 });
    await runner.call(undefined, [1], ENV);
    expect(delta(before).created).toBe(5);
    runner.dispose();
    expect(delta(before).disposed).toBe(5);
  });

  it("frees the handles of calls that are abandoned while a helper is pending", async () => {
    const before = engines();
    const runner = strict(
      "async function cycle() { fireAndForget(); return await never(); }",
      { never: () => new Promise(() => {}), fireAndForget: () => new Promise(() => {}) },
      { cpuMs: 300, wallMs: 100, memoryBytes: 8 << 20 },
    );
    await expect(runner.call(undefined, [], ENV)).rejects.toBeInstanceOf(CodeTimeoutError);
    runner.dispose();
    expect(delta(before)).toEqual({ created: 1, disposed: 1, abandoned: 0 });
  });

  it("frees the handles of calls that leave helper promises behind", async () => {
    const before = engines();
    const runner = strict("async function cycle() { slow(); slow(); return 'done'; }", {
      slow: () => new Promise((resolve) => setTimeout(resolve, 200)),
    });
    await expect(runner.call(undefined, [], ENV)).resolves.toBe("done");
    runner.dispose();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(delta(before)).toEqual({ created: 1, disposed: 1, abandoned: 0 });
  });
});

describe("strict runner: dispose", () => {
  it("makes later calls throw a TraceError (reject for async functions)", async () => {
    const sync = strict(SOURCE);
    const async = strict("async function cycle() { return 1; }");
    sync.dispose();
    async.dispose();
    sync.dispose();
    const error = (() => {
      try {
        sync.call(undefined, ["ok"], ENV);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TraceError);
    expect((error as TraceError).code).toBe("CODE_RUNNER_DISPOSED");
    const pending = async.call(undefined, [], ENV);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toMatchObject({ code: "CODE_RUNNER_DISPOSED" });
  });

  it("rejects calls in flight and frees their engines", async () => {
    const before = engines();
    const runner = strict("async function cycle() { return await wait(); }", {
      wait: () => new Promise((resolve) => setTimeout(() => resolve("late"), 100)),
    });
    const pending = runner.call(undefined, [], ENV);
    runner.dispose();
    await expect(pending).rejects.toMatchObject({ code: "CODE_RUNNER_DISPOSED" });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(delta(before)).toEqual({ created: 1, disposed: 1, abandoned: 0 });
  });

  it("can be disposed from inside a helper while its code runs", () => {
    const before = engines();
    let runner: CodeRunner | undefined;
    runner = strict("function cycle() { stop(); while (true) {} }", {
      stop: () => runner!.dispose(),
    });
    expect(() => runner!.call(undefined, [], ENV)).toThrow(
      expect.objectContaining({ code: "CODE_RUNNER_DISPOSED" }),
    );
    expect(delta(before)).toEqual({ created: 1, disposed: 1, abandoned: 0 });
  });
});
