import { getEventListeners } from "node:events";
import { describe, expect, it } from "@jest/globals";
import { CancelledError, LLMTimeoutError, ProviderError } from "@trace-ts/core";
import { CallSignal, callAbortError, sdkBackstopTimeout } from "@trace-ts/core/llm";
import { startStubServer } from "@trace-ts/core/testing";

const ctx = { provider: "p", modelId: "m", baseURL: "http://127.0.0.1:1", timeoutMs: 50 };
const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("CallSignal", () => {
  it("links a call to the caller's signal and unlinks it when the call settles", () => {
    const caller = new AbortController();
    const call = new CallSignal(caller.signal, 60_000);
    expect(listeners(caller.signal)).toBe(1);
    expect(call.signal.aborted).toBe(false);
    call.done();
    call.done(); // idempotent
    expect(listeners(caller.signal)).toBe(0);
    caller.abort();
    expect(call.signal.aborted).toBe(false); // a settled call is not aborted afterwards
    expect(call.abortedBy).toBeUndefined();
  });

  it("calls in flight on one signal share a single listener, removed with the last of them", () => {
    const caller = new AbortController();
    const calls = Array.from({ length: 100 }, () => new CallSignal(caller.signal));
    expect(listeners(caller.signal)).toBe(1);
    for (const c of calls.slice(0, 99)) c.done();
    expect(listeners(caller.signal)).toBe(1);
    calls[99]!.done();
    expect(listeners(caller.signal)).toBe(0);
  });

  it("the caller's abort aborts every call in flight, with its reason", () => {
    const caller = new AbortController();
    const a = new CallSignal(caller.signal, 60_000);
    const b = new CallSignal(caller.signal, 60_000);
    const reason = new Error("stop");
    caller.abort(reason);
    for (const c of [a, b]) {
      expect(c.signal.aborted).toBe(true);
      expect(c.signal.reason).toBe(reason);
      expect(c.abortedBy).toBe("caller");
      expect(c.cancelled).toBe(true);
      c.done();
    }
    expect(listeners(caller.signal)).toBe(0);
    // a new call on an aborted signal is aborted at once and adds no listener
    const late = new CallSignal(caller.signal, 60_000);
    expect(late.cancelled).toBe(true);
    expect(listeners(caller.signal)).toBe(0);
  });

  it("the time limit aborts the call as a timeout, not a cancellation", async () => {
    const caller = new AbortController();
    const call = new CallSignal(caller.signal, 20);
    await new Promise<void>((resolve) => call.signal.addEventListener("abort", () => resolve()));
    expect(call.abortedBy).toBe("timeout");
    expect(call.timedOut).toBe(true);
    expect((call.signal.reason as Error).name).toBe("TimeoutError");
    expect(caller.signal.aborted).toBe(false);
    expect(listeners(caller.signal)).toBe(0);
  });

  it("works without a caller signal or a time limit", () => {
    const call = new CallSignal(undefined);
    expect(call.signal.aborted).toBe(false);
    call.done();
    expect(new CallSignal(undefined, Number.POSITIVE_INFINITY).abortedBy).toBeUndefined();
  });

  it("sdkBackstopTimeout is later than the call's limit and a valid timer delay", () => {
    expect(sdkBackstopTimeout(1000)).toBeGreaterThan(1000);
    expect(Number.isInteger(sdkBackstopTimeout(1500.5))).toBe(true);
    expect(sdkBackstopTimeout(Number.POSITIVE_INFINITY)).toBe(2_147_483_647);
  });

  it("callAbortError tells who aborted: the caller (CancelledError) or the limit (LLMTimeoutError)", () => {
    const caller = new AbortController();
    const cancelled = new CallSignal(caller.signal, 60_000);
    caller.abort(new Error("user stop"));
    const e1 = callAbortError(cancelled, new Error("sdk: aborted"), ctx);
    expect(e1).toBeInstanceOf(CancelledError);
    expect((e1 as Error).cause).toEqual(new Error("user stop"));

    // a trace-ts error as the abort reason is the cause of a CancelledError, not the result
    const other = new AbortController();
    const byTraceError = new CallSignal(other.signal);
    const reason = new ProviderError("the run stopped", { status: 503 });
    other.abort(reason);
    const e2 = callAbortError(byTraceError, new Error("sdk: aborted"), ctx);
    expect(e2).toBeInstanceOf(CancelledError);
    expect((e2 as Error).cause).toBe(reason);

    const idle = new CallSignal(undefined, 60_000);
    expect(callAbortError(idle, new Error("x"), ctx)).toBeUndefined();
    idle.done();
  });

  it("callAbortError maps a call cut by its limit to LLMTimeoutError", async () => {
    const call = new CallSignal(undefined, 10);
    await new Promise<void>((resolve) => call.signal.addEventListener("abort", () => resolve()));
    const e = callAbortError(call, new Error("body read aborted"), ctx);
    expect(e).toBeInstanceOf(LLMTimeoutError);
    expect(e).not.toBeInstanceOf(ProviderError);
    expect((e as Error).message).toMatch(/no complete response within 50 ms/);
  });

  it("aborts a fetch whose body drips, and the server sees the connection close", async () => {
    const stub = await startStubServer(() => ({ drip: { intervalMs: 100 }, json: { ok: true } }));
    try {
      const call = new CallSignal(undefined, 500);
      const t0 = performance.now();
      const res = await fetch(`${stub.url}/x`, { signal: call.signal });
      expect(res.status).toBe(200); // headers arrive at once
      const err = await res.text().catch((e: unknown) => e);
      call.done();
      expect(call.timedOut).toBe(true);
      expect((err as Error).name).toMatch(/AbortError|TimeoutError/);
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(await stub.waitForNoConnections(10_000)).toBe(true);
    } finally {
      await stub.close();
    }
  }, 30_000);
});

describe("startStubServer drip replies", () => {
  it("sends the headers at once, then the body a chunk at a time, then the real body after forMs", async () => {
    const stub = await startStubServer(() => ({
      drip: { intervalMs: 20, forMs: 150 },
      json: { done: true },
    }));
    try {
      const res = await fetch(`${stub.url}/x`);
      expect(res.headers.get("content-type")).toBe("application/json");
      const text = await res.text();
      expect(text.trimStart()).toBe('{"done":true}');
      expect(text.length).toBeGreaterThan('{"done":true}'.length); // some padding was dripped first
      expect(JSON.parse(text)).toEqual({ done: true });
    } finally {
      await stub.close();
    }
  }, 30_000);

  it("close() ends a drip that never stops", async () => {
    const stub = await startStubServer(() => ({ drip: { intervalMs: 10 } }));
    const res = await fetch(`${stub.url}/x`);
    expect(res.status).toBe(200);
    expect(stub.openConnections).toBe(1);
    await stub.close();
    await expect(res.text()).rejects.toThrow();
  }, 30_000);
});
