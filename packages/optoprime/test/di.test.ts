import { describe, expect, it } from "@jest/globals";
import {
  createContainer,
  createOptimizer,
  node,
  Optimizer,
  ops,
  optimizerFromEnv,
  type ParameterNode,
  type Proposal,
  registerLanguageModel,
  registerOptimizer,
  useOptimizer,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  OPTOPRIME,
  OPTOPRIME_MULTI,
  OptoPrime,
  OptoPrimeMulti,
  optoPrimeFactory,
  optoPrimeMultiFactory,
  optoPrimeMultiRegistration,
  optoPrimeRegistration,
  registerOptoPrime,
  registerOptoPrimeMulti,
} from "@trace-ts/optoprime";
import { answer } from "./helpers/answers.js";

class NoOp extends Optimizer {
  readonly name = "NoOp";
  async propose(): Promise<Proposal> {
    return { updates: new Map(), suggestion: {}, rejected: [], terminate: false, calls: [] };
  }
}

describe("dependency injection", () => {
  it("resolves OptoPrime from a container, with the container's model", async () => {
    const x = node(1, { trainable: true });
    const container = createContainer();
    const model = new ScriptedModel([answer({ [x.key]: 6 })]);
    registerLanguageModel(container, model);
    registerOptoPrime(container, { memorySize: 1 });
    const optimizer = createOptimizer([x], container);
    expect(optimizer).toBeInstanceOf(OptoPrime);
    optimizer.backward(ops.add(x, 1), "bigger");
    await optimizer.step();
    expect(x.data).toBe(6);
    expect(model.callCount).toBe(1);
  });

  it("can be swapped for another optimizer and back by name", () => {
    const x = node(1, { trainable: true });
    const container = createContainer();
    registerOptoPrime(container);
    registerOptoPrimeMulti(container, { candidates: 2, asDefault: false });
    registerOptimizer(container, (params: readonly ParameterNode[]) => new NoOp(params), { name: "noop" });
    expect(createOptimizer([x], container)).toBeInstanceOf(NoOp);
    useOptimizer(container, "optoprime");
    expect(createOptimizer([x], container).constructor).toBe(OptoPrime);
    optimizerFromEnv(container, { TRACE_OPTIMIZER: "optoprime-multi" });
    expect(createOptimizer([x], container)).toBeInstanceOf(OptoPrimeMulti);
  });

  it("factories build with their options and take the model from the container they are called with", () => {
    const x = node(1, { trainable: true });
    const container = createContainer();
    expect([OPTOPRIME, OPTOPRIME_MULTI]).toEqual(["optoprime", "optoprime-multi"]);
    expect([optoPrimeRegistration.name, optoPrimeMultiRegistration.name]).toEqual([
      OPTOPRIME,
      OPTOPRIME_MULTI,
    ]);
    const single = optoPrimeFactory({ memorySize: 2 })([x], container) as OptoPrime;
    expect(single.constructor).toBe(OptoPrime);
    expect(single.settings.memorySize).toBe(2);
    expect(single.settings.container).toBe(container);
    const multi = optoPrimeMultiFactory({ candidates: 4 })([x], container) as OptoPrimeMulti;
    expect(multi).toBeInstanceOf(OptoPrimeMulti);
    expect(multi.settings.candidates).toBe(4);
    expect(multi.settings.container).toBe(container);
  });

  it("a child container overrides the model without touching the parent", async () => {
    const x = node(1, { trainable: true });
    const parent = createContainer();
    registerOptoPrime(parent);
    registerLanguageModel(parent, new ScriptedModel([answer({ [x.key]: 2 })]));
    const child = createContainer(parent);
    const childModel = new ScriptedModel([answer({ [x.key]: 3 })]);
    registerLanguageModel(child, childModel);
    const optimizer = createOptimizer([x], child);
    optimizer.backward(ops.add(x, 1), "bigger");
    await optimizer.step();
    expect(x.data).toBe(3);
    expect(childModel.callCount).toBe(1);
  });
});
