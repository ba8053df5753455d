import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import {
  BudgetExceededError,
  bundle,
  CancelledError,
  CodeTimeoutError,
  ExecutionError,
  type MessageNode,
} from "@trace-ts/core";
import { outcome, outcomeAsync, suggested } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));

/** A suggestion that must end with CodeTimeoutError within its budget, leaving the process usable. */
function expectTimeout(body: string, timeoutMs = 200): void {
  const f = suggested(`fmt(answer) { ${body} }`, { timeoutMs });
  const { error } = outcome(() => f("a".repeat(40)));
  expect(error).toBeInstanceOf(CodeTimeoutError);
  // the bundle still works after rolling back
  f.setSource("fmt(answer) { return 'alive'; }");
  expect(f("x").data).toBe("alive");
}

describe("realm: CPU cases end with CodeTimeoutError and the process carries on", () => {
  it("the limit is on by default (5 s of running time)", () => {
    const f = suggested("fmt(answer) { while (true) {} }");
    expect(outcome(() => f("x")).error).toBeInstanceOf(CodeTimeoutError);
  }, 60_000);

  it("an endless loop", () => expectTimeout("while (true) {}"));

  it("exponential recursion without any loop", () =>
    expectTimeout("const f = (n) => n <= 0 ? 1 : f(n - 1) + f(n - 1); return f(200);"));

  it("nested forEach", () =>
    expectTimeout(
      "const a = Array.from({ length: 5000 }, (_, i) => i); let s = 0; a.forEach((x) => a.forEach((y) => a.forEach((z) => { s += z; }))); return s;",
    ));

  it("a catastrophic regular expression with a backreference (the linear engine cannot take it)", () =>
    expectTimeout('return /^(a+)+\\1$/.test(answer + "!");'));

  it("catastrophic patterns without backreferences finish quickly on V8's linear engine", () => {
    const f = suggested('fmt(answer) { return [/^(a+)+$/.test(answer + "!"), /(a|a)*b/.test(answer)]; }', {
      timeoutMs: 2000,
    });
    expect(outcome(() => f("a".repeat(60))).value).toEqual([false, false]);
  });

  it("dynamic regular expressions with lookarounds go through the same timed path", () =>
    expectTimeout(
      'return new RegExp("^(?=(a+))+(a+)+\\\\1$").test(answer + "!") || answer.match("(a+)+\\\\1$");',
    ));

  it("async recursion through await", async () => {
    const f = bundle(
      async function walk(n: number): Promise<number> {
        return n;
      },
      { trainable: true, timeoutMs: 200 },
    );
    f.setSource(
      "async walk(n) { const step = async (i) => { await null; return step(i + 1); }; return step(n); }",
    );
    const { error } = await outcomeAsync(() => f(0));
    expect(error).toBeInstanceOf(CodeTimeoutError);
  });

  it("code that catches the limit's error still ends with CodeTimeoutError", () =>
    expectTimeout(
      "for (let i = 0; i < 3; i++) { try { while (true) {} } catch (e) {} } return 'swallowed';",
    ));

  it("a microtask flood and unhandled rejections in suggested code do not stop the process; host rejections still do", () => {
    const run = (arg: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          fileURLToPath(new URL("../../../../scripts/ts-loader/register.mjs", import.meta.url)),
          join(here, "fixtures", "realm-rejections.ts"),
          arg,
        ],
        { encoding: "utf8", timeout: 120_000, env: { ...process.env, NODE_OPTIONS: "" } },
      );
    const expected = `${JSON.stringify(["flood", "event loop ran", "rejected", "still working!"])}\n`;
    const sandboxOnly = run("sandbox");
    expect(sandboxOnly.stdout).toBe(expected);
    expect(sandboxOnly.status).toBe(0);
    const host = run("host");
    expect(host.stdout).toBe(expected);
    expect(host.stderr).toContain("host rejection nobody handled");
    expect(host.status).not.toBe(0);
  }, 150_000);
});

describe("realm: the clock counts running time, not waiting", () => {
  it("a trainable method awaiting a slow helper is not timed out", async () => {
    const slow = (x: string) => new Promise<string>((resolve) => setTimeout(() => resolve(`${x}!`), 400));
    const f = bundle(
      async function ask(q: string): Promise<string> {
        return q;
      },
      { trainable: true, timeoutMs: 100, scope: () => ({ slow }) },
    );
    f.setSource("async ask(q) { const a = await slow(q); const b = await slow(a); return b; }");
    expect((await f("hi")).data).toBe("hi!!");
  });

  it("the wall-clock cap ends a call that waits for ever", async () => {
    const never = () => new Promise<string>(() => {});
    const f = bundle(
      async function ask(q: string): Promise<string> {
        return q;
      },
      { trainable: true, wallTimeoutMs: 200, scope: () => ({ never }) },
    );
    f.setSource("async ask(q) { return await never(); }");
    const { error } = await outcomeAsync(() => f("hi"));
    expect(error).toBeInstanceOf(CodeTimeoutError);
    expect((error as CodeTimeoutError).timeoutMs).toBe(200);
  });
});

describe("realm: errors that stop a run cross the sandbox intact", () => {
  const budget = () =>
    new BudgetExceededError("budget spent", { limit: "tokens", max: 10, used: 10, requested: 5 });

  it("a budget refusal caught and swallowed by suggested code still stops the run", () => {
    const ask = (): string => {
      throw budget();
    };
    const f = suggested("fmt(answer) { try { return ask(answer); } catch (e) { return 'fallback'; } }", {
      scope: () => ({ ask }),
    });
    let thrown: unknown;
    try {
      f("x");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BudgetExceededError);
    expect(thrown).not.toBeInstanceOf(ExecutionError);
  });

  it("a cancellation rewrapped by async suggested code rejects with the original error", async () => {
    const cancelled = new CancelledError();
    const ask = async (): Promise<string> => {
      throw cancelled;
    };
    const f = bundle(
      async function run(q: string): Promise<string> {
        return q;
      },
      { trainable: true, scope: () => ({ ask }) },
    );
    f.setSource(
      "async run(q) { try { return await ask(q); } catch (e) { throw new Error('wrapped: ' + e.message); } }",
    );
    await expect(f("x") as Promise<MessageNode<string>>).rejects.toBe(cancelled);
  });
});

describe("realm: memory", () => {
  it("a memory bomb ends with CodeMemoryError in a small heap, and the process lives on", () => {
    const child = spawnSync(
      process.execPath,
      [
        "--max-old-space-size=192",
        "--import",
        fileURLToPath(new URL("../../../../scripts/ts-loader/register.mjs", import.meta.url)),
        join(here, "fixtures", "realm-memory-bomb.ts"),
      ],
      { encoding: "utf8", timeout: 120_000, env: { ...process.env, NODE_OPTIONS: "" } },
    );
    expect(child.stderr).not.toContain("heap limit");
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(["CODE_MEMORY", "CODE_MEMORY", "4"]);
  }, 150_000);
});
