import { describe, expect, it } from "@jest/globals";
import {
  BadResponseError,
  BudgetExceededError,
  bundle,
  CancelledError,
  callLLM,
  ExecutionError,
  findStopError,
  InvalidRequestError,
  node,
  ops,
  ProviderError,
  RateLimitError,
  TraceError,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";

const budgetError = () =>
  new BudgetExceededError("no tokens left", { limit: "tokens", max: 10, used: 10, requested: 5 });

describe("cancellations and budget refusals end the run instead of becoming feedback", () => {
  it("findStopError looks through the cause chain", () => {
    const stop = budgetError();
    expect(findStopError(stop)).toBe(stop);
    expect(findStopError(new Error("wrapped", { cause: stop }))).toBe(stop);
    expect(findStopError(new CancelledError())).toBeInstanceOf(CancelledError);
    expect(findStopError(new RateLimitError("slow down"))?.stopsRun).toBe("outage");
    expect(findStopError(new ProviderError("connection refused"))?.stopsRun).toBe("outage");
    expect(findStopError(new ProviderError("bad gateway", { status: 502 }))?.stopsRun).toBe("outage");
    expect(findStopError(new ProviderError("not found", { status: 404 }))).toBeUndefined();
    expect(findStopError(new InvalidRequestError("prompt too long"))).toBeUndefined();
    expect(findStopError(new BadResponseError("no content"))).toBeUndefined();
    expect(findStopError(budgetError())?.stopsRun).toBe("budget");
    expect(findStopError(new CancelledError())?.stopsRun).toBe("cancelled");
    expect(findStopError(new TraceError("OTHER", "x"))).toBeUndefined();
    expect(findStopError("text")).toBeUndefined();
  });

  it("callLLM rethrows budget refusals and outages as they are, but records failures about the request", async () => {
    const refused = new ScriptedModel([budgetError()]);
    await expect(callLLM("sys", "hi", { model: refused })).rejects.toBeInstanceOf(BudgetExceededError);
    const limited = new ScriptedModel([new RateLimitError("slow down")]);
    await expect(callLLM("sys", "hi", { model: limited })).rejects.toBeInstanceOf(RateLimitError);
    const invalid = new ScriptedModel([new InvalidRequestError("prompt too long")]);
    const error = await callLLM("sys", "hi", { model: invalid }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionError);
    expect((error as ExecutionError).cause).toBeInstanceOf(InvalidRequestError);
  });

  it("a bundle whose body meets a cancellation rethrows it; other errors become ExceptionNodes", async () => {
    const model = new ScriptedModel([new CancelledError()]);
    const ask = bundle(async function ask(question: string): Promise<string> {
      return (await callLLM("sys", question, { model })).data;
    });
    await expect(ask(node("q"))).rejects.toBeInstanceOf(CancelledError);
    const boom = bundle(function boom(x: number): number {
      throw new RangeError(`bad ${x}`);
    });
    expect(() => boom(1)).toThrow(ExecutionError);
  });

  it("an operation whose function throws a budget refusal rethrows it", () => {
    const spend = node(() => {
      throw budgetError();
    });
    expect(() => ops.call(spend)).toThrow(BudgetExceededError);
  });
});
