import { afterEach, describe, expect, it, jest } from "@jest/globals";
import { CancelledError, type GenerateRequest, LLMTimeoutError, withDefaults } from "@trace-ts/core";
import { type RateLimiter, type RateLimitPermit, rateLimit, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const req: GenerateRequest = { messages: [{ role: "user", content: "hi" }] };

/** A limiter of the test's own: counts permits, can hold callers until `open()`, can fail. */
class CountingLimiter implements RateLimiter {
  acquired = 0;
  released = 0;
  /** Largest number of permits out at once. */
  peak = 0;
  /** Signals passed to acquire. */
  readonly signals: (AbortSignal | undefined)[] = [];
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;
  failRelease = false;
  /** Ignore the signal while waiting (a careless limiter), to test the middleware's own abort. */
  ignoreSignal = false;

  get out(): number {
    return this.acquired - this.released;
  }

  close(): void {
    this.#gate = new Promise((resolve) => {
      this.#openGate = resolve;
    });
  }

  open(): void {
    this.#openGate?.();
    this.#gate = undefined;
  }

  async acquire(signal?: AbortSignal): Promise<RateLimitPermit> {
    this.signals.push(signal);
    if (this.#gate) {
      const gate = this.#gate;
      await (this.ignoreSignal || !signal
        ? gate
        : new Promise<void>((resolve, reject) => {
            signal.addEventListener("abort", () => reject(new CancelledError()), { once: true });
            void gate.then(resolve);
          }));
    }
    this.acquired++;
    this.peak = Math.max(this.peak, this.out);
    let done = false;
    return {
      release: async () => {
        if (done) throw new Error("released twice");
        done = true;
        this.released++;
        if (this.failRelease) throw new Error("server gone");
      },
    };
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));

afterEach(() => {
  jest.restoreAllMocks();
});

describe("rateLimit({ limiter })", () => {
  it("takes a permit before each call and releases it after", async () => {
    const limiter = new CountingLimiter();
    const base = new ScriptedModel(() => {
      // the permit is held while the model runs
      expect(limiter.out).toBe(1);
      return "ok";
    });
    const model = wrapModel(base, rateLimit({ limiter }));
    await model.generate(req);
    await model.generate(req);
    expect(base.callCount).toBe(2);
    expect(limiter.acquired).toBe(2);
    expect(limiter.released).toBe(2);
  });

  it("passes the call's signal to the limiter", async () => {
    const limiter = new CountingLimiter();
    const model = wrapModel(new ScriptedModel(() => "ok"), rateLimit({ limiter }));
    const controller = new AbortController();
    await model.generate({ ...req, signal: controller.signal });
    expect(limiter.signals[0]).toBe(controller.signal);
  });

  it("releases the permit when the call fails", async () => {
    const limiter = new CountingLimiter();
    const base = new ScriptedModel(() => {
      throw new Error("boom");
    });
    const model = wrapModel(base, rateLimit({ limiter }));
    await expect(model.generate(req)).rejects.toThrow("boom");
    expect(limiter.acquired).toBe(1);
    expect(limiter.released).toBe(1);
  });

  it("rejects a call aborted while waiting for a permit, without sending it", async () => {
    const limiter = new CountingLimiter();
    limiter.close();
    const base = new ScriptedModel(() => "ok");
    const model = wrapModel(base, rateLimit({ limiter }));
    const controller = new AbortController();
    const call = model.generate({ ...req, signal: controller.signal });
    await tick();
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    limiter.open();
    await tick();
    expect(base.callCount).toBe(0);
    expect(limiter.out).toBe(0);
  });

  it("stops waiting on abort even if the limiter ignores the signal, and gives back the late permit", async () => {
    const limiter = new CountingLimiter();
    limiter.ignoreSignal = true;
    limiter.close();
    const base = new ScriptedModel(() => "ok");
    const model = wrapModel(base, rateLimit({ limiter }));
    const controller = new AbortController();
    const call = model.generate({ ...req, signal: controller.signal });
    await tick();
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    limiter.open(); // the limiter now grants the permit nobody waits for
    await tick();
    expect(limiter.acquired).toBe(1);
    expect(limiter.released).toBe(1);
    expect(base.callCount).toBe(0);
  });

  it("does not ask the limiter for an already aborted call", async () => {
    const limiter = new CountingLimiter();
    const model = wrapModel(new ScriptedModel(() => "ok"), rateLimit({ limiter }));
    const controller = new AbortController();
    controller.abort();
    await expect(model.generate({ ...req, signal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(limiter.signals).toHaveLength(0);
  });

  it("propagates the limiter's refusal and does not call the model", async () => {
    class Down extends Error {}
    const limiter: RateLimiter = { acquire: () => Promise.reject(new Down("redis down")) };
    const base = new ScriptedModel(() => "ok");
    const model = wrapModel(base, rateLimit({ limiter }));
    await expect(model.generate(req)).rejects.toBeInstanceOf(Down);
    expect(base.callCount).toBe(0);
  });

  it("a failing release does not fail the call; it warns once", async () => {
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    const limiter = new CountingLimiter();
    limiter.failRelease = true;
    const model = wrapModel(new ScriptedModel(() => "ok"), rateLimit({ limiter }));
    await expect(model.generate(req)).resolves.toMatchObject({ text: "ok" });
    await expect(model.generate(req)).resolves.toMatchObject({ text: "ok" });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/server gone/);
  });

  it("takes the local concurrency slot first: queued calls hold no shared permit", async () => {
    const limiter = new CountingLimiter();
    const base = new ScriptedModel(() => "ok", { latencyMs: 10 });
    const model = wrapModel(base, rateLimit({ concurrency: 2, limiter }));
    let peakOut = 0;
    const poll = setInterval(() => {
      peakOut = Math.max(peakOut, limiter.out);
    }, 1);
    await Promise.all(Array.from({ length: 8 }, () => model.generate(req)));
    clearInterval(poll);
    expect(base.callCount).toBe(8);
    expect(base.maxConcurrentCalls).toBe(2);
    // never more permits out than local slots: a call waiting for a local slot has none
    expect(limiter.peak).toBeLessThanOrEqual(2);
    expect(peakOut).toBeLessThanOrEqual(2);
    expect(limiter.released).toBe(8);
  });

  it("the shared limiter can be the tighter one", async () => {
    // a limiter allowing one call at a time, in front of a local limit of 4
    let busy: Promise<void> = Promise.resolve();
    const single: RateLimiter = {
      async acquire() {
        const previous = busy;
        let free!: () => void;
        busy = new Promise((r) => {
          free = r;
        });
        await previous;
        return { release: () => free() };
      },
    };
    const base = new ScriptedModel(() => "ok", { latencyMs: 5 });
    const model = wrapModel(base, rateLimit({ concurrency: 4, limiter: single }));
    await Promise.all(Array.from({ length: 6 }, () => model.generate(req)));
    expect(base.callCount).toBe(6);
    expect(base.maxConcurrentCalls).toBe(1);
  });

  it("counts local window starts before the shared permit", async () => {
    const limiter = new CountingLimiter();
    const base = new ScriptedModel(() => "ok");
    const model = wrapModel(base, rateLimit({ requestsPerMinute: 2, windowMs: 60_000, limiter }));
    await model.generate(req);
    await model.generate(req);
    const controller = new AbortController();
    const third = model.generate({ ...req, signal: controller.signal });
    await tick();
    // the third call waits for the local window, so it never asked the shared limiter
    expect(limiter.signals).toHaveLength(2);
    controller.abort();
    await expect(third).rejects.toBeInstanceOf(CancelledError);
    expect(base.callCount).toBe(2);
  });

  it("checks the limiter option", () => {
    expect(() => rateLimit({ limiter: {} as unknown as RateLimiter })).toThrow(/limiter.*acquire/);
    expect(() => rateLimit({ limiter: "redis" as unknown as RateLimiter })).toThrow(/limiter/);
    expect(() => rateLimit({})).toThrow(/or a limiter/);
  });

  it("withDefaults puts the limiter in the rateLimit layer, inside retry", async () => {
    const limiter = new CountingLimiter();
    let calls = 0;
    const base = new ScriptedModel(() => {
      calls++;
      if (calls === 1) throw new LLMTimeoutError("flaky");
      return "ok";
    });
    const model = withDefaults(base, { limiter, retry: { initialDelayMs: 1, maxAttempts: 3 } });
    await expect(model.generate(req)).resolves.toMatchObject({ text: "ok" });
    // each attempt took (and gave back) its own permit
    expect(limiter.acquired).toBe(2);
    expect(limiter.released).toBe(2);
    expect(() => withDefaults(base, { limiter: {} as unknown as RateLimiter })).toThrow(/acquire/);
  });
});
