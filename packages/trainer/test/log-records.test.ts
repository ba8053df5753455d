/** Building run-log records from what the training loop has. */
import { describe, expect, it } from "@jest/globals";
import {
  type AppliedChange,
  formatChanges,
  graphScope,
  InvalidOptionError,
  node,
  ops,
  type Proposal,
  problemView,
  toDot,
} from "@trace-ts/core";
import type { BatchRun, StepOutcome } from "@trace-ts/trainer";
import type { Evaluation } from "../src/evaluate.js";
import { type GraphRecordPart, graphPart, logContentSettings } from "../src/log/content.js";
import { Objective } from "../src/objective/objective.js";
import {
  bestRecord,
  changeRecord,
  endRecord,
  evalRecord,
  outageRecord,
  parameterValues,
  proposalRecord,
  stepRecord,
} from "../src/train/log-records.js";

const factor = graphScope(() => node(3, { trainable: true, name: "factor" }));
const change: AppliedChange = { key: "factor0", name: "factor:0", parameter: factor, before: 3, after: 4 };
/** Messages kept (the option on), no graphs. */
const full = {
  content: logContentSettings({ messages: true }),
  graphs: new WeakMap<object, GraphRecordPart>(),
};
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function batch(outages: BatchRun["outages"] = []): BatchRun {
  return {
    epoch: 2,
    indices: [4, 1],
    results: [],
    scores: [1, 0],
    feedback: ["Correct.", "Too big."],
    mean: 0.5,
    metrics: { score: 0.5 },
    value: 0.5,
    errors: 0,
    outages,
    perfect: false,
  };
}

function proposal(changes: Partial<Proposal> = {}): Proposal {
  return {
    updates: new Map(),
    suggestion: { factor0: 4 },
    rejected: [],
    terminate: false,
    calls: [
      {
        purpose: "propose",
        messages: [{ role: "user", content: "VAR factor0 = 3" }],
        response: '{"suggestion":{"factor0":4}}',
        usage: { inputTokens: 7, outputTokens: 3, cacheReadTokens: 2 },
        durationMs: 12,
      },
      { purpose: "retry 1", messages: [], error: "RateLimitError: slow down", durationMs: 1 },
    ],
    ...changes,
  };
}

function evaluation(outages: Evaluation["outages"] = []): Evaluation {
  const result = (index: number, score: number) => ({
    index,
    score,
    feedback: "",
    output: 0,
    metrics: { score },
    durationMs: 1,
  });
  return {
    mean: 0.75,
    metrics: { score: 0.75 },
    scores: [1, 0.5],
    results: [result(2, 1), result(0, 0.5)],
    errors: 1,
    outages,
    durationMs: 9,
  };
}

describe("log records", () => {
  it("changeRecord and outageRecord keep what the log shows (absent values as null)", () => {
    expect(changeRecord(change)).toEqual({ key: "factor0", name: "factor:0", before: 3, after: 4 });
    expect(changeRecord({ ...change, before: undefined })).toEqual({
      key: "factor0",
      name: "factor:0",
      before: null,
      after: 4,
    });
    expect(outageRecord({ index: 3, id: "x3", error: "ProviderError: down" })).toEqual({
      index: 3,
      error: "ProviderError: down",
    });
  });

  it("proposalRecord lists the calls, refusals (vetoed only when true) and the changes as a diff", () => {
    const record = proposalRecord(
      {
        proposal: proposal({
          reasoning: "bigger",
          rejected: [
            { key: "factor0", value: "x", reason: "not a number" },
            { key: "factor0", value: 9, reason: "refused by a hook", vetoed: true },
            { key: "factor0", value: undefined, reason: "no value", vetoed: false },
          ],
        }),
        applied: [change],
        chosen: true,
        parent: 1,
      },
      full,
    );
    expect(record).toEqual({
      parent: 1,
      calls: [
        {
          purpose: "propose",
          prompt: [{ role: "user", content: "VAR factor0 = 3" }],
          response: '{"suggestion":{"factor0":4}}',
          usage: { inputTokens: 7, outputTokens: 3 },
          error: null,
          durationMs: 12,
        },
        {
          purpose: "retry 1",
          prompt: [],
          response: null,
          usage: null,
          error: "RateLimitError: slow down",
          durationMs: 1,
        },
      ],
      suggestion: { factor0: 4 },
      reasoning: "bigger",
      terminate: false,
      error: null,
      rejected: [
        { key: "factor0", value: "x", reason: "not a number" },
        { key: "factor0", value: 9, reason: "refused by a hook", vetoed: true },
        { key: "factor0", value: null, reason: "no value" },
      ],
      applied: [{ key: "factor0", name: "factor:0", before: 3, after: 4 }],
      diff: formatChanges([change]),
      score: null,
      chosen: true,
    });
    expect(
      proposalRecord({ proposal: proposal(), applied: [], chosen: false, score: 0.5 }, full),
    ).toMatchObject({
      parent: null,
      diff: "",
      score: 0.5,
    });
  });

  it("by default a call keeps no messages or response (omitted: true) but its tokens, error and duration", () => {
    const facts = { content: logContentSettings(undefined), graphs: new WeakMap<object, GraphRecordPart>() };
    const record = proposalRecord({ proposal: proposal(), applied: [], chosen: false }, facts);
    expect(record.calls).toEqual([
      {
        purpose: "propose",
        prompt: [],
        response: null,
        omitted: true,
        usage: { inputTokens: 7, outputTokens: 3 },
        error: null,
        durationMs: 12,
      },
      {
        purpose: "retry 1",
        prompt: [],
        response: null,
        omitted: true,
        usage: null,
        error: "RateLimitError: slow down",
        durationMs: 1,
      },
    ]);
    expect("graph" in record || "graphOmitted" in record).toBe(false);
  });

  it("kept messages and responses are redacted and cut at maxChars; a proposal's graph is copied in", () => {
    const content = logContentSettings({ messages: true, maxChars: 100 });
    const graphs = new WeakMap<object, GraphRecordPart>();
    const p = proposal({
      calls: [
        {
          purpose: "propose",
          messages: [{ role: "user", content: `key sk-abcdefghijklmnop ${"x".repeat(300)}` }],
          response: "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
          durationMs: 3,
        },
      ],
    });
    graphs.set(p, { graph: 'digraph "trace" {}\n' });
    const record = proposalRecord({ proposal: p, applied: [], chosen: true }, { content, graphs });
    const call = record.calls[0]!;
    expect(call.prompt[0]!.content).toContain("[REDACTED]");
    expect(call.prompt[0]!.content).not.toContain("sk-abcdefghijklmnop");
    expect(call.prompt[0]!.content).toMatch(/…\[\d+ more characters\]$/);
    expect(call.prompt[0]!.content.length).toBeLessThan(140);
    expect(call.response).toContain("[REDACTED]");
    expect(call.response).not.toContain("abcdefghijklmnopqrstuvwxyz");
    expect("omitted" in call).toBe(false);
    expect(record.graph).toBe('digraph "trace" {}\n');
  });

  it("logContent is checked, and a graph over maxGraphChars is left out with the reason", () => {
    expect(() => logContentSettings({ maxChars: 5 })).toThrow(InvalidOptionError);
    expect(() => logContentSettings({ messages: "yes" } as never)).toThrow(InvalidOptionError);
    const view = graphScope(() => {
      const p = node("x".repeat(30), { trainable: true, name: "p" });
      ops.concat(p, "!").backward("more");
      return problemView([p]);
    });
    expect(graphPart(view, logContentSettings({}))).toEqual({ graph: toDot(view) });
    const small = graphPart(view, logContentSettings({ maxGraphChars: 100 }));
    expect(small).toEqual({ graphOmitted: expect.stringContaining("over the cap of 100") });
  });

  it("stepRecord: the batch (outages only when some), proposals, changes, score, best and usage", () => {
    const outcome: StepOutcome = {
      batch: batch(),
      proposals: [{ proposal: proposal(), applied: [change], chosen: true }],
      kept: true,
    };
    const usage = { inputTokens: 7, outputTokens: 3, totalTokens: 12, calls: 2, cost: null };
    const record = stepRecord({
      step: 3,
      outcome,
      applied: [change],
      score: undefined,
      best: { score: 0.5, step: 1 },
      usage,
      totals: usage,
      durationMs: 5,
      ...full,
    });
    expect(record).toEqual({
      type: "step",
      time: expect.stringMatching(ISO),
      step: 3,
      epoch: 2,
      batch: {
        indices: [4, 1],
        scores: [1, 0],
        feedback: ["Correct.", "Too big."],
        errors: 0,
        mean: 0.5,
        metrics: { score: 0.5 },
      },
      proposals: [proposalRecord(outcome.proposals[0]!, full)],
      applied: [{ key: "factor0", name: "factor:0", before: 3, after: 4 }],
      diff: formatChanges([change]),
      kept: true,
      note: null,
      score: null,
      best: { score: 0.5, step: 1 },
      usage,
      totals: usage,
      durationMs: 5,
    });
    expect("skipped" in record).toBe(false);
    const skipped = stepRecord({
      step: 4,
      outcome: {
        batch: batch([{ index: 7, error: "ProviderError: down" }]),
        proposals: [],
        kept: false,
        note: "perfect",
        skipped: "perfect-batch",
      },
      applied: [],
      score: { value: 1, on: "batch" },
      best: null,
      usage,
      totals: usage,
      durationMs: 1,
      ...full,
    });
    expect(skipped).toMatchObject({
      batch: { outages: [{ index: 7, error: "ProviderError: down" }] },
      note: "perfect",
      skipped: "perfect-batch",
      score: { value: 1, on: "batch" },
      diff: "",
    });
  });

  it("evalRecord: indices null for a whole split, as given otherwise, and those scored with outages", () => {
    expect(evalRecord(2, "validation", "after step", undefined, evaluation())).toEqual({
      type: "eval",
      time: expect.stringMatching(ISO),
      step: 2,
      split: "validation",
      label: "after step",
      indices: null,
      scores: [1, 0.5],
      mean: 0.75,
      metrics: { score: 0.75 },
      errors: 1,
      durationMs: 9,
    });
    // the objective's value is recorded only when the objective is not the default
    const weighted = Objective.from({
      kind: "weighted",
      weights: { score: 1, cost: 10 },
      minimize: ["cost"],
    });
    const costly = { ...evaluation(), metrics: { score: 0.75, cost: 0.01 } };
    expect(evalRecord(2, "validation", "x", undefined, costly, weighted).value).toBeCloseTo(0.65);
    expect(evalRecord(2, "validation", "x", undefined, costly, Objective.from(undefined))).not.toHaveProperty(
      "value",
    );
    expect(evalRecord(2, "train", "candidate 1", [2, 0], evaluation()).indices).toEqual([2, 0]);
    const withOutage = evalRecord(0, "test", "final", undefined, evaluation([{ index: 1, error: "down" }]));
    expect(withOutage.indices).toEqual([2, 0]);
    expect(withOutage.outages).toEqual([{ index: 1, error: "down" }]);
  });

  it("endRecord, bestRecord and parameterValues", () => {
    expect(bestRecord(null)).toBeNull();
    expect(bestRecord({ score: 0.9, step: 4, values: [5] })).toEqual({ score: 0.9, step: 4 });
    const parameters = parameterValues([factor]);
    expect(parameters).toEqual([{ name: "factor:0", key: "factor0", value: 3 }]);
    const totals = { inputTokens: 0, outputTokens: 0, totalTokens: 0, calls: 0, cost: 0 };
    expect(
      endRecord({
        step: 4,
        reason: "early-stop",
        message: null,
        best: { score: 0.9, step: 4 },
        restoredBest: true,
        parameters,
        totals,
      }),
    ).toEqual({
      type: "end",
      time: expect.stringMatching(ISO),
      step: 4,
      reason: "early-stop",
      message: null,
      best: { score: 0.9, step: 4 },
      restoredBest: true,
      parameters,
      totals,
    });
  });
});
