import { describe, expect, it } from "@jest/globals";
import { CancelledError, type GenerateRequest, RateLimitError } from "@trace-ts/core";
import { ScriptExhaustedError, ScriptedModel } from "@trace-ts/core/testing";

const ask = (content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});

describe("ScriptedModel", () => {
  it("replays strings, partial results and errors in order, then reports exhaustion", async () => {
    const model = new ScriptedModel([
      "first",
      { text: "second", usage: { inputTokens: 3, outputTokens: 4 }, finishReason: "length" },
      new RateLimitError("slow down", { retryAfterMs: 5 }),
    ]);
    const a = await model.generate(ask("q1"));
    expect(a).toMatchObject({ text: "first", finishReason: "stop", model: "scripted" });
    expect(a.usage.outputTokens).toBe(2); // "first" ≈ 5 chars / 4
    const b = await model.generate(ask("q2"));
    expect(b).toMatchObject({
      text: "second",
      finishReason: "length",
      usage: { inputTokens: 3, outputTokens: 4 },
    });
    await expect(model.generate(ask("q3"))).rejects.toBeInstanceOf(RateLimitError);
    const exhausted = model.generate(ask("q4"));
    await expect(exhausted).rejects.toBeInstanceOf(ScriptExhaustedError);
    await expect(exhausted).rejects.toMatchObject({
      code: "SCRIPT_EXHAUSTED",
      scriptLength: 3,
      callIndex: 3,
    });
    expect(model.callCount).toBe(4);
    expect(model.prompts).toEqual(["q1", "q2", "q3", "q4"]);
    expect(model.calls[2]!.error).toBeInstanceOf(RateLimitError);
    expect(model.calls[1]!.result?.text).toBe("second");
  });

  it("answers with a function of the request and call index", async () => {
    const model = new ScriptedModel((req, i) => `${i}:${req.messages.at(-1)!.content.toUpperCase()}`, {
      modelId: "echo-1",
      provider: "fake",
    });
    expect((await model.generate(ask("hi"))).text).toBe("0:HI");
    const r = await model.generate(ask("yo"));
    expect(r.text).toBe("1:YO");
    expect(r.model).toBe("echo-1");
    expect(model.provider).toBe("fake");
  });

  it("lets a responder throw or return a promise", async () => {
    const model = new ScriptedModel(async (_req, i) => {
      if (i === 0) throw new Error("boom");
      return { text: "ok", finishReason: "stop" as const };
    });
    await expect(model.generate(ask("a"))).rejects.toThrow("boom");
    expect((await model.generate(ask("b"))).text).toBe("ok");
  });

  it("repeats or cycles when asked to", async () => {
    const last = new ScriptedModel(["a", "b"], { whenExhausted: "repeat-last" });
    const cyc = new ScriptedModel(["a", "b"], { whenExhausted: "cycle" });
    const lastTexts: string[] = [];
    const cycTexts: string[] = [];
    for (let i = 0; i < 4; i++) {
      lastTexts.push((await last.generate(ask("x"))).text);
      cycTexts.push((await cyc.generate(ask("x"))).text);
    }
    expect(lastTexts).toEqual(["a", "b", "b", "b"]);
    expect(cycTexts).toEqual(["a", "b", "a", "b"]);
  });

  it("records start/end timestamps that reveal overlapping calls", async () => {
    const model = new ScriptedModel(["x", "y", "z"], { latencyMs: 20 });
    await Promise.all([model.generate(ask("1")), model.generate(ask("2"))]);
    await model.generate(ask("3"));
    const [c0, c1, c2] = model.calls;
    expect(c0!.endedAt).toBeGreaterThanOrEqual(c0!.startedAt + 15);
    expect(c1!.startedAt).toBeLessThan(c0!.endedAt!); // 0 and 1 overlapped
    expect(c2!.startedAt).toBeGreaterThanOrEqual(c1!.endedAt!); // 2 came after
    expect(model.maxConcurrentCalls).toBe(2);
    expect(model.activeCalls).toBe(0);
  });

  it("supports per-call latency functions", async () => {
    const model = new ScriptedModel(["slow", "fast"], { latencyMs: (_r, i) => (i === 0 ? 40 : 0) });
    const order: string[] = [];
    await Promise.all([
      model.generate(ask("a")).then((r) => order.push(r.text)),
      model.generate(ask("b")).then((r) => order.push(r.text)),
    ]);
    expect(order).toEqual(["fast", "slow"]);
  });

  it("rejects with CancelledError when the signal aborts during the latency", async () => {
    const model = new ScriptedModel(["never"], { latencyMs: 5_000 });
    const controller = new AbortController();
    const started = performance.now();
    const p = model.generate(ask("a", { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("user gave up")), 10);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(model.calls[0]!.error).toBeInstanceOf(CancelledError);
    // an already-aborted signal fails at once
    await expect(model.generate(ask("b", { signal: AbortSignal.abort() }))).rejects.toMatchObject({
      code: "LLM_CANCELLED",
    });
  });

  it("reset() forgets calls and restarts the script; push() appends", async () => {
    const model = new ScriptedModel(["a"]);
    await model.generate(ask("x"));
    model.reset();
    expect(model.callCount).toBe(0);
    expect((await model.generate(ask("y"))).text).toBe("a");
    model.push("b");
    expect((await model.generate(ask("z"))).text).toBe("b");
  });

  it("validates its options", () => {
    expect(() => new ScriptedModel([], { latencyMs: -1 })).toThrow(RangeError);
    expect(() => new ScriptedModel([], { modelid: "x" } as never)).toThrow(/not a known option/);
    expect(() => new ScriptedModel([], { whenExhausted: "loop" as never })).toThrow(/whenExhausted/);
  });
});
