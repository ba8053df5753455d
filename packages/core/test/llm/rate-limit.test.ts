import { describe, expect, it } from "@jest/globals";
import { CancelledError, type GenerateRequest } from "@trace-ts/core";
import { rateLimit, SlidingWindowLimiter, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const req: GenerateRequest = { messages: [{ role: "user", content: "hi" }] };

describe("rateLimit middleware", () => {
  it("never runs more than `concurrency` calls at once", async () => {
    const base = new ScriptedModel(() => "ok", { latencyMs: 10 });
    const model = wrapModel(base, rateLimit({ concurrency: 3 }));
    await Promise.all(Array.from({ length: 12 }, () => model.generate(req)));
    expect(base.callCount).toBe(12);
    expect(base.maxConcurrentCalls).toBe(3);
  });

  it("shares one quota between models wrapped with the same instance", async () => {
    const a = new ScriptedModel(() => "a", { latencyMs: 10 });
    const b = new ScriptedModel(() => "b", { latencyMs: 10 });
    const shared = rateLimit({ concurrency: 2 });
    const ma = wrapModel(a, shared);
    const mb = wrapModel(b, shared);
    let peak = 0;
    const track = async (p: Promise<unknown>) => {
      peak = Math.max(peak, a.activeCalls + b.activeCalls);
      await p;
    };
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) all.push(track(ma.generate(req)), track(mb.generate(req)));
    const poll = setInterval(() => (peak = Math.max(peak, a.activeCalls + b.activeCalls)), 1);
    await Promise.all(all);
    clearInterval(poll);
    expect(peak).toBeLessThanOrEqual(2);
    expect(a.callCount + b.callCount).toBe(12);
  });

  it("limits starts per window", async () => {
    const base = new ScriptedModel(() => "ok");
    const model = wrapModel(base, rateLimit({ requestsPerMinute: 3, windowMs: 80 }));
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => model.generate(req)));
    const starts = base.calls.map((c) => c.startedAt - t0);
    expect(starts.slice(0, 3).every((s) => s < 40)).toBe(true);
    expect(starts[3]).toBeGreaterThanOrEqual(70);
    expect(starts[4]).toBeGreaterThanOrEqual(70);
  });

  it("cancels a queued call without ever sending it", async () => {
    const base = new ScriptedModel(() => "ok", { latencyMs: 40 });
    const model = wrapModel(base, rateLimit({ concurrency: 1 }));
    const first = model.generate(req);
    const controller = new AbortController();
    const second = model.generate({ ...req, signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    await first;
    await new Promise((r) => setTimeout(r, 5));
    expect(base.callCount).toBe(1);
  });

  it("SlidingWindowLimiter counts only the current window", async () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(2, 1_000, () => now);
    await limiter.acquire();
    await limiter.acquire();
    expect(limiter.inWindow).toBe(2);
    now = 1_000;
    expect(limiter.inWindow).toBe(0);
  });

  it("needs at least one limit", () => {
    expect(() => rateLimit({})).toThrow(/concurrency and\/or requestsPerMinute/);
    expect(() => rateLimit({ concurrency: 0 })).toThrow(RangeError);
  });
});
