/**
 * The worker's side of remote execution: `runExampleHere` runs one example with the rules of a
 * local evaluation and describes the outcome as plain JSON; `loadParameterValues` puts the values
 * sent with a request into the worker's agent, by name.
 */
import { describe, expect, it } from "@jest/globals";
import {
  Budget,
  bundle,
  graphScope,
  node,
  type ParameterNode,
  ProviderError,
  RateLimitError,
} from "@trace-ts/core";
import { enforceBudget, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  exactMatch,
  type Forward,
  guide,
  loadParameterValues,
  type RemoteOutcome,
  RemoteParameterError,
  runExampleHere,
} from "@trace-ts/trainer";
import { adder, adderModelReply } from "./helpers/agents.js";
import { closeness } from "./helpers/setup.js";

const never = new AbortController().signal;
const anyScore = guide(() => ({ score: 1, feedback: "fine" }), { name: "any" });

/** Runs one example with the given forward function and guide. */
function runWith<I, O>(
  input: I,
  forward: Forward<I, O>,
  options: {
    guide?: Parameters<typeof runExampleHere<I, O, unknown>>[2]["guide"];
    maxOutputChars?: number;
  } = {},
): Promise<RemoteOutcome> {
  return runExampleHere(
    4,
    { id: "e4", input },
    { forward, guide: options.guide ?? anyScore },
    {
      errorScore: -2,
      signal: never,
      ...(options.maxOutputChars === undefined ? {} : { maxOutputChars: options.maxOutputChars }),
    },
  );
}

describe("runExampleHere", () => {
  it("describes a scored example as a result with the output's JSON value", async () => {
    const factor = graphScope(() => node(3, { trainable: true, name: "factor" }));
    const times = bundle((f: number, x: number): number => f * x, { name: "times" });
    const outcome = await runExampleHere(
      2,
      { id: "x2", input: 2, target: 9 },
      { forward: (x: number) => times(factor, x), guide: closeness },
      { errorScore: 0, signal: never },
    );
    expect(outcome).toMatchObject({
      kind: "result",
      index: 2,
      id: "x2",
      score: 1 - 3 / 9,
      feedback: "Too small: got 6, expected 9.",
      output: 6,
      metrics: { score: 1 - 3 / 9 },
    });
    expect(Object.keys(outcome)).not.toContain("error");
    // plain JSON: it survives a trip through a queue unchanged
    expect(JSON.parse(JSON.stringify(outcome))).toEqual(outcome);
  });

  it("scores a failure inside a traced operation errorScore, with the error feedback", async () => {
    const parse = bundle((text: string): unknown => JSON.parse(text), { name: "parse" });
    const outcome = await runWith("{not json", (text: string) => parse(text));
    expect(outcome.kind).toBe("result");
    if (outcome.kind !== "result") return;
    expect(outcome.score).toBe(-2);
    expect(outcome.metrics.score).toBe(-2);
    expect(outcome.error).toMatch(/^SyntaxError: /);
    expect(outcome.feedback).toContain("parse threw SyntaxError");
    expect(outcome.output).toBe(outcome.error); // the exception node's value
  });

  it("describes a throw outside traced operations as an AGENT_FAILED failure", async () => {
    const outcome = await runWith(1, () => {
      throw new TypeError("bad glue code");
    });
    expect(outcome).toMatchObject({
      kind: "failure",
      index: 4,
      id: "e4",
      name: "AgentError",
      code: "AGENT_FAILED",
    });
    expect(outcome.kind === "failure" && outcome.message).toContain("TypeError: bad glue code");
  });

  it("describes a failing guide as a GuideError failure", async () => {
    const broken = guide(
      () => {
        throw new Error("guide broke");
      },
      { name: "broken" },
    );
    const outcome = await runWith(1, (x: number) => x, { guide: broken });
    expect(outcome).toMatchObject({ kind: "failure", index: 4, name: "GuideError", code: "GUIDE_FAILED" });
    expect(outcome.kind === "failure" && outcome.message).toContain("guide broke");
  });

  it.each<[string, () => Error, string]>([
    [
      "a refused connection",
      () => new ProviderError("connection refused (ECONNREFUSED 127.0.0.1:9)"),
      "LLM_PROVIDER",
    ],
    ["a rate limit", () => new RateLimitError("slow down"), "LLM_RATE_LIMIT"],
  ])("describes %s in a model call as an outage stop with its code", async (_what, failure, code) => {
    const model = new ScriptedModel(() => failure());
    const agent = adder(model);
    const outcome = await runExampleHere(
      0,
      { id: "q0", input: "What is 1 + 2?", target: "3" },
      { forward: agent.forward, guide: exactMatch() },
      { errorScore: 0, signal: never },
    );
    expect(outcome).toEqual({
      kind: "stop",
      index: 0,
      id: "q0",
      reason: "outage",
      code,
      error: `${failure().name}: ${failure().message}`,
    });
  });

  it("describes a spent budget as a budget stop", async () => {
    const budget = new Budget({ maxTokens: 1, defaultMaxOutputTokens: 10 });
    const agent = adder(
      wrapModel(new ScriptedModel((r) => adderModelReply(r.messages)), enforceBudget(budget)),
    );
    const outcome = await runExampleHere(
      0,
      { input: "What is 1 + 2?", target: "3" },
      { forward: agent.forward, guide: exactMatch() },
      { errorScore: 0, signal: never },
    );
    expect(outcome).toMatchObject({ kind: "stop", reason: "budget", code: "LLM_BUDGET_EXCEEDED" });
    expect(Object.keys(outcome)).not.toContain("id");
  });

  it("sends an output longer than maxOutputChars as null, and one at the cap as is", async () => {
    const text = "x".repeat(98); // 100 characters as JSON
    const at = await runWith(text, (t: string) => node(t), { maxOutputChars: 100 });
    const over = await runWith(text, (t: string) => node(t), { maxOutputChars: 99 });
    expect(at).toMatchObject({ kind: "result", output: text, score: 1 });
    expect(over).toMatchObject({ kind: "result", output: null, score: 1 });
  });

  it.each<[string, unknown]>([
    ["a function", () => 1],
    ["a bigint", 10n],
    ["undefined", undefined],
    ["an object with a bigint", { n: 1n }],
  ])("sends an output without a JSON form (%s) as null", async (_what, value) => {
    const outcome = await runWith(1, () => value);
    expect(outcome).toMatchObject({ kind: "result", output: null, score: 1, feedback: "fine" });
  });

  it("describes a cancelled example as a cancelled stop, whether aborted before or during its run", async () => {
    const model = new ScriptedModel((r) => adderModelReply(r.messages), { latencyMs: 5_000 });
    const agent = adder(model);
    const example = { id: "q0", input: "What is 1 + 2?", target: "3" };
    const pieces = { forward: agent.forward, guide: exactMatch() };
    const cancelled = { kind: "stop", index: 0, id: "q0", reason: "cancelled", code: "RUN_CANCELLED" };

    const before = new AbortController();
    before.abort(new Error("stop"));
    expect(await runExampleHere(0, example, pieces, { errorScore: 0, signal: before.signal })).toMatchObject(
      cancelled,
    );

    const during = new AbortController();
    const running = runExampleHere(0, example, pieces, { errorScore: 0, signal: during.signal });
    while (model.activeCalls === 0) await new Promise((r) => setTimeout(r, 1));
    during.abort(new Error("stop"));
    expect(await running).toMatchObject(cancelled);
    expect(model.activeCalls).toBe(0);
  });
});

describe("loadParameterValues", () => {
  function agent() {
    return graphScope(() => ({
      factor: node(2, { trainable: true, name: "factor" }),
      style: node({ tone: "dry", words: ["a", "b"] }, { trainable: true, name: "style" }),
      fixed: node(7, { name: "fixed" }), // not trainable: not expected in the values
    }));
  }
  const all = (a: ReturnType<typeof agent>): ParameterNode[] => [a.factor, a.style] as ParameterNode[];

  it("puts the values in by name, copying objects", async () => {
    const a = agent();
    const style = { tone: "warm", words: ["c"] };
    loadParameterValues(all(a), [
      { name: "style:0", value: style },
      { name: "factor:0", value: 5 },
    ]);
    expect(a.factor.data).toBe(5);
    expect(a.style.data).toEqual(style);
    expect(a.style.data).not.toBe(style);
    expect(a.factor.version).toBe(1);
  });

  it("leaves parameters whose value is equal untouched (same version, same object)", async () => {
    const a = agent();
    const before = a.style.data;
    loadParameterValues(all(a), [
      { name: "factor:0", value: 2 },
      { name: "style:0", value: { words: ["a", "b"], tone: "dry" } },
    ]);
    expect(a.factor.version).toBe(0);
    expect(a.style.version).toBe(0);
    expect(a.style.data).toBe(before);
  });

  it("changes nothing for an empty list", async () => {
    const a = agent();
    const before = a.style.data;
    loadParameterValues(all(a), []);
    expect(a.factor.version).toBe(0);
    expect(a.style.data).toBe(before);
  });

  it.each<[string, { name: string; value: unknown }[], RegExp]>([
    [
      "a name with no parameter here",
      [
        { name: "factor:0", value: 9 },
        { name: "style:0", value: {} },
        { name: "temperature:0", value: 1 },
      ],
      /no parameter here named temperature:0/,
    ],
    ["a parameter left without a value", [{ name: "factor:0", value: 9 }], /no value sent for style:0/],
  ])("refuses %s with RemoteParameterError, changing nothing", async (_what, values, message) => {
    const a = agent();
    const error = (() => {
      try {
        loadParameterValues(all(a), values);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RemoteParameterError);
    expect((error as RemoteParameterError).code).toBe("TRAINER_REMOTE_PARAMETERS");
    expect((error as RemoteParameterError).message).toMatch(message);
    expect(a.factor.data).toBe(2);
    expect(a.factor.version).toBe(0);
  });
});
