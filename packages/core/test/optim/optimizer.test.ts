import { describe, expect, it } from "@jest/globals";
import {
  createContainer,
  createOptimizer,
  formatChanges,
  InvalidParametersError,
  NoOptimizerError,
  node,
  Optimizer,
  OptimizerStateError,
  ops,
  optimizerFromEnv,
  type ParameterNode,
  type Proposal,
  registerOptimizer,
  type StepReport,
  useOptimizer,
} from "@trace-ts/core";
import { convertSuggestedValue, stripCodeFence } from "@trace-ts/core/optimizer";

/** An optimizer whose "model" is a fixed suggestion; counts steps in its state. */
class FixedOptimizer extends Optimizer {
  readonly name = "Fixed";
  seen: string[] = [];
  constructor(
    parameters: Iterable<ParameterNode>,
    private readonly suggestion: Record<string, unknown>,
  ) {
    super(parameters);
  }
  async propose(): Promise<Proposal> {
    const view = this.problem();
    const { updates, rejected } = this.prepareUpdates(view, this.suggestion);
    return {
      updates,
      rejected,
      suggestion: this.suggestion,
      terminate: false,
      calls: [
        {
          purpose: "propose",
          messages: [{ role: "user", content: view.code.join("\n") }],
          response: JSON.stringify(this.suggestion),
          usage: { inputTokens: 10, outputTokens: 5 },
          durationMs: 1,
        },
      ],
    };
  }
  protected override afterStep(report: StepReport): void {
    this.seen.push(...report.applied.map((a) => a.key));
  }
  protected override saveState(): unknown {
    return { seen: this.seen };
  }
  protected override restoreState(data: unknown): void {
    const d = data as { seen?: unknown };
    if (!Array.isArray(d?.seen)) throw new OptimizerStateError("seen must be an array");
    this.seen = d.seen as string[];
  }
}

describe("Optimizer base", () => {
  it("step converts, validates and applies the suggestion and reports before/after", async () => {
    const n = node(1, { trainable: true, name: "n" });
    const s = node("old", { trainable: true, name: "s" });
    const flag = node(false, { trainable: true, name: "flag" });
    const out = ops.format("{n} {s} {f}", { n, s, f: flag });
    const opt = new FixedOptimizer([n, s, flag], {
      [n.key]: "2.5",
      [s.key]: "new",
      [flag.key]: "yes",
      nope: 1,
    });
    opt.zeroFeedback();
    opt.backward(out, "change everything");
    const report = await opt.step();
    expect(n.data).toBe(2.5);
    expect(s.data).toBe("new");
    expect(flag.data).toBe(true);
    expect(report.applied.map((a) => [a.key, a.before, a.after])).toEqual([
      [n.key, 1, 2.5],
      [s.key, "old", "new"],
      [flag.key, false, true],
    ]);
    expect(report.rejected).toEqual([
      { key: "nope", value: 1, reason: expect.stringContaining("not one of the variables") },
    ]);
    expect(report.step).toBe(1);
    expect(report.optimizer).toBe("Fixed");
    expect(report.usage).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      calls: 1,
    });
    expect(report.calls).toHaveLength(1);
    expect(report.calls[0]!.response).toBe(
      JSON.stringify({ [n.key]: "2.5", [s.key]: "new", [flag.key]: "yes", nope: 1 }),
    );
    expect(opt.seen).toEqual([n.key, s.key, flag.key]);
  });

  it("propose changes nothing", async () => {
    const n = node(1, { trainable: true });
    ops.add(n, 1).backward("bigger");
    const opt = new FixedOptimizer([n], { [n.key]: 5 });
    const proposal = await opt.propose();
    expect(n.data).toBe(1);
    expect(proposal.updates.get(n)).toBe(5);
    opt.apply(proposal.updates);
    expect(n.data).toBe(5);
  });

  it("a wrongly typed value is rejected and its parameter is untouched", async () => {
    const n = node(1, { trainable: true });
    ops.add(n, 1).backward("bigger");
    const report = await new FixedOptimizer([n], { [n.key]: "lots" }).step();
    expect(n.data).toBe(1);
    expect(report.applied).toEqual([]);
    expect(report.rejected[0]!.reason).toMatch(/expected a finite number/);
  });

  it("apply refuses parameters it does not own and values the validator rejects; revert undoes", () => {
    const mine = node(1, { trainable: true });
    const other = node(1, { trainable: true });
    const opt = new FixedOptimizer([mine], {});
    const result = opt.apply(
      new Map([
        [mine, 2],
        [other, 3],
      ]),
    );
    expect(result.applied.map((a) => a.after)).toEqual([2]);
    expect(result.rejected[0]!.reason).toMatch(/not one of this optimizer's parameters/);
    expect(other.data).toBe(1);
    opt.revert(result.applied);
    expect(mine.data).toBe(1);
  });

  it("refuses empty, duplicate or non-parameter lists", () => {
    const p = node(1, { trainable: true });
    expect(() => new FixedOptimizer([], {})).toThrow(InvalidParametersError);
    expect(() => new FixedOptimizer([p, p], {})).toThrow(/listed twice/);
    expect(() => new FixedOptimizer([node(1) as never], {})).toThrow(/expected ParameterNodes/);
    expect(() => new FixedOptimizer([node(1, { trainable: true, name: "x" })], {})).not.toThrow();
  });

  it("state round-trips and refuses foreign or malformed state", async () => {
    const n = node(1, { trainable: true });
    ops.add(n, 1).backward("x");
    const a = new FixedOptimizer([n], { [n.key]: 2 });
    await a.step();
    const state = JSON.parse(JSON.stringify(a.state()));
    const b = new FixedOptimizer([n], {});
    b.loadState(state);
    expect(b.steps).toBe(1);
    expect(b.seen).toEqual([n.key]);
    expect(() => b.loadState({ ...state, optimizer: "Other" })).toThrow(/saved by Other/);
    expect(() => b.loadState({ ...state, version: 9 })).toThrow(OptimizerStateError);
    expect(() => b.loadState({ ...state, data: {} })).toThrow(/seen must be an array/);
    expect(() => b.loadState("nope")).toThrow(OptimizerStateError);
    expect(b.steps).toBe(1);
  });
});

describe("convertSuggestedValue", () => {
  const p = <T>(v: T) => node(v, { trainable: true });
  it.each([
    [3, " 4.5 ", 4.5],
    [3, 7, 7],
    [true, "NO", false],
    [false, 1, true],
    ["text", 12, "12"],
    [[1], "[1, 2]", [1, 2]],
    [{ a: 1 }, '{"a": 2}', { a: 2 }],
    [{ a: 1 }, { a: 3 }, { a: 3 }],
    [null, "anything", "anything"],
  ])("current %p, suggested %p → %p", (current, raw, expected) => {
    const r = convertSuggestedValue(p(current), raw);
    expect(r).toEqual({ ok: true, value: expected, unchanged: false });
  });

  it.each([
    [3, "three", /finite number/],
    [3, Number.NaN, /finite number/],
    [true, "maybe", /true or false/],
    ["text", { a: 1 }, /expected text/],
    [[1], "{", /not JSON/],
    [[1], '{"a":1}', /an array/],
    [{ a: 1 }, "[1]", /an object/],
  ])("current %p, suggested %p is rejected", (current, raw, reason) => {
    const r = convertSuggestedValue(p(current), raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("marks unchanged values and runs the parameter's validator", () => {
    expect(convertSuggestedValue(p({ a: [1] }), '{"a":[1]}')).toEqual({
      ok: true,
      value: { a: [1] },
      unchanged: true,
    });
  });

  it("strips markdown fences from code", () => {
    expect(stripCodeFence("```ts\nf(x) {\n  return x;\n}\n```")).toBe("f(x) {\n  return x;\n}");
    expect(stripCodeFence("f(x) { return x; }")).toBe("f(x) { return x; }");
  });
});

describe("formatChanges", () => {
  it("shows a line diff per parameter", () => {
    const code = node("f(x) {\n  return x;\n}", { trainable: true, name: "code" });
    const diff = formatChanges([
      {
        key: "code0",
        name: code.name,
        parameter: code,
        before: code.data,
        after: "f(x) {\n  return x + 1;\n}",
      },
    ]);
    expect(diff).toBe(
      ["@@ code0 (code:0)", "  f(x) {", "-   return x;", "+   return x + 1;", "  }"].join("\n"),
    );
  });
});

describe("optimizer dependency injection", () => {
  it("resolves the default factory, swaps by name and by TRACE_OPTIMIZER", () => {
    const container = createContainer();
    const p = node(1, { trainable: true });
    expect(() => createOptimizer([p], container)).toThrow(NoOptimizerError);
    const made: string[] = [];
    registerOptimizer(
      container,
      (params) => {
        made.push("a");
        return new FixedOptimizer(params, {});
      },
      { name: "a" },
    );
    registerOptimizer(
      container,
      (params) => {
        made.push("b");
        return new FixedOptimizer(params, {});
      },
      { name: "b", asDefault: false },
    );
    expect(createOptimizer([p], container)).toBeInstanceOf(FixedOptimizer);
    useOptimizer(container, "b");
    createOptimizer([p], container);
    optimizerFromEnv(container, { TRACE_OPTIMIZER: "A" });
    createOptimizer([p], container);
    expect(made).toEqual(["a", "b", "a"]);
    expect(() => useOptimizer(container, "missing")).toThrow(/no optimizer named 'missing'/);
    // a child container overrides without touching its parent
    const child = createContainer(container);
    useOptimizer(child, "b");
    createOptimizer([p], child);
    createOptimizer([p], container);
    expect(made.slice(3)).toEqual(["b", "a"]);
  });
});

describe("rootErrorCode", () => {
  it("finds the innermost TraceError's code in a cause chain", async () => {
    const { rootErrorCode, TraceError } = await import("@trace-ts/core");
    const inner = new TraceError("INNER", "inner");
    expect(rootErrorCode(new TraceError("OUTER", "outer", { cause: inner }))).toBe("INNER");
    expect(rootErrorCode(new Error("plain", { cause: inner }))).toBe("INNER");
    expect(rootErrorCode(new Error("plain"))).toBeUndefined();
    expect(rootErrorCode("not an error")).toBeUndefined();
  });
});

describe("report helpers", () => {
  it("totalUsage sums the calls, stepReportToJSON keeps only plain data", async () => {
    const { stepReportToJSON } = await import("@trace-ts/core");
    const { totalUsage } = await import("@trace-ts/core/optimizer");
    const usage = totalUsage([
      {
        purpose: "a",
        messages: [],
        usage: { inputTokens: 3, outputTokens: 1, cacheReadTokens: 2 },
        durationMs: 1,
      },
      { purpose: "b", messages: [], error: "Error: x", durationMs: 1 },
      { purpose: "c", messages: [], usage: { inputTokens: 4, outputTokens: 5 }, durationMs: 1 },
    ]);
    expect(usage).toEqual({
      inputTokens: 7,
      outputTokens: 6,
      cacheReadTokens: 2,
      cacheWriteTokens: 0,
      calls: 3,
    });

    const n = node(1, { trainable: true, name: "n" });
    ops.add(n, 1).backward("bigger");
    const report = await new FixedOptimizer([n], { [n.key]: 2 }).step();
    const json = stepReportToJSON(report);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.applied).toEqual([{ key: n.key, name: n.name, before: 1, after: 2 }]);
  });

  it("sameValue compares JSON-like values structurally", async () => {
    const { sameValue } = await import("@trace-ts/core/optimizer");
    expect(sameValue({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue([1], { 0: 1 })).toBe(false);
    expect(sameValue(Number.NaN, Number.NaN)).toBe(true);
    expect(sameValue("1", 1)).toBe(false);
  });
});
