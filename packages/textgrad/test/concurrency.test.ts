import { describe, expect, it } from "@jest/globals";
import {
  CancelledError,
  fmt,
  graphScope,
  node,
  ops,
  type ParameterNode,
  ProviderError,
} from "@trace-ts/core";
import { type ScriptedCall, ScriptedModel } from "@trace-ts/core/testing";
import { TextGrad, type TextGradDetails, textGradRequestInfo } from "@trace-ts/textgrad";

/**
 * out = format(p0 … p{n-1}) with `format` not treated as pass-through (`passThroughOps: []`):
 * n independent gradient calls, then n independent updates.
 */
function fanOut(n: number) {
  return graphScope(() => {
    const params = Array.from({ length: n }, (_, i) => node(`v${i}`, { trainable: true, name: "p" }));
    const template = params.map((_, i) => `{a${i}}`).join(" ");
    const out = ops.format(template, Object.fromEntries(params.map((p, i) => [`a${i}`, p])));
    return { params, out };
  });
}

function answering(latencyMs: number): ScriptedModel {
  return new ScriptedModel(
    (request) => {
      const info = textGradRequestInfo(request);
      return info?.kind === "update" ? `<new_value>new ${info.key}</new_value>` : "Make it new.";
    },
    { latencyMs },
  );
}

const kindOf = (c: ScriptedCall) => textGradRequestInfo(c.request)?.kind;

/** Largest number of calls running at the same instant, from recorded start and end times. */
function peakOverlap(calls: readonly ScriptedCall[]): number {
  const events = calls.flatMap((c) => [
    { t: c.startedAt, d: 1 },
    { t: c.endedAt ?? Number.POSITIVE_INFINITY, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const e of events) {
    now += e.d;
    peak = Math.max(peak, now);
  }
  return peak;
}

async function stepFanOut(n: number, concurrency: number, latencyMs = 25) {
  const { params, out } = fanOut(n);
  const model = answering(latencyMs);
  const optimizer = new TextGrad(params, { passThroughOps: [], model, concurrency });
  optimizer.backward(out, "Every part should be new.");
  const report = await optimizer.step();
  return { params, model, report };
}

describe("TextGrad concurrency", () => {
  it("runs independent gradient calls at the same time, up to the bound", async () => {
    const { params, model, report } = await stepFanOut(6, 3);
    expect(report.error).toBeUndefined();
    expect(model.callCount).toBe(12);
    expect(model.maxConcurrentCalls).toBe(3);
    const gradients = model.calls.filter((c) => kindOf(c) === "gradient");
    expect(gradients).toHaveLength(6);
    // the first three gradient calls overlap: each starts before any of them ends
    const firstThree = gradients.slice(0, 3);
    const earliestEnd = Math.min(...firstThree.map((c) => c.endedAt!));
    expect(firstThree.every((c) => c.startedAt < earliestEnd)).toBe(true);
    expect(peakOverlap(model.calls)).toBe(3);
    expect((report.details as TextGradDetails).concurrency).toBe(3);
    expect(params.map((p: ParameterNode) => p.data)).toEqual(params.map((p) => `new ${p.key}`));
  });

  it("never exceeds the bound, and concurrency 1 runs calls one after another", async () => {
    const { model } = await stepFanOut(5, 1, 5);
    expect(model.maxConcurrentCalls).toBe(1);
    expect(peakOverlap(model.calls)).toBe(1);
    const many = await stepFanOut(5, 16, 10);
    expect(many.model.maxConcurrentCalls).toBe(5);
  });

  it("starts each update only after the gradient of its parameter is finished", async () => {
    const { model } = await stepFanOut(4, 8);
    const updates = model.calls.filter((c) => kindOf(c) === "update");
    expect(updates).toHaveLength(4);
    for (const u of updates) {
      const info = textGradRequestInfo(u.request);
      const key = info?.kind === "update" ? info.key : "";
      const own = model.calls.find((c) => {
        const g = textGradRequestInfo(c.request);
        return g?.kind === "gradient" && g.parent === key;
      });
      expect(own).toBeDefined();
      expect(u.startedAt).toBeGreaterThanOrEqual(own!.endedAt!);
    }
  });

  it("with mergeOverTokens, a combining call starts after all the gradients it merges", async () => {
    const { p, a, b } = graphScope(() => {
      const p = node("x", { trainable: true, name: "p" });
      return { p, a: fmt`${p}-a`, b: fmt`${p}-b` };
    });
    const model = answering(10);
    const optimizer = new TextGrad([p], { passThroughOps: [], model, concurrency: 4, mergeOverTokens: 1 });
    optimizer.backward(a, "A is wrong.");
    optimizer.backward(b, "B is wrong.");
    await optimizer.step();
    const gradients = model.calls.filter((c) => kindOf(c) === "gradient");
    const combine = model.calls.find((c) => kindOf(c) === "combine")!;
    expect(gradients).toHaveLength(2);
    expect(gradients[1]!.startedAt).toBeLessThan(gradients[0]!.endedAt!);
    for (const g of gradients) expect(combine.startedAt).toBeGreaterThanOrEqual(g.endedAt!);
  });

  it("after a failure, stops starting calls, waits for running ones and reports every call", async () => {
    const { params, out } = fanOut(6);
    let n = 0;
    const model = new ScriptedModel(
      () => {
        n++;
        return n === 1 ? new Error("provider down") : "Make it new.";
      },
      { latencyMs: 15 },
    );
    const optimizer = new TextGrad(params, { passThroughOps: [], model, concurrency: 2 });
    optimizer.backward(out, "Every part should be new.");
    const report = await optimizer.step();
    expect(report.error).toMatch(/provider down/);
    expect(model.activeCalls).toBe(0);
    expect(report.calls).toHaveLength(model.callCount);
    expect(model.callCount).toBe(2); // the failing call and the one running beside it; no new one starts
    expect(params.every((p) => p.version === 0)).toBe(true);
  });

  it("a user abort while calls run rejects with CancelledError and changes nothing", async () => {
    const { params, out } = fanOut(4);
    const model = answering(50);
    const optimizer = new TextGrad(params, { passThroughOps: [], model, concurrency: 4 });
    optimizer.backward(out, "Every part should be new.");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await expect(optimizer.step({ signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    expect(model.activeCalls).toBe(0);
    expect(params.every((p) => p.version === 0)).toBe(true);
  });

  it("a failed call reports the provider's error code; the failed call carries it too", async () => {
    const { params, out } = fanOut(2);
    const model = new ScriptedModel(
      () => new ProviderError("rate limited", { status: 429, retryable: false }),
    );
    const optimizer = new TextGrad(params, { passThroughOps: [], model, concurrency: 1 });
    optimizer.backward(out, "Every part should be new.");
    const report = await optimizer.step();
    expect(report.errorCode).toBe("LLM_PROVIDER");
    expect(report.error).toMatch(/^TextGrad gradient \S+ -> \S+: the model call failed: .*rate limited/);
    expect(report.calls.map((c) => c.errorCode)).toEqual(["LLM_PROVIDER"]);
    expect(params.every((p) => p.version === 0)).toBe(true);
  });

  it("proposeCandidates sends each candidate's sample index with every request of its step", async () => {
    const { params, out } = fanOut(2);
    const model = new ScriptedModel((request) => {
      const info = textGradRequestInfo(request);
      return info?.kind === "update" ? `<new_value>s${request.sample ?? 0}</new_value>` : "Make it new.";
    });
    const optimizer = new TextGrad(params, { passThroughOps: [], model });
    optimizer.backward(out, "Every part should be new.");
    const candidates = await optimizer.proposeCandidates(3);
    expect(candidates.map((c) => [...c.updates.values()])).toEqual([
      ["s0", "s0"],
      ["s1", "s1"],
      ["s2", "s2"],
    ]);
    // 4 calls per candidate (2 gradients + 2 updates), each carrying its candidate's sample
    const samples = model.calls.map((c) => c.request.sample);
    expect(samples.filter((s) => s === undefined)).toHaveLength(4);
    expect(samples.filter((s) => s === 1)).toHaveLength(4);
    expect(samples.filter((s) => s === 2)).toHaveLength(4);
    expect(params.every((p) => p.version === 0)).toBe(true);
  });
});
