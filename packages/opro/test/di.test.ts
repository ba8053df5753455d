import { describe, expect, it } from "@jest/globals";
import {
  createContainer,
  createOptimizer,
  InvalidOptionError,
  NoDefaultLanguageModelError,
  NoOptimizerError,
  node,
  Optimizer,
  ops,
  optimizerFromEnv,
  type Proposal,
  registerLanguageModel,
  registerOptimizer,
  useOptimizer,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  DEFAULT_OPRO_OBJECTIVE,
  OPRO_NAME,
  Opro,
  oproRegistration,
  registerOpro,
  valueBlock,
} from "@trace-ts/opro";

/** Stands in for another optimizer registered in the same container. */
class OtherOptimizer extends Optimizer {
  readonly name = "Other";
  async propose(): Promise<Proposal> {
    return { updates: new Map(), suggestion: {}, rejected: [], terminate: false, calls: [] };
  }
}

describe("Opro through dependency injection", () => {
  it("registers under 'opro' and is swapped with TRACE_OPTIMIZER, with no other code change", () => {
    const container = createContainer();
    registerOpro(container, { historySize: 7 });
    registerOptimizer(container, (params) => new OtherOptimizer(params), { name: "other" });
    const p = node(1, { trainable: true });
    expect(createOptimizer([p], container)).toBeInstanceOf(OtherOptimizer);
    optimizerFromEnv(container, { TRACE_OPTIMIZER: OPRO_NAME });
    const optimizer = createOptimizer([p], container);
    expect(optimizer).toBeInstanceOf(Opro);
    expect((optimizer as Opro).settings.historySize).toBe(7);
    useOptimizer(container, "other");
    expect(createOptimizer([p], container)).toBeInstanceOf(OtherOptimizer);
    optimizerFromEnv(container, {});
    expect(createOptimizer([p], container)).toBeInstanceOf(OtherOptimizer);
  });

  it("uses the default model of the container it was created from, looked up at step time", async () => {
    const container = createContainer();
    registerOpro(container);
    const p = node(1, { trainable: true });
    const optimizer = createOptimizer([p], container);
    const model = new ScriptedModel([valueBlock(p.key, "5")]);
    registerLanguageModel(container, model);
    optimizer.backward(ops.multiply(p, 2), 0.3);
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(p.data).toBe(5);
    expect(model.callCount).toBe(1);
  });

  it("oproRegistration builds factories that take the default model from the container used", async () => {
    expect(oproRegistration.name).toBe(OPRO_NAME);
    const container = createContainer();
    const p = node(1, { trainable: true });
    const model = new ScriptedModel([valueBlock(p.key, "6")]);
    registerLanguageModel(container, model);
    const optimizer = oproRegistration.factory({ historySize: 3 })([p], container) as Opro;
    expect(optimizer.settings.historySize).toBe(3);
    optimizer.backward(ops.multiply(p, 2), 0.3);
    await optimizer.step();
    expect(p.data).toBe(6);
    const named = registerOpro(createContainer(), { asDefault: false });
    expect(() => createOptimizer([p], named)).toThrow(NoOptimizerError);
    expect(createOptimizer([p], useOptimizer(named, OPRO_NAME))).toBeInstanceOf(Opro);
  });

  it("without any model, step() says how to register one", async () => {
    const p = node(4, { trainable: true });
    const optimizer = new Opro([p], { container: createContainer() });
    optimizer.backward(ops.multiply(p, 2), 0.3);
    await expect(optimizer.step()).rejects.toBeInstanceOf(NoDefaultLanguageModelError);
  });

  it("refuses unknown or invalid options", () => {
    const p = node(4, { trainable: true });
    expect(() => new Opro([p], { histroySize: 2 } as never)).toThrow(InvalidOptionError);
    expect(() => new Opro([p], { direction: "up" as never })).toThrow(InvalidOptionError);
    expect(() => new Opro([p], { direction: "up" as never })).toThrow(/maximize/);
    expect(() => new Opro([p], { historySize: 0 })).toThrow(InvalidOptionError);
    expect(() => new Opro([p], { historySize: 0 })).toThrow(/'historySize' must be at least 1/);
    expect(() => new Opro([p], { historyCharBudget: 99 })).toThrow(InvalidOptionError);
    expect(() => new Opro([p], { historyTokenBudget: 24 })).toThrow(InvalidOptionError);
    expect(() => new Opro([p], { maxRetries: -1 })).toThrow(InvalidOptionError);
    expect(() => new Opro([p], { model: {} as never })).toThrow(InvalidOptionError);
    expect(
      new Opro([p], { historyCharBudget: 10_000, historyTokenBudget: 1000 }).settings.historyCharBudget,
    ).toBe(4000);
  });

  it("refuses an empty objective instead of replacing it", () => {
    const p = node(4, { trainable: true });
    expect(() => new Opro([p], { objective: "  " })).toThrow(InvalidOptionError);
    expect(new Opro([p]).settings.objective).toBe(DEFAULT_OPRO_OBJECTIVE);
    expect(new Opro([p], { objective: "Win." }).settings.objective).toBe("Win.");
  });
});
