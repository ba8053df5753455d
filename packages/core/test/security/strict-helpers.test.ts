/**
 * Scope helpers in the strict tier: sync and async host functions bridged into QuickJS, their
 * errors visible (and catchable) in the sandbox, and run-stopping errors rethrown intact whatever
 * the sandboxed code did with them.
 */
import { describe, expect, it } from "@jest/globals";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import { createStrictRunner } from "../../src/code/strict/index.js";
import { Node } from "../../src/graph/node.js";
import { BudgetExceededError, CancelledError, InvalidRequestError } from "../../src/llm/errors.js";

const LIMITS: RunLimits = { cpuMs: 2000, wallMs: 20_000, memoryBytes: 32 << 20 };
const ENV: CallEnvironment = { readNode: () => undefined };

function strict(source: string, scope: Record<string, unknown>): CodeRunner {
  return createStrictRunner({ name: "agent", parsed: parseFunction(source, "agent"), scope, limits: LIMITS });
}

function budgetError(): BudgetExceededError {
  return new BudgetExceededError("token budget spent", { limit: "tokens", max: 10, used: 10, requested: 5 });
}

async function outcome(result: unknown): Promise<unknown> {
  try {
    return { value: await result };
  } catch (error) {
    return { error };
  }
}

describe("strict runner: helpers", () => {
  it("calls a sync helper with this undefined and the arguments as data", () => {
    const calls: unknown[] = [];
    const runner = strict("function agent(q) { return lookup(q, { limit: 2 }) + '!'; }", {
      lookup(this: unknown, q: string, options: { limit: number }) {
        calls.push([this, q, options]);
        return `${q}:${options.limit}`;
      },
    });
    expect(runner.call(undefined, ["x"], ENV)).toBe("x:2!");
    expect(calls).toEqual([[undefined, "x", { limit: 2 }]]);
    runner.dispose();
  });

  it("awaits async helpers (several, in parallel)", async () => {
    const runner = strict(
      "async function agent(ids) { const docs = await Promise.all(ids.map((id) => fetchDoc(id))); return docs.join('|'); }",
      { fetchDoc: (id: number) => new Promise((resolve) => setTimeout(() => resolve(`doc${id}`), 20 * id)) },
    );
    await expect(runner.call(undefined, [[3, 1, 2]], ENV)).resolves.toBe("doc3|doc1|doc2");
    runner.dispose();
  });

  it("lets the code catch a helper's error (sync throw and async rejection) with its message", async () => {
    const runner = strict(
      `async function agent() {
        const seen = [];
        try { failNow(); } catch (e) { seen.push([e instanceof Error, e.name, e.message]); }
        try { await failLater(); } catch (e) { seen.push([e instanceof Error, e.name, e.message]); }
        return seen;
      }`,
      {
        failNow: () => {
          throw new InvalidRequestError("prompt too long");
        },
        failLater: async () => {
          throw new TypeError("bad input");
        },
      },
    );
    await expect(runner.call(undefined, [], ENV)).resolves.toEqual([
      [true, "InvalidRequestError", "prompt too long"],
      [true, "TypeError", "bad input"],
    ]);
    runner.dispose();
  });

  it("an uncaught helper error fails the call with the sandbox's copy of it", () => {
    const runner = strict("function agent() { return explode(); }", {
      explode: () => {
        throw new Error("kaboom");
      },
    });
    expect(() => runner.call(undefined, [], ENV)).toThrow("kaboom");
    runner.dispose();
  });

  it("rethrows a BudgetExceededError the code caught and swallowed (sync)", () => {
    const original = budgetError();
    const runner = strict("function agent() { try { return ask('q'); } catch (e) { return 'fallback'; } }", {
      ask: () => {
        throw original;
      },
    });
    let caught: unknown;
    try {
      runner.call(undefined, [], ENV);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(original);
    runner.dispose();
  });

  it("rethrows a CancelledError the code caught and rewrapped (async)", async () => {
    const original = new CancelledError();
    const runner = strict(
      `async function agent() {
        try { await ask("q"); } catch (e) { throw new Error("wrapped: " + e.message); }
      }`,
      { ask: () => Promise.reject(original) },
    );
    expect(await outcome(runner.call(undefined, [], ENV))).toEqual({ error: original });
    runner.dispose();
  });

  it("rethrows a run-stopping error even when the code then returns normally", async () => {
    const original = budgetError();
    const runner = strict(
      `async function agent() {
        const results = await Promise.allSettled([ask("a"), ask("b")]);
        return results.map((r) => r.status);
      }`,
      {
        ask: (q: string) =>
          q === "b" ? Promise.reject(new Error("wrapper", { cause: original })) : Promise.resolve(q),
      },
    );
    expect(await outcome(runner.call(undefined, [], ENV))).toEqual({ error: original });
    runner.dispose();
  });

  it("rethrows a run-stopping error raised while reading a node field", () => {
    const original = budgetError();
    const runner = createStrictRunner({
      name: "agent",
      parsed: parseFunction("read() { try { return this.doc.data; } catch (e) { return null; } }", "agent"),
      scope: {},
      limits: LIMITS,
    });
    const env: CallEnvironment = {
      readNode: () => {
        throw original;
      },
    };
    expect(() => runner.call({ doc: new Node("x") }, [], env)).toThrow(original);
    runner.dispose();
  });
});
