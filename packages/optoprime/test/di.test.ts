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
  registerModel,
  registerOptimizer,
  useOptimizer,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime, OptoPrimeMulti, registerOptoPrime, registerOptoPrimeMulti } from "@trace-ts/optoprime";
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
    registerModel(container, model);
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

  it("a child container overrides the model without touching the parent", async () => {
    const x = node(1, { trainable: true });
    const parent = createContainer();
    registerOptoPrime(parent);
    registerModel(parent, new ScriptedModel([answer({ [x.key]: 2 })]));
    const child = createContainer(parent);
    const childModel = new ScriptedModel([answer({ [x.key]: 3 })]);
    registerModel(child, childModel);
    const optimizer = createOptimizer([x], child);
    optimizer.backward(ops.add(x, 1), "bigger");
    await optimizer.step();
    expect(x.data).toBe(3);
    expect(childModel.callCount).toBe(1);
  });
});
