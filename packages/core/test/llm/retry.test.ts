import { describe, expect, it } from "@jest/globals";
import {
  AuthenticationError,
  CancelledError,
  type GenerateRequest,
  LLMTimeoutError,
  ProviderError,
  RateLimitError,
} from "@trace-ts/core";
import { backoffDelay, parseRetryAfter, type RetryEvent, retry, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const req: GenerateRequest = { messages: [{ role: "user", content: "hi" }] };
const fast = { initialDelayMs: 1, maxDelayMs: 5, jitter: false } as const;

describe("retry middleware", () => {
  it("retries retryable errors and returns the first success", async () => {
    const base = new ScriptedModel([
      new ProviderError("500", { status: 500 }),
      new LLMTimeoutError("slow"),
      new ProviderError("reset"),
      "ok",
    ]);
    const events: RetryEvent[] = [];
    const model = wrapModel(base, retry({ ...fast, maxAttempts: 4, onRetry: (e) => events.push(e) }));
    expect((await model.generate(req)).text).toBe("ok");
    expect(base.callCount).toBe(4);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(events.map((e) => e.delayMs)).toEqual([1, 2, 4]);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const base = new ScriptedModel(() => new ProviderError("server error (HTTP 503)", { status: 503 }));
    const model = wrapModel(base, retry({ ...fast, maxAttempts: 3 }));
    await expect(model.generate(req)).rejects.toMatchObject({ code: "LLM_PROVIDER", status: 503 });
    expect(base.callCount).toBe(3);
  });

  it("does not retry errors that are not retryable", async () => {
    for (const error of [
      new AuthenticationError("bad key", { status: 401 }),
      new ProviderError("bad request", { status: 400 }),
      new Error("plain"),
    ]) {
      const base = new ScriptedModel([error, "never"]);
      await expect(wrapModel(base, retry(fast)).generate(req)).rejects.toBe(error);
      expect(base.callCount).toBe(1);
    }
  });

  it("waits what retry-after asks instead of the backoff", async () => {
    const base = new ScriptedModel([new RateLimitError("429", { retryAfterMs: 60 }), "ok"]);
    const events: RetryEvent[] = [];
    const model = wrapModel(base, retry({ ...fast, onRetry: (e) => events.push(e) }));
    const t0 = performance.now();
    await model.generate(req);
    expect(events[0]!.delayMs).toBe(60);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    expect(base.calls[1]!.startedAt - base.calls[0]!.endedAt!).toBeGreaterThanOrEqual(55);
  });

  it("throws at once when the server asks to wait longer than maxRetryAfterMs", async () => {
    const base = new ScriptedModel([new RateLimitError("429", { retryAfterMs: 3_600_000 }), "ok"]);
    const model = wrapModel(base, retry({ ...fast, maxRetryAfterMs: 1_000 }));
    await expect(model.generate(req)).rejects.toBeInstanceOf(RateLimitError);
    expect(base.callCount).toBe(1);
  });

  it("applies jitter within [d/2, d]", async () => {
    const delays: number[] = [];
    const base = new ScriptedModel(() => new ProviderError("x", { status: 500 }));
    const model = wrapModel(
      base,
      retry({
        initialDelayMs: 8,
        factor: 2,
        maxAttempts: 3,
        random: () => 0,
        onRetry: (e) => delays.push(e.delayMs),
      }),
    );
    await expect(model.generate(req)).rejects.toBeInstanceOf(ProviderError);
    expect(delays).toEqual([4, 8]);
    expect(backoffDelay(10, { initialDelayMs: 500, maxDelayMs: 2_000 })).toBe(2_000);
  });

  it("stops waiting when the signal aborts during the backoff", async () => {
    const base = new ScriptedModel([new ProviderError("x", { status: 500 }), "ok"]);
    const model = wrapModel(base, retry({ initialDelayMs: 10_000, jitter: false }));
    const controller = new AbortController();
    const p = model.generate({ ...req, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(base.callCount).toBe(1);
  });

  it("never retries a cancellation", async () => {
    const base = new ScriptedModel([new CancelledError(), "ok"]);
    await expect(wrapModel(base, retry(fast)).generate(req)).rejects.toBeInstanceOf(CancelledError);
    expect(base.callCount).toBe(1);
  });

  it("validates options", () => {
    expect(() => retry({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => retry({ maxAtempts: 2 } as never)).toThrow(/not a known option/);
  });
});

describe("parseRetryAfter", () => {
  it("reads retry-after-ms, seconds and HTTP dates", () => {
    expect(parseRetryAfter({ "retry-after-ms": "250" })).toBe(250);
    expect(parseRetryAfter(new Headers({ "Retry-After": "2" }))).toBe(2_000);
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(parseRetryAfter({ "retry-after": "Tue, 01 Jan 2030 00:00:03 GMT" }, now)).toBe(3_000);
    expect(parseRetryAfter({ "retry-after-ms": "nope", "retry-after": "1.5" })).toBe(1_500);
    expect(parseRetryAfter({ "retry-after": "soon" })).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
