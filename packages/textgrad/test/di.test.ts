import { describe, expect, it } from "@jest/globals";
import {
  createContainer,
  createOptimizer,
  InvalidOptionError,
  NoDefaultLanguageModelError,
  node,
  Optimizer,
  ops,
  optimizerFromEnv,
  type Proposal,
  registerLanguageModel,
  registerOptimizer,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  DEFAULT_OBJECTIVE,
  registerTextGrad,
  TEXTGRAD_NAME,
  TextGrad,
  type TextGradOptions,
  textGradRequestInfo,
} from "@trace-ts/textgrad";

/** Stands in for another optimizer registered in the same container. */
class OtherOptimizer extends Optimizer {
  readonly name = "Other";
  async propose(): Promise<Proposal> {
    return { updates: new Map(), suggestion: {}, rejected: [], terminate: false, calls: [] };
  }
}

const answers = () =>
  new ScriptedModel((request) =>
    textGradRequestInfo(request)?.kind === "update" ? "<new_value>8</new_value>" : "Double it.",
  );

describe("TextGrad through dependency injection", () => {
  it("registers under 'textgrad' and is swapped with TRACE_OPTIMIZER, with no other code change", () => {
    const container = createContainer();
    registerOptimizer(container, (params) => new OtherOptimizer(params), { name: "other" });
    registerTextGrad(container, { asDefault: false, objective: "Be exact." });
    const p = node(1, { trainable: true });
    expect(createOptimizer([p], container)).toBeInstanceOf(OtherOptimizer);
    optimizerFromEnv(container, { TRACE_OPTIMIZER: TEXTGRAD_NAME });
    const optimizer = createOptimizer([p], container);
    expect(optimizer).toBeInstanceOf(TextGrad);
    expect((optimizer as TextGrad).settings.objective).toBe("Be exact.");
    optimizerFromEnv(container, { TRACE_OPTIMIZER: "other" });
    expect(createOptimizer([p], container)).toBeInstanceOf(OtherOptimizer);
  });

  it("becomes the default when registered without asDefault: false", () => {
    const container = createContainer();
    registerTextGrad(container);
    expect(createOptimizer([node(1, { trainable: true })], container)).toBeInstanceOf(TextGrad);
  });

  it("uses the default model of the container it was created from, looked up at step time", async () => {
    const container = createContainer();
    registerTextGrad(container);
    const p = node(4, { trainable: true });
    const optimizer = createOptimizer([p], container);
    const model = answers(); // registered after the optimizer was built
    registerLanguageModel(container, model);
    optimizer.backward(ops.multiply(p, 2), "Should be 16.");
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(p.data).toBe(8);
    expect(model.callCount).toBe(2);
  });

  it("an explicit model wins over the container's", async () => {
    const container = createContainer();
    const unused = answers();
    registerLanguageModel(container, unused);
    const mine = answers();
    registerTextGrad(container, { model: mine });
    const p = node(4, { trainable: true });
    const optimizer = createOptimizer([p], container);
    optimizer.backward(ops.multiply(p, 2), "Should be 16.");
    await optimizer.step();
    expect([mine.callCount, unused.callCount]).toEqual([2, 0]);
  });

  it("without any model, step() says how to register one", async () => {
    const p = node(4, { trainable: true });
    const optimizer = new TextGrad([p], { container: createContainer(createContainer()) });
    optimizer.backward(ops.multiply(p, 2), "Should be 16.");
    await expect(optimizer.step()).rejects.toBeInstanceOf(NoDefaultLanguageModelError);
  });

  it("refuses unknown or invalid options with InvalidOptionError", () => {
    const p = node(4, { trainable: true });
    const invalid = (options: TextGradOptions) => () => new TextGrad([p], options);
    expect(invalid({ concurency: 2 } as never)).toThrow(InvalidOptionError);
    expect(invalid({ concurrency: 0 })).toThrow(InvalidOptionError);
    expect(invalid({ concurrency: 0 })).toThrow(/option 'concurrency' must be at least 1, got 0/);
    expect(invalid({ concurrency: 1.5 })).toThrow(InvalidOptionError);
    expect(invalid({ maxRetries: -1 })).toThrow(InvalidOptionError);
    expect(invalid({ maxRetries: -1 })).toThrow(/maxRetries/);
    expect(invalid({ valueCharBudget: 0 })).toThrow(InvalidOptionError);
    expect(invalid({ model: {} as never })).toThrow(InvalidOptionError);
  });

  it("an empty objective is refused instead of silently replaced by the default", () => {
    const p = node(4, { trainable: true });
    expect(() => new TextGrad([p], { objective: "  " })).toThrow(InvalidOptionError);
    expect(() => new TextGrad([p], { objective: "" })).toThrow(/objective/);
  });

  it("exposes its settings with defaults filled in", () => {
    const p = node(4, { trainable: true });
    expect(new TextGrad([p]).settings).toMatchObject({
      objective: DEFAULT_OBJECTIVE,
      concurrency: 4,
      maxRetries: 2,
      valueCharBudget: 2000,
      temperature: undefined,
      maxTokens: undefined,
      verbose: false,
    });
    expect(new TextGrad([p], { concurrency: 2, objective: "Be exact." }).settings).toMatchObject({
      concurrency: 2,
      objective: "Be exact.",
    });
  });
});
