import { describe, expect, it } from "@jest/globals";
import type { LanguageModel, ParameterNode, Proposal, StepOptions, StepReport } from "@trace-ts/core";
import { formatValue } from "@trace-ts/core/optimizer";
import {
  type ConformanceAdapter,
  ConformanceFailure,
  optimizerConformanceChecks,
  runOptimizerConformance,
} from "@trace-ts/core/testing";
import { isOproRequest, Opro, valueBlock } from "@trace-ts/opro";

/** The suite must catch optimizers that break its rules: these variants of Opro each break one. */
function adapterFor(
  build: (parameters: readonly ParameterNode[], model: LanguageModel, maxRetries: number) => Opro,
) {
  const adapter: ConformanceAdapter = {
    name: "faulty",
    create: (parameters, model, { maxRetries }) => build(parameters, model, maxRetries),
    suggest: (request, values) =>
      isOproRequest(request)
        ? Object.entries(values)
            .map(([k, v]) => valueBlock(k, formatValue(v)))
            .join("\n")
        : new Error("not an OPRO request"),
    malformed: () => "no blocks here",
  };
  return adapter;
}

async function failing(adapter: ConformanceAdapter): Promise<string[]> {
  const results = await runOptimizerConformance(adapter);
  expect(results.map((r) => r.name)).toEqual(optimizerConformanceChecks(adapter).map((c) => c.name));
  return results.filter((r) => !r.passed).map((r) => r.name.split(":")[0]!);
}

class ApplyingOpro extends Opro {
  override async propose(options?: StepOptions): Promise<Proposal> {
    const proposal = await super.propose(options);
    for (const [p, v] of proposal.updates) p.data = v; // breaks "propose() changes nothing"
    return proposal;
  }
}

class HidingOpro extends Opro {
  override async propose(options?: StepOptions): Promise<Proposal> {
    const proposal = await super.propose(options);
    return { ...proposal, calls: proposal.calls.slice(1) }; // loses the first call
  }
}

class SwallowingOpro extends Opro {
  override async step(options?: StepOptions): Promise<StepReport> {
    try {
      return await super.step(options);
    } catch {
      return super.step(); // hides the cancellation
    }
  }
}

describe("the conformance suite detects faulty optimizers", () => {
  it("passes the real Opro", async () => {
    expect(await failing(adapterFor((p, model, maxRetries) => new Opro(p, { model, maxRetries })))).toEqual(
      [],
    );
  });

  it("an optimizer that never re-asks fails the re-ask checks", async () => {
    expect(await failing(adapterFor((p, model) => new Opro(p, { model, maxRetries: 0 })))).toEqual([
      "code parameter",
      "malformed model output",
      "malformed model output once",
    ]);
  });

  it("an optimizer whose propose() applies changes fails the propose() check", async () => {
    // the numeric check fails too: the report's "before" value is already the new one; so does
    // proposeCandidates(), which must change nothing until a candidate is applied
    expect(
      await failing(adapterFor((p, model, maxRetries) => new ApplyingOpro(p, { model, maxRetries }))),
    ).toEqual(["numeric parameter", "propose()", "proposeCandidates()"]);
  });

  it("an optimizer that leaves calls out of its report fails every check that inspects the report", async () => {
    const names = await failing(
      adapterFor((p, model, maxRetries) => new HidingOpro(p, { model, maxRetries })),
    );
    expect(names).toEqual(
      expect.arrayContaining([
        "numeric parameter",
        "string parameter",
        "several outputs with different feedback",
      ]),
    );
    const results = await runOptimizerConformance(
      adapterFor((p, model, maxRetries) => new HidingOpro(p, { model, maxRetries })),
    );
    const failure = results.find((r) => !r.passed)!.error;
    expect(failure).toBeInstanceOf(ConformanceFailure);
    expect((failure as ConformanceFailure).code).toBe("OPTIMIZER_CONFORMANCE");
    expect((failure as Error).message).toMatch(/^faulty: number of calls in the report/);
  });

  it("an optimizer that swallows cancellation fails the cancellation check", async () => {
    const names = await failing(
      adapterFor((p, model, maxRetries) => new SwallowingOpro(p, { model, maxRetries })),
    );
    expect(names).toEqual(["cancellation"]);
  });
});
