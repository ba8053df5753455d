import { describe, expect, it } from "@jest/globals";
import {
  Budget,
  BudgetExceededError,
  type GenerateRequest,
  ProviderError,
  UsageTracker,
  withDefaults,
} from "@trace-ts/core";
import { defineMiddleware, unwrapModel, type WrappedModel, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const req: GenerateRequest = { messages: [{ role: "user", content: "hi" }], maxTokens: 10 };

describe("wrapModel", () => {
  it("applies middleware with the first listed outermost and skips falsy entries", async () => {
    const order: string[] = [];
    const tag = (name: string) =>
      defineMiddleware(name, async (r, next) => {
        order.push(`>${name}`);
        const out = await next(r);
        order.push(`<${name}`);
        return { ...out, text: `${out.text}+${name}` };
      });
    const base = new ScriptedModel(["x"], { modelId: "m", provider: "p" });
    const model = wrapModel(base, tag("a"), undefined, false, tag("b"));
    const r = await model.generate(req);
    expect(order).toEqual([">a", ">b", "<b", "<a"]);
    expect(r.text).toBe("x+b+a");
    expect(model).toMatchObject({ provider: "p", modelId: "m", specificationVersion: "v2" });
    expect(String(model)).toBe("WrappedModel(a → p:m)");
    expect(unwrapModel(model)).toBe(base);
  });
});

describe("withDefaults", () => {
  it("retries by default and nothing else", async () => {
    const base = new ScriptedModel([new ProviderError("x", { status: 500 }), "ok"]);
    const model = withDefaults(base, { retry: { initialDelayMs: 1 } });
    expect((await model.generate(req)).text).toBe("ok");
    expect((model as WrappedModel).middleware).toBe("retry");
    expect(withDefaults(base, { retry: false })).toBe(base);
  });

  it("orders the stack: cache hits are counted but cost no budget and no retries", async () => {
    const usage = new UsageTracker();
    const budget = new Budget({ maxTokens: 40, estimateInputTokens: () => 5 });
    const base = new ScriptedModel(
      [new ProviderError("x", { status: 503 }), { text: "a", usage: { inputTokens: 5, outputTokens: 10 } }],
      { whenExhausted: "repeat-last" },
    );
    const model = withDefaults(base, {
      retry: { initialDelayMs: 1, jitter: false },
      cache: true,
      usage,
      budget,
      concurrency: 2,
    });
    await model.generate(req); // each attempt reserves 15; the failed one is released
    expect(budget.state().spentTokens).toBe(15);
    for (let i = 0; i < 5; i++) await model.generate(req); // cache hits: free
    expect(budget.state().spentTokens).toBe(15);
    expect(base.callCount).toBe(2);
    expect(usage.totals()).toMatchObject({ calls: 6, cachedCalls: 5, inputTokens: 5, outputTokens: 10 });
    // a new request reserves 15 of the 25 left and spends 15; the next one no longer fits
    await model.generate({ ...req, messages: [{ role: "user", content: "b" }] });
    expect(budget.state().spentTokens).toBe(30);
    await expect(
      model.generate({ ...req, messages: [{ role: "user", content: "c" }] }),
    ).rejects.toBeInstanceOf(BudgetExceededError);
    expect(base.callCount).toBe(3);
  });

  it("validates its options", () => {
    const base = new ScriptedModel([]);
    expect(() => withDefaults(base, { concurency: 2 } as never)).toThrow(/not a known option/);
    expect(() => withDefaults(base, { usage: {} as never })).toThrow(/UsageTracker/);
  });
});
