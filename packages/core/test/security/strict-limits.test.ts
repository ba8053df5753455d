/**
 * Limits of the strict tier: run time (only while QuickJS executes), wall-clock time, memory and
 * stack. Every runaway ends with its typed error, the process lives on and the runner keeps working.
 */
import { describe, expect, it } from "@jest/globals";
import { CodeMemoryError, CodeTimeoutError } from "../../src/code/errors.js";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import { createStrictRunner, strictTierStats } from "../../src/code/strict/index.js";

const ENV: CallEnvironment = { readNode: () => undefined };
// memory generous enough that the run-time limit always comes first (async recursion allocates fast)
const CPU: RunLimits = { cpuMs: 200, wallMs: Number.POSITIVE_INFINITY, memoryBytes: 512 << 20 };
const MEMORY: RunLimits = { cpuMs: 60_000, wallMs: Number.POSITIVE_INFINITY, memoryBytes: 8 << 20 };

function strict(source: string, limits: RunLimits, scope: Record<string, unknown> = {}): CodeRunner {
  return createStrictRunner({ name: "runaway", parsed: parseFunction(source, "runaway"), scope, limits });
}

/** The error a call threw (sync) or rejected with (async). */
async function failure(runner: CodeRunner, args: unknown[] = []): Promise<unknown> {
  try {
    await runner.call(undefined, args, ENV);
  } catch (error) {
    return error;
  }
  throw new Error("the call did not fail");
}

/** Each runaway is `mode === "run"` in a function that otherwise returns "fine". */
function guarded(body: string, async = false): string {
  return `${async ? "async " : ""}function runaway(mode) {\n  if (mode !== "run") return "fine";\n${body}\n}`;
}

async function expectTimeout(runner: CodeRunner, limitMs: number): Promise<void> {
  const error = await failure(runner, ["run"]);
  expect(error).toBeInstanceOf(CodeTimeoutError);
  expect((error as CodeTimeoutError).timeoutMs).toBe(limitMs);
  // usable again afterwards
  expect(await runner.call(undefined, ["ok"], ENV)).toBe("fine");
}

describe("strict runner: run-time limit (cpuMs)", () => {
  const cases: Array<[string, string, boolean]> = [
    ["while (true) {}", "while (true) {}", false],
    [
      "exponential recursion without loops",
      "const f = (n) => (n <= 0 ? 0 : f(n - 1) + f(n - 1));\nreturn f(60);",
      false,
    ],
    [
      "nested forEach",
      "[1, 2, 3].forEach(() => Array.from({ length: 1e4 }).forEach(() => Array.from({ length: 1e4 }).forEach(() => {})));",
      false,
    ],
    ["catastrophic regex", 'return /^(a+)+$/.test("a".repeat(40) + "!");', false],
    [
      "a microtask flood started by sync code",
      "const loop = () => Promise.resolve().then(loop);\nloop();\nreturn 1;",
      false,
    ],
    [
      "async recursion through await",
      "const f = async (n) => { await null; return f(n + 1); };\nreturn await f(0);",
      true,
    ],
  ];
  for (const [label, body, async] of cases) {
    it(`stops ${label} with CodeTimeoutError`, async () => {
      const runner = strict(guarded(body, async), CPU);
      await expectTimeout(runner, 200);
      runner.dispose();
    }, 60_000);
  }

  // QuickJS catches an interrupt that lands inside a promise reaction and turns it into a rejection
  // nobody handles; the job queue then simply empties and a sync function's result looked normal
  // (these failed every time before the clock was consulted after draining the jobs)
  it.each([
    [
      "an endless loop inside a then callback of sync code",
      "Promise.resolve().then(() => { while (true) {} });\nreturn 1;",
    ],
    [
      "a microtask flood under a small budget",
      "const loop = () => Promise.resolve().then(loop);\nloop();\nreturn 1;",
    ],
  ])(
    "stops %s with CodeTimeoutError, every time",
    async (_label, body) => {
      for (let i = 0; i < 5; i++) {
        const runner = strict(guarded(body), {
          cpuMs: 50,
          wallMs: Number.POSITIVE_INFINITY,
          memoryBytes: 512 << 20,
        });
        await expectTimeout(runner, 50);
        runner.dispose();
      }
    },
    60_000,
  );

  it("does not count time spent awaiting an async helper", async () => {
    const runner = strict(
      "async function slow(x) { const a = await fetchDoc(x); const b = await fetchDoc(a); return b; }",
      { cpuMs: 100, wallMs: Number.POSITIVE_INFINITY, memoryBytes: 32 << 20 },
      { fetchDoc: (x: string) => new Promise((resolve) => setTimeout(() => resolve(`${x}+`), 300)) },
    );
    await expect(runner.call(undefined, ["doc"], ENV)).resolves.toBe("doc++");
    runner.dispose();
  }, 30_000);

  it("does not count time spent in a synchronous helper", () => {
    const busy = (): number => {
      const until = Date.now() + 250;
      while (Date.now() < until) {
        // the host is busy, not the sandboxed code
      }
      return 1;
    };
    const runner = strict(
      "function f() { return work() + 1; }",
      { cpuMs: 100, wallMs: 10_000, memoryBytes: 32 << 20 },
      {
        work: busy,
      },
    );
    expect(runner.call(undefined, [], ENV)).toBe(2);
    runner.dispose();
  });
});

describe("strict runner: wall-clock limit (wallMs)", () => {
  it("rejects an async call whose helper never answers in time, and ignores what the code does later", async () => {
    const recorded: unknown[] = [];
    let release: (value: string) => void = () => {};
    const runner = strict(
      "async function f(mode) { if (mode !== 'run') return 'fine'; const doc = await fetchDoc(); record(doc); return doc; }",
      { cpuMs: 1000, wallMs: 300, memoryBytes: 32 << 20 },
      {
        fetchDoc: () =>
          new Promise<string>((resolve) => {
            release = resolve;
          }),
        record: (value: unknown) => recorded.push(value),
      },
    );
    const error = await failure(runner, ["run"]);
    expect(error).toBeInstanceOf(CodeTimeoutError);
    expect((error as CodeTimeoutError).timeoutMs).toBe(300);
    release("late");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorded).toEqual([]);
    await expect(runner.call(undefined, ["ok"], ENV)).resolves.toBe("fine");
    runner.dispose();
  }, 30_000);

  it("stops synchronous code at the wall-clock limit when there is no run-time limit", async () => {
    const runner = strict(guarded("while (true) {}"), {
      cpuMs: Number.POSITIVE_INFINITY,
      wallMs: 200,
      memoryBytes: 32 << 20,
    });
    await expectTimeout(runner, 200);
    runner.dispose();
  }, 30_000);
});

describe("strict runner: memory limit", () => {
  it("stops a memory bomb with CodeMemoryError", async () => {
    const runner = strict(guarded('let a = [];\nfor (;;) a.push("x".repeat(1e6));'), MEMORY);
    const error = await failure(runner, ["run"]);
    expect(error).toBeInstanceOf(CodeMemoryError);
    expect((error as CodeMemoryError).limitBytes).toBe(8 << 20);
    expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    runner.dispose();
  }, 120_000);

  it("stops a recursive doubling without loops with CodeMemoryError", async () => {
    const runner = strict(guarded("const dbl = (a) => dbl(a.concat(a));\nreturn dbl([1, 2, 3]);"), MEMORY);
    const error = await failure(runner, ["run"]);
    expect(error).toBeInstanceOf(CodeMemoryError);
    expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    runner.dispose();
  }, 120_000);

  it("stops async recursion through await with CodeMemoryError when memory runs out first", async () => {
    const runner = strict(
      guarded("const f = async (n) => { await null; return f(n + 1); };\nreturn await f(0);", true),
      MEMORY,
    );
    const error = await failure(runner, ["run"]);
    expect(error).toBeInstanceOf(CodeMemoryError);
    await expect(runner.call(undefined, ["ok"], ENV)).resolves.toBe("fine");
    runner.dispose();
  }, 120_000);

  it("stops an async memory bomb with CodeMemoryError", async () => {
    const runner = strict(
      guarded(
        "const a = [];\nfor (;;) { a.push(new Array(1e5).fill(7)); if (a.length % 10 === 0) await null; }",
        true,
      ),
      MEMORY,
    );
    const error = await failure(runner, ["run"]);
    expect(error).toBeInstanceOf(CodeMemoryError);
    await expect(runner.call(undefined, ["ok"], ENV)).resolves.toBe("fine");
    runner.dispose();
  }, 120_000);
});

describe("strict runner: stack overflow is the code's own error", () => {
  it("reports unbounded recursion as a RangeError, not a limit error", async () => {
    const runner = strict(guarded("const deep = (n) => deep(n + 1) + 1;\nreturn deep(0);"), CPU);
    const error = await failure(runner, ["run"]);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).not.toBeInstanceOf(CodeTimeoutError);
    expect((error as Error).message).toBe("Maximum call stack size exceeded");
    expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    runner.dispose();
  });

  it("lets the code catch its own stack overflow", () => {
    const runner = strict(
      "function f() { const deep = (n) => deep(n + 1) + 1; try { return deep(0); } catch (e) { return e instanceof Error; } }",
      CPU,
    );
    expect(runner.call(undefined, [], ENV)).toBe(true);
    runner.dispose();
  });

  it("survives native stack exhaustion (deeply nested eval text) and recycles the engine", async () => {
    const before = strictTierStats().engines;
    const runner = strict(guarded('return eval("(".repeat(200000) + "1" + ")".repeat(200000));'), CPU);
    const error = await failure(runner, ["run"]);
    expect(error).toBeInstanceOf(RangeError);
    expect(runner.call(undefined, ["ok"], ENV)).toBe("fine");
    runner.dispose();
    const after = strictTierStats().engines;
    expect(after.disposeFailures).toBe(before.disposeFailures);
  });
});
