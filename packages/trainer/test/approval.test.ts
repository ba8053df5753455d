/**
 * Approval hooks in training: `approve` and `isolation` reach the optimizer, every algorithm's
 * proposals go through the hooks, and vetoes are in the run log.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import {
  type ApprovalHook,
  bundle,
  graphScope,
  InvalidOptionError,
  type IsolationLevel,
  type ProposedChange,
  requireStrictForCode,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";
import {
  type Algorithm,
  beamSearch,
  bestOfN,
  minibatch,
  paretoSearch,
  prioritySearch,
  readRunLog,
  runLogSchema,
  type StepRecord,
  streamingPrioritySearch,
  train,
  ucbSearch,
} from "@trace-ts/trainer";
import { Ajv } from "ajv";
import { JsonOptimizer, multiplier } from "./helpers/agents.js";
import { closeness, multiplierSetup, recorder, scaled } from "./helpers/setup.js";

const steps = (records: readonly { type: string }[]) =>
  records.filter((r): r is StepRecord => r.type === "step");

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trainer-approval-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let savedIsolation: string | undefined;
beforeAll(() => {
  savedIsolation = process.env.TRACE_ISOLATION;
  delete process.env.TRACE_ISOLATION;
});
afterAll(() => {
  if (savedIsolation === undefined) delete process.env.TRACE_ISOLATION;
  else process.env.TRACE_ISOLATION = savedIsolation;
});

/** Vetoes factors above `max`. */
function atMost(max: number): ApprovalHook {
  return (change) =>
    typeof change.after === "number" && change.after > max
      ? { approved: false, reason: `factor ${change.after} is above ${max}` }
      : true;
}

describe("train() with approve", () => {
  it("adds the hook for the run, keeps vetoed values out and logs the vetoes", async () => {
    const dir = tempDir();
    const { agent, optimizer } = multiplierSetup(1, (current) => current + 1);
    const seen: ProposedChange[] = [];
    const result = await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 4),
      batchSize: 2,
      maxSteps: 2,
      shuffle: false,
      approve: (change) => {
        seen.push(change);
        return atMost(2)(change);
      },
      log: join(dir, "log.jsonl"),
      progress: false,
    });
    expect(result.steps).toBe(2);
    expect(agent.factor.data).toBe(2);
    expect(seen.map((c) => [c.key, c.before, c.after, c.isCode])).toEqual([
      [agent.factor.key, 1, 2, false],
      [agent.factor.key, 2, 3, false],
    ]);
    expect(optimizer.hasApproval).toBe(false); // removed when the run ended

    const records = await readRunLog(join(dir, "log.jsonl"));
    const [first, second] = steps(records);
    expect(first!.applied).toEqual([{ key: agent.factor.key, name: agent.factor.name, before: 1, after: 2 }]);
    expect(first!.proposals[0]!.rejected).toEqual([]);
    expect(second!.applied).toEqual([]);
    expect(second!.kept).toBe(false);
    expect(second!.note).toBe("nothing changed: the approval hook vetoed the suggested changes");
    expect(second!.proposals[0]!.rejected).toEqual([
      {
        key: agent.factor.key,
        value: 3,
        reason: "vetoed by the approval hook: factor 3 is above 2",
        vetoed: true,
      },
    ]);
    const validate = new Ajv({ allowUnionTypes: true, validateFormats: false }).compile(runLogSchema());
    for (const record of records) expect(validate(record)).toBe(true);
  });

  const algorithms: [string, () => Algorithm][] = [
    ["minibatch", () => minibatch()],
    ["best-of-n", () => bestOfN({ n: 2 })],
    ["beam-search", () => beamSearch({ width: 2, branches: 2 })],
    ["ucb-search", () => ucbSearch({ bufferSize: 2, evalSize: 2 })],
    ["priority-search", () => prioritySearch({ numCandidates: 2 })],
    ["streaming-priority-search", () => streamingPrioritySearch()],
    ["pareto-search", () => paretoSearch({ numProposals: 2, merge: { every: 2 } })],
  ];
  it.each(algorithms)("%s: every proposal goes through the hook", async (_name, algorithm) => {
    const { agent, optimizer } = multiplierSetup(1, (current, index) => current + 1 + (index % 2));
    const hook = jest.fn<ApprovalHook>(() => ({ approved: false, reason: "frozen" }));
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 4),
      validation: scaled(4, 2, 10),
      algorithm: algorithm(),
      batchSize: 2,
      maxSteps: 2,
      approve: hook,
      onRecord,
      progress: false,
    });
    expect(agent.factor.data).toBe(1);
    const proposals = steps(records).flatMap((s) => s.proposals);
    expect(proposals.length).toBeGreaterThan(0);
    expect(hook).toHaveBeenCalledTimes(proposals.length);
    for (const p of proposals) {
      expect(p.applied).toEqual([]);
      expect(p.rejected).toEqual([
        expect.objectContaining({ reason: "vetoed by the approval hook: frozen", vetoed: true }),
      ]);
    }
    for (const s of steps(records)) expect(s.applied).toEqual([]);
  });

  it("asks the optimizer's own hooks too, and all must approve", async () => {
    const agent = graphScope(() => multiplier(1));
    const model = new ScriptedModel(
      () => JSON.stringify({ suggestion: { [agent.factor.key]: 5 }, reasoning: "bigger" }),
      { whenExhausted: "repeat-last" },
    );
    const optimizer = new JsonOptimizer(agent.parameters(), { model });
    optimizer.addApproval(atMost(10));
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 2),
      batchSize: 2,
      maxSteps: 1,
      approve: atMost(4),
      onRecord,
      progress: false,
    });
    expect(agent.factor.data).toBe(1);
    expect(steps(records)[0]!.proposals[0]!.rejected[0]!.reason).toBe(
      "vetoed by the approval hook: factor 5 is above 4",
    );
    expect(optimizer.hasApproval).toBe(true); // its own hook stays
  });

  it("works with OptoPrime, whose options accept approve and isolation", async () => {
    const agent = graphScope(() => multiplier(1));
    const model = new ScriptedModel(
      () => JSON.stringify({ reasoning: "grow", answer: "", suggestion: { [agent.factor.key]: 9 } }),
      { whenExhausted: "repeat-last" },
    );
    const own = jest.fn<ApprovalHook>(() => true);
    const optimizer = new OptoPrime(agent.parameters(), { model, approve: own, isolation: "strict" });
    const { records, onRecord } = recorder();
    await train({
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 2),
      batchSize: 2,
      maxSteps: 1,
      approve: atMost(4),
      onRecord,
      progress: false,
    });
    expect(own).toHaveBeenCalledTimes(1);
    expect(own.mock.calls[0]![0].reasoning).toBe("grow");
    expect(agent.factor.data).toBe(1);
    expect(steps(records)[0]!.proposals[0]!.rejected).toEqual([
      {
        key: agent.factor.key,
        value: 9,
        reason: "vetoed by the approval hook: factor 9 is above 4",
        vetoed: true,
      },
    ]);
  });

  it("an algorithm cannot apply a proposal that skipped the hooks", async () => {
    const { agent, optimizer } = multiplierSetup(1, (current) => current + 1);
    const sneaky: Algorithm = {
      name: "sneaky",
      options: {},
      async init() {},
      async step(context) {
        const batch = await context.runBatch(context.nextBatch(), { backward: true });
        const proposal = await context.optimizer.propose();
        const applied = context.apply(proposal);
        return { batch, proposals: [{ proposal, applied, chosen: true }], kept: true };
      },
      state: () => null,
      loadState() {},
    };
    await expect(
      train({
        agent,
        optimizer,
        forward: agent.forward,
        guide: closeness,
        train: scaled(4, 2),
        batchSize: 2,
        maxSteps: 1,
        algorithm: sneaky,
        approve: () => true,
        progress: false,
      }),
    ).rejects.toThrow(/only a proposal returned by context.propose\(\)/);
    expect(agent.factor.data).toBe(1);
  });

  it("validates approve and isolation", async () => {
    const { agent, optimizer } = multiplierSetup(1, () => undefined);
    const base = {
      agent,
      optimizer,
      forward: agent.forward,
      guide: closeness,
      train: scaled(4, 2),
      progress: false as const,
    };
    await expect(train({ ...base, approve: true as unknown as ApprovalHook })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(train({ ...base, isolation: "sandbox" as IsolationLevel })).rejects.toThrow(
      /option 'isolation' must be "realm" or "strict"/,
    );
  });
});

describe("train() with isolation", () => {
  /** A trainable bundle `inc` (x + 1) and an optimizer model that suggests `x * 2` for it. */
  function codeSetup() {
    return graphScope(() => {
      const inc = bundle(
        function inc(x: number): number {
          return x + 1;
        },
        { trainable: true },
      );
      const code = inc.parameter!;
      const model = new ScriptedModel(
        () => JSON.stringify({ suggestion: { [code.key]: "function inc(x) {\n  return x * 2;\n}" } }),
        { whenExhausted: "repeat-last" },
      );
      const optimizer = new JsonOptimizer([code], { model });
      return { inc, code, optimizer, original: code.data };
    });
  }

  it("without it, requireStrictForCode vetoes code that would run in the realm tier", async () => {
    const { inc, code, optimizer, original } = codeSetup();
    const { records, onRecord } = recorder();
    await train({
      optimizer,
      forward: (x: number) => inc(x),
      guide: closeness,
      train: scaled(2, 2),
      batchSize: 2,
      maxSteps: 1,
      approve: requireStrictForCode(),
      onRecord,
      progress: false,
    });
    expect(code.data).toBe(original);
    const rejected = steps(records)[0]!.proposals[0]!.rejected;
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.vetoed).toBe(true);
    expect(rejected[0]!.reason).toMatch(/"realm" tier.*isolation: "strict"/);
  });

  it('isolation: "strict" raises the code parameters\' tier, so requireStrictForCode accepts', async () => {
    const { inc, code, optimizer } = codeSetup();
    const seen: ProposedChange[] = [];
    const { records, onRecord } = recorder();
    await train({
      optimizer,
      forward: (x: number) => inc(x),
      guide: closeness,
      train: scaled(2, 2),
      batchSize: 2,
      maxSteps: 1,
      isolation: "strict",
      approve: (change) => {
        seen.push(change);
        return requireStrictForCode()(change);
      },
      onRecord,
      progress: false,
      restoreBest: false,
    });
    expect(seen.map((c) => [c.isCode, c.isolation])).toEqual([[true, "strict"]]);
    expect(code.data).toBe("function inc(x) {\n  return x * 2;\n}");
    expect(steps(records)[0]!.proposals[0]!.rejected).toEqual([]);
  });
});
