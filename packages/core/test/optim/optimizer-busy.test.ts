import { describe, expect, it } from "@jest/globals";
import {
  node,
  Optimizer,
  OptimizerBusyError,
  type ParameterNode,
  type Proposal,
  TraceError,
} from "@trace-ts/core";

/** An optimizer whose proposals wait until the test lets them finish. */
class SlowOptimizer extends Optimizer {
  readonly name = "Slow";
  readonly pending: (() => void)[] = [];
  constructor(parameters: Iterable<ParameterNode>) {
    super(parameters);
  }
  async propose(): Promise<Proposal> {
    await new Promise<void>((resolve) => this.pending.push(resolve));
    const p = this.parameters[0]!;
    return {
      updates: new Map([[p, (p.data as number) + 1]]),
      suggestion: {},
      rejected: [],
      terminate: false,
      calls: [],
    };
  }
  release(): void {
    for (const resolve of this.pending.splice(0)) resolve();
  }
}

describe("Optimizer.step() while a step is running", () => {
  it("refuses a second step with OptimizerBusyError and accepts one after the first finished", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const optimizer = new SlowOptimizer([x]);
    const first = optimizer.step();
    const second = await optimizer.step().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(OptimizerBusyError);
    expect(second).toBeInstanceOf(TraceError);
    expect((second as OptimizerBusyError).code).toBe("OPTIMIZER_BUSY");
    expect((second as Error).message).toMatch(/Slow\.step\(\) was called while another step\(\)/);
    // propose() changes nothing, so it may run next to a step
    const proposal = optimizer.propose();
    optimizer.release();
    expect((await first).applied).toHaveLength(1);
    expect((await proposal).updates.get(x)).toBe(2);
    expect(x.data).toBe(2);
    expect(optimizer.steps).toBe(1);
    // the refused step changed nothing; the next one runs
    const third = optimizer.step();
    optimizer.release();
    await third;
    expect(x.data).toBe(3);
    expect(optimizer.steps).toBe(2);
  });

  it("is free again after a step that threw", async () => {
    class Failing extends SlowOptimizer {
      override async propose(): Promise<Proposal> {
        throw new RangeError("no proposal");
      }
    }
    const optimizer = new Failing([node(1, { trainable: true })]);
    await expect(optimizer.step()).rejects.toThrow("no proposal");
    await expect(optimizer.step()).rejects.toThrow("no proposal");
  });
});
