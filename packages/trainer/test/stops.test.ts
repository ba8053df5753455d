/** Stop rules of a training run: which failures stop it, retry a step, or are rethrown. */
import { describe, expect, it } from "@jest/globals";
import {
  BudgetExceededError,
  CancelledError,
  findStopError,
  type Proposal,
  ProviderError,
  RateLimitError,
} from "@trace-ts/core";
import { ModelUnavailableError, RunCancelledError } from "@trace-ts/trainer";
import { ReportedStop, StopRules } from "../src/train/stops.js";
import { UsageMeter } from "../src/train/usage-meter.js";

function rules(maxOutages = 3, refusals = { refusedCalls: 0 }) {
  const controller = new AbortController();
  const usage = new UsageMeter(undefined, { state: () => refusals });
  usage.mark();
  return { controller, stops: new StopRules(controller.signal, maxOutages, usage) };
}

function report(errorCode?: string): Proposal {
  return {
    updates: new Map(),
    suggestion: {},
    rejected: [],
    terminate: false,
    calls: [],
    ...(errorCode === undefined ? {} : { error: `failed (${errorCode})`, errorCode }),
  };
}

const budget = () =>
  new BudgetExceededError("token budget spent", { limit: "tokens", max: 1, used: 1, requested: 5 });

describe("StopRules.classify", () => {
  it("rethrows (undefined) an error that does not stop runs", () => {
    const { stops } = rules();
    expect(stops.classify(new Error("bug"))).toBeUndefined();
    expect(stops.classify(new ProviderError("bad request", { status: 400 }))).toBeUndefined();
  });

  it("a budget refusal anywhere in the cause chain stops the run with its message", () => {
    const { stops } = rules();
    const wrapped = new Error("guide failed", { cause: budget() });
    expect(stops.classify(wrapped)).toEqual({ reason: "budget", message: "token budget spent" });
  });

  it("a cancellation, or any failure once the run's signal aborted, stops it as cancelled", () => {
    const { stops, controller } = rules();
    expect(stops.classify(new CancelledError())).toEqual({ reason: "cancelled", message: null });
    expect(stops.classify(new Error("bug"))).toBeUndefined();
    controller.abort();
    expect(stops.classify(new Error("bug"))).toEqual({ reason: "cancelled", message: null });
  });

  it("the optimizer's outages retry the step until maxConsecutiveOutages, then stop the run", () => {
    const { stops } = rules(3);
    expect(stops.classify(new RateLimitError("slow down"))).toBe("retry");
    expect(stops.classify(new ProviderError("down"))).toBe("retry");
    const stop = stops.classify(new ProviderError("down"));
    expect(stop).toEqual({
      reason: "model-unavailable",
      message: expect.stringContaining("3 optimizer calls"),
    });
  });

  it("the examples' outage limit (ModelUnavailableError) stops the run", () => {
    const { stops } = rules(2);
    stops.outage("examples", new ProviderError("down"));
    let limit: unknown;
    try {
      stops.outage("examples", new ProviderError("down"));
    } catch (error) {
      limit = error;
    }
    expect(limit).toBeInstanceOf(ModelUnavailableError);
    expect(stops.classify(limit)).toEqual({ reason: "model-unavailable", message: (limit as Error).message });
  });

  it("an example that ran ends the examples' run of outages; each source counts on its own", () => {
    const { stops } = rules(2);
    stops.outage("examples", "down");
    stops.ran();
    stops.outage("examples", "down");
    stops.outage("optimizer", "down");
    expect(() => stops.outage("examples", "down")).toThrow(ModelUnavailableError);
  });
});

describe("StopRules.checkProposal", () => {
  it("a reported budget code stops the run through an error findStopError recognises", () => {
    const { stops } = rules();
    let error: unknown;
    try {
      stops.checkProposal(report(budget().code));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReportedStop);
    expect(findStopError(error)?.stopsRun).toBe("budget");
    expect(stops.classify(error)).toEqual({ reason: "budget", message: `failed (${budget().code})` });
  });

  it("a reported cancellation stops the run only when the run was cancelled", () => {
    const { stops, controller } = rules();
    const code = new CancelledError().code;
    expect(() => stops.checkProposal(report(code))).not.toThrow();
    controller.abort("stop");
    expect(() => stops.checkProposal(report(code))).toThrow(RunCancelledError);
  });

  it("reported outages count towards the limit; a proposal without one resets the count", () => {
    const { stops } = rules(2);
    const code = new RateLimitError("").code;
    stops.checkProposal(report(code));
    stops.checkProposal(report());
    stops.checkProposal(report(code));
    expect(() => stops.checkProposal(report(code))).toThrow(ModelUnavailableError);
  });

  it("a budget refusal since the meter's mark stops the run even when nothing was thrown", () => {
    const refusals = { refusedCalls: 0 };
    const { stops } = rules(3, refusals);
    expect(() => stops.checkBudget()).not.toThrow();
    refusals.refusedCalls = 1;
    expect(() => stops.checkProposal(report())).toThrow(ReportedStop);
    expect(() => stops.checkBudget()).toThrow(/budget refused a call/);
  });
});
