import { createHash } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import {
  CancelledError,
  callLLM,
  createContainer,
  createOptimizer,
  graphScope,
  InvalidOptionError,
  ModelCallFailedError,
  node,
  ops,
  type ParameterNode,
  type Proposal,
  ProviderError,
  registerLanguageModel,
  rootErrorCode,
  type StepOptions,
  UnusableAnswerError,
  useOptimizer,
} from "@trace-ts/core";
import { requestCacheKey, responseCache, wrapModel } from "@trace-ts/core/llm";
import {
  type AnswerReading,
  askModel,
  CUT_OFF_PROBLEM,
  MODEL_OPTIMIZER_OPTION_SCHEMA,
  ModelCallLog,
  ModelOptimizer,
  type ModelOptimizerOptions,
  optimizerRegistration,
  resolveModelOptimizerOptions,
  withValues,
} from "@trace-ts/core/optimizer";
import { ScriptedModel } from "@trace-ts/core/testing";

const messages = [{ role: "user" as const, content: "Give me a number." }];

/** Reads a number; anything else is refused with a problem. */
const readNumber = (text: string): AnswerReading<number> => {
  const n = Number(text.trim());
  return Number.isFinite(n) && text.trim() !== ""
    ? { ok: true, value: n }
    : { ok: false, problems: [`"${text}" is not a number`] };
};

const retryMessage = (problems: readonly string[]) => `Unusable: ${problems.join("; ")}`;

describe("askModel: the shared ask → read → re-ask → give up loop", () => {
  it("returns the first usable answer, with the purpose and sampling settings on the request", async () => {
    const model = new ScriptedModel(["42"]);
    const log = new ModelCallLog();
    const outcome = await askModel({
      optimizer: "Test",
      model,
      messages,
      purpose: "propose",
      read: readNumber,
      retryMessage,
      maxRetries: 2,
      log,
      request: { temperature: 0.7, sample: 3 },
    });
    expect(outcome).toMatchObject({ ok: true, value: 42, attempts: 1, problems: [] });
    const sent = model.calls[0]!.request;
    expect([sent.purpose, sent.temperature, sent.sample, sent.maxTokens]).toEqual([
      "propose",
      0.7,
      3,
      undefined,
    ]);
    expect(log.calls.map((c) => c.purpose)).toEqual(["propose"]);
  });

  it("re-asks in the same conversation with the problems stated, then uses the good answer", async () => {
    const model = new ScriptedModel(["many", "7"]);
    const log = new ModelCallLog();
    const outcome = await askModel({
      optimizer: "Test",
      model,
      messages,
      purpose: "propose",
      read: readNumber,
      retryMessage,
      maxRetries: 2,
      log,
    });
    expect(outcome).toMatchObject({
      ok: true,
      value: 7,
      attempts: 2,
      problems: [['"many" is not a number']],
    });
    const retry = model.calls[1]!.request;
    expect(retry.purpose).toBe("propose (retry 1)");
    expect(retry.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(retry.messages[1]!.content).toBe("many");
    expect(retry.messages[2]!.content).toBe('Unusable: "many" is not a number');
  });

  it("gives up after maxRetries with UnusableAnswerError (UNUSABLE_ANSWER) and says when answers were cut off", async () => {
    const model = new ScriptedModel([{ text: "lots", finishReason: "length" }, "none", "zero"]);
    const log = new ModelCallLog();
    const outcome = await askModel({
      optimizer: "Test",
      model,
      messages,
      purpose: "propose",
      read: readNumber,
      retryMessage,
      maxRetries: 1,
      log,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(UnusableAnswerError);
    expect(outcome.error.code).toBe("UNUSABLE_ANSWER");
    expect(outcome.attempts).toBe(2);
    expect(model.callCount).toBe(2);
    expect(outcome.problems[0]).toEqual(['"lots" is not a number', CUT_OFF_PROBLEM]);
    expect(outcome.problems[1]).toEqual(['"none" is not a number']);
    expect(outcome.error.message).toContain("no usable answer after 2 tries");
  });

  it("turns a failed call into ModelCallFailedError whose root code is the provider's, recorded in the log", async () => {
    const model = new ScriptedModel([new ProviderError("down", { status: 503, retryable: false })]);
    const log = new ModelCallLog();
    const outcome = await askModel({
      optimizer: "Test",
      model,
      messages,
      purpose: "propose",
      read: readNumber,
      retryMessage,
      maxRetries: 2,
      log,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(ModelCallFailedError);
    expect(outcome.error.code).toBe("MODEL_CALL_FAILED");
    expect(rootErrorCode(outcome.error)).toBe("LLM_PROVIDER");
    expect(outcome.attempts).toBe(0);
    expect(log.calls).toHaveLength(1);
    expect(log.calls[0]).toMatchObject({ purpose: "propose", errorCode: "LLM_PROVIDER" });
  });

  it("rejects with CancelledError when the signal is aborted, instead of reporting", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const model = new ScriptedModel(["1"]);
    await expect(
      askModel({
        optimizer: "Test",
        model,
        messages,
        purpose: "propose",
        read: readNumber,
        retryMessage,
        maxRetries: 0,
        log: new ModelCallLog(),
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(model.callCount).toBe(0);
  });
});

describe("resolveModelOptimizerOptions: one resolver, one error class", () => {
  const resolve = (options: ModelOptimizerOptions) =>
    resolveModelOptimizerOptions("Test", options, MODEL_OPTIMIZER_OPTION_SCHEMA, {
      objective: "default goal",
    });

  it("fills defaults", () => {
    const s = resolve({});
    expect([s.objective, s.maxRetries, s.valueCharBudget, s.verbose, s.temperature]).toEqual([
      "default goal",
      2,
      2000,
      false,
      undefined,
    ]);
  });

  it.each([
    [{ maxRetries: -1 }, "maxRetries"],
    [{ temperature: -0.5 }, "temperature"],
    [{ maxTokens: 0 }, "maxTokens"],
    [{ valueCharBudget: 0 }, "valueCharBudget"],
    [{ objective: "   " }, "objective"],
    [{ model: {} as never }, "model"],
    [{ maxRetrys: 3 } as never, "maxRetrys"],
  ])("refuses %j with InvalidOptionError naming %s", (options, name) => {
    expect(() => resolve(options)).toThrow(InvalidOptionError);
    expect(() => resolve(options)).toThrow(name);
  });
});

/** The smallest useful ModelOptimizer: asks for the new value of the first variable as a number. */
class AskNumber extends ModelOptimizer {
  readonly name = "AskNumber";
  constructor(parameters: Iterable<ParameterNode>, options: ModelOptimizerOptions = {}) {
    super(parameters, options, { objective: "follow the feedback", maxRetries: 1 }, (shared) => shared);
  }
  async propose(options: StepOptions = {}): Promise<Proposal> {
    const view = this.problem();
    if (view.variables.length === 0) return this.noFeedbackProposal(view);
    const log = this.newCallLog();
    const key = view.variables[0]!.key;
    const outcome = await this.ask({
      messages,
      purpose: "propose",
      read: readNumber,
      retryMessage,
      log,
      signal: options.signal,
      request: { sample: options.sample },
    });
    if (!outcome.ok) return this.failedProposal(view, outcome.error, { calls: log.calls });
    const { updates, rejected } = this.prepareUpdates(view, { [key]: outcome.value });
    return {
      updates,
      rejected,
      suggestion: { [key]: outcome.value },
      terminate: false,
      calls: log.calls,
      view,
    };
  }
}

describe("ModelOptimizer", () => {
  it("asks the container's default model when no model is given, and the settings' defaults apply", async () => {
    await graphScope(async () => {
      const container = createContainer();
      const model = new ScriptedModel(["x", "y"]);
      registerLanguageModel(container, model);
      const p = node(3, { trainable: true, name: "factor" });
      const optimizer = new AskNumber([p], { container });
      expect(optimizer.settings.maxRetries).toBe(1);
      optimizer.zeroFeedback();
      optimizer.backward(ops.multiply(p, 2), "make it 16");
      const report = await optimizer.step();
      expect(model.callCount).toBe(2);
      expect(report.errorCode).toBe("UNUSABLE_ANSWER");
      expect(report.calls.map((c) => c.purpose)).toEqual(["propose", "propose (retry 1)"]);
      expect(p.data).toBe(3);
    });
  });

  it("checks options against the subclass's schema, with the subclass's name in the error", () => {
    const p = node(1, { trainable: true });
    expect(() => new AskNumber([p], { memorySize: 3 } as never)).toThrow(/AskNumber.*memorySize/);
  });

  it("writes prompts and responses to `log` only when verbose", async () => {
    await graphScope(async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const lines: string[] = [];
      const quiet = new AskNumber([p], { model: new ScriptedModel(["8"]), log: (l) => lines.push(l) });
      quiet.backward(ops.multiply(p, 2), "make it 16");
      await quiet.propose();
      expect(lines).toEqual([]);
      const loud = new AskNumber([p], {
        model: new ScriptedModel(["8"]),
        log: (l) => lines.push(l),
        verbose: true,
      });
      await loud.propose();
      expect(lines.some((l) => l.includes("Give me a number."))).toBe(true);
      expect(lines.some((l) => l.includes("response (propose)") && l.includes("8"))).toBe(true);
    });
  });

  it("proposeCandidates(n): n proposals asked with sample indices, nothing changed", async () => {
    await graphScope(async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const model = new ScriptedModel((request) => String(8 + (request.sample ?? 0)));
      const optimizer = new AskNumber([p], { model });
      optimizer.backward(ops.multiply(p, 2), "make it 16");
      const candidates = await optimizer.proposeCandidates(3);
      expect(candidates.map((c) => c.updates.get(p))).toEqual([8, 9, 10]);
      expect(model.calls.map((c) => c.request.sample)).toEqual([undefined, 1, 2]);
      expect([p.data, p.version]).toEqual([3, 0]);
      await expect(optimizer.proposeCandidates(0)).rejects.toBeInstanceOf(InvalidOptionError);
    });
  });
});

describe("optimizerRegistration", () => {
  const registration = optimizerRegistration("ask-number", (parameters, options: ModelOptimizerOptions) => {
    return new AskNumber(parameters, options);
  });

  it("registers by name and as the default; the optimizer gets the container it was created from", async () => {
    await graphScope(async () => {
      const container = createContainer();
      const model = new ScriptedModel(["8"]);
      registerLanguageModel(container, model);
      registration.register(container, { maxRetries: 0 });
      const p = node(3, { trainable: true, name: "factor" });
      const optimizer = createOptimizer([p], container) as AskNumber;
      expect(optimizer).toBeInstanceOf(AskNumber);
      expect(optimizer.settings.maxRetries).toBe(0);
      optimizer.backward(ops.multiply(p, 2), "make it 16");
      await optimizer.step();
      expect([p.data, model.callCount]).toEqual([8, 1]);
    });
  });

  it("asDefault: false registers by name only", () => {
    const container = createContainer();
    registration.register(container, { asDefault: false });
    const p = node(3, { trainable: true });
    expect(() => createOptimizer([p], container)).toThrow(/no optimizer factory/);
    useOptimizer(container, "ask-number");
    expect(createOptimizer([p], container)).toBeInstanceOf(AskNumber);
  });
});

describe("sample indices and purposes in the cache key", () => {
  const model = { provider: "p", modelId: "m" };
  const request = { messages, temperature: 1 };

  it("a sample index changes the key; a purpose does not; no sample keeps the key of earlier versions", () => {
    const plain = requestCacheKey(model, request);
    expect(requestCacheKey(model, { ...request, purpose: "propose" })).toBe(plain);
    const one = requestCacheKey(model, { ...request, sample: 1 });
    const two = requestCacheKey(model, { ...request, sample: 2 });
    expect(new Set([plain, one, two]).size).toBe(3);
    // the key a cache written before sample indices existed holds for this request
    const before = createHash("sha256")
      .update(JSON.stringify([1, "p", "m", null, null, 1, null, "user", "Give me a number."]))
      .digest("hex");
    expect(plain).toBe(before);
  });

  it("the response cache and in-flight sharing keep samples apart but share identical requests", async () => {
    const base = new ScriptedModel((r) => `answer ${r.sample ?? 0}`, { latencyMs: 20 });
    const cached = wrapModel(base, responseCache());
    const results = await Promise.all([
      cached.generate({ ...request, sample: 1 }),
      cached.generate({ ...request, sample: 2 }),
      cached.generate({ ...request, sample: 2 }),
    ]);
    expect(results.map((r) => r.text)).toEqual(["answer 1", "answer 2", "answer 2"]);
    expect(base.callCount).toBe(2);
  });
});

describe("callLLM passes purpose and sample to the model", () => {
  it("accepts both options and sends them on the request", async () => {
    const model = new ScriptedModel(["ok"]);
    const out = await callLLM("sys", "hi", { model, purpose: "agent plan", sample: 2 });
    expect(out.data).toBe("ok");
    expect([model.calls[0]!.request.purpose, model.calls[0]!.request.sample]).toEqual(["agent plan", 2]);
  });
});

describe("withValues (shared by optimizers that score candidates)", () => {
  it("sets the values while fn runs and restores them afterwards, also when fn throws", async () => {
    const a = node(1, { trainable: true });
    const b = node("x", { trainable: true });
    const seen = await withValues(
      new Map<ParameterNode, unknown>([
        [a, 2],
        [b, "y"],
      ]),
      () => [a.data, b.data],
    );
    expect(seen).toEqual([2, "y"]);
    expect([a.data, b.data]).toEqual([1, "x"]);
    await expect(
      withValues(new Map<ParameterNode, unknown>([[a, 5]]), () => {
        throw new Error("scoring failed");
      }),
    ).rejects.toThrow("scoring failed");
    expect(a.data).toBe(1);
  });
});
