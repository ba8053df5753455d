import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { bundle, ops } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import {
  AgentError,
  type Algorithm,
  beamSearch,
  bestOfN,
  CheckpointError,
  CheckpointExistsError,
  CheckpointMismatchError,
  CheckpointNotFoundError,
  CheckpointValueError,
  exactMatch,
  minibatch,
  paretoSearch,
  prioritySearch,
  readCheckpoint,
  resume,
  streamingPrioritySearch,
  type TrainConfig,
  train,
  ucbSearch,
} from "@trace-ts/trainer";
import { JsonOptimizer, multiplier } from "./helpers/agents.js";
import { normalizedLog } from "./helpers/log.js";
import { closeness, multiplierSetup, scaled } from "./helpers/setup.js";
import { tempDirs } from "./helpers/tmp.js";

const tempDir = tempDirs("trainer-resume-");

/** A deterministic run: the optimizer's answer depends only on the prompt, never on call order. */
function setup(
  dir: string,
  algorithm: () => Algorithm,
  extra: Partial<TrainConfig<number, number, number>> = {},
) {
  const s = multiplierSetup(1, (current, _i, prompt) => {
    const small = (prompt.match(/Too small/g) ?? []).length;
    const big = (prompt.match(/Too big/g) ?? []).length;
    return small > big ? current + 2 : big > small ? current - 1 : undefined;
  });
  const config: TrainConfig<number, number, number> = {
    agent: s.agent,
    optimizer: s.optimizer,
    forward: s.forward,
    guide: closeness,
    train: scaled(6, 12),
    validation: scaled(6, 3, 40),
    algorithm: algorithm(),
    batchSize: 3,
    epochs: 2,
    seed: 11,
    checkpoint: join(dir, "checkpoint.json"),
    log: join(dir, "log.jsonl"),
    progress: false,
    ...extra,
  };
  return { ...s, config };
}

describe("checkpoints and resume (in process)", () => {
  const algorithms: [string, () => Algorithm][] = [
    ["minibatch", () => minibatch({ keepIfImproves: true })],
    ["best-of-N", () => bestOfN({ n: 2 })],
    ["beam search", () => beamSearch({ width: 2, branches: 2 })],
    ["UCB search", () => ucbSearch({ bufferSize: 3, evalSize: 2 })],
    ["priority search", () => prioritySearch({ numCandidates: 2, priority: "ucb", evalSize: 2 })],
    ["streaming priority search", () => streamingPrioritySearch()],
    ["Pareto search", () => paretoSearch({ numProposals: 2, gate: "none", merge: { every: 2 } })],
  ];
  it.each(algorithms)(
    "%s: a run cancelled mid-step and resumed ends like an uninterrupted one",
    async (_name, algorithm) => {
      const whole = tempDir();
      const a = setup(whole, algorithm);
      const full = await train(a.config);
      expect(full.steps).toBeGreaterThanOrEqual(4);
      expect(a.agent.factor.data).not.toBe(1); // the run did change something

      const cut = tempDir();
      const b = setup(cut, algorithm);
      const controller = new AbortController();
      let armed = false;
      let calls = 0;
      const first = await train({
        ...b.config,
        signal: controller.signal,
        // cancel inside step 3, at its second forward pass
        forward: (x) => {
          if (armed && ++calls === 2) controller.abort();
          return b.forward(x);
        },
        onRecord: (r) => {
          if (r.type === "step" && r.step === 2) armed = true;
        },
      });
      expect(first.reason).toBe("cancelled");
      expect(first.steps).toBe(2);
      // the log holds records of the unfinished step 3 (plus the end record) beyond the checkpoint
      const checkpoint = await readCheckpoint(b.config.checkpoint!);
      expect(checkpoint.step).toBe(2);
      expect(readFileSync(b.config.log!).length).toBeGreaterThan(checkpoint.log.bytes);

      const c = setup(cut, algorithm); // a fresh process would rebuild the agent and optimizer
      const resumed = await resume(c.config);
      expect(resumed.resumed).toBe(true);
      expect(resumed.reason).toBe(full.reason);
      expect(resumed.steps).toBe(full.steps);
      expect(c.agent.factor.data).toBe(a.agent.factor.data);
      expect(c.optimizer.state()).toEqual(a.optimizer.state());
      expect(resumed.totals).toEqual(full.totals);
      expect(normalizedLog(c.config.log!)).toEqual(normalizedLog(a.config.log!));
    },
  );

  // checkpoints written at step 2 by the release whose best-of-N and beam search called
  // `propose()` once per candidate (before `proposeCandidates`), with `setup`'s run and no log
  // (their uninterrupted runs ended with factor 5 after 16 optimizer calls, and 6 after 30)
  it.each<[string, string, () => Algorithm, number, number]>([
    ["best-of-N", "checkpoint-0.1-best-of-n.json", () => bestOfN({ n: 2 }), 5, 16],
    ["beam search", "checkpoint-0.1-beam-search.json", () => beamSearch({ width: 2, branches: 2 }), 6, 30],
  ])(
    "%s: a checkpoint of the earlier release resumes and ends like a fresh run",
    async (_name, file, algorithm, factor, calls) => {
      const fixture = join(import.meta.dirname, "fixtures", file);
      const whole = setup(tempDir(), algorithm, { log: undefined });
      const full = await train(whole.config);

      const dir = tempDir();
      copyFileSync(fixture, join(dir, "checkpoint.json"));
      const old = await readCheckpoint(join(dir, "checkpoint.json"));
      expect(old.step).toBe(2);
      const c = setup(dir, algorithm, { log: undefined });
      const resumed = await resume(c.config);
      expect(resumed).toMatchObject({
        resumed: true,
        reason: full.reason,
        steps: full.steps,
        best: full.best,
      });
      expect(c.agent.factor.data).toBe(whole.agent.factor.data);
      expect(c.optimizer.state()).toEqual(whole.optimizer.state());
      expect(resumed.totals.calls).toBe(full.totals.calls);
      expect([c.agent.factor.data, resumed.totals.calls]).toEqual([factor, calls]);
    },
  );

  it("resumes after a cancellation during the initial evaluation, and after a crash in a step", async () => {
    const whole = tempDir();
    const a = setup(whole, () => minibatch({ keepIfImproves: true }));
    await train(a.config);

    // cancelled while the starting parameters are evaluated: nothing but the set-up is saved
    const early = tempDir();
    const b = setup(early, () => minibatch({ keepIfImproves: true }));
    const controller = new AbortController();
    const first = await train({
      ...b.config,
      signal: controller.signal,
      forward: (x) => {
        controller.abort();
        return b.forward(x);
      },
    });
    expect(first).toMatchObject({ reason: "cancelled", steps: 0 });
    expect((await readCheckpoint(b.config.checkpoint!)).initialized).toBe(false);
    const c = setup(early, () => minibatch({ keepIfImproves: true }));
    await resume(c.config);
    expect(c.agent.factor.data).toBe(a.agent.factor.data);
    expect(normalizedLog(c.config.log!)).toEqual(normalizedLog(a.config.log!));

    // a bug in the forward function during step 3 throws out of train(); after the fix, resume
    const crash = tempDir();
    const d = setup(crash, () => minibatch({ keepIfImproves: true }));
    let armed = false;
    await expect(
      train({
        ...d.config,
        forward: (x) => {
          if (armed) throw new TypeError("a bug");
          return d.forward(x);
        },
        onRecord: (r) => {
          if (r.type === "step" && r.step === 2) armed = true;
        },
      }),
    ).rejects.toBeInstanceOf(AgentError);
    expect((await readCheckpoint(d.config.checkpoint!)).step).toBe(2);
    const e = setup(crash, () => minibatch({ keepIfImproves: true }));
    await resume(e.config);
    expect(e.agent.factor.data).toBe(a.agent.factor.data);
    expect(normalizedLog(e.config.log!)).toEqual(normalizedLog(a.config.log!));
  });

  it("writes a checkpoint with every part of the state after every step", async () => {
    const dir = tempDir();
    const s = setup(dir, () => minibatch());
    const seen: number[] = [];
    let value: unknown = s.agent.factor.data;
    await train({
      ...s.config,
      maxSteps: 3,
      onRecord: (r) => {
        if (r.type === "step") {
          seen.push(r.step);
          if (r.applied.length > 0) value = r.applied[0]!.after;
        }
      },
    });
    const cp = await readCheckpoint(s.config.checkpoint!);
    expect(cp.step).toBe(3);
    // the parameters after step 3 (the agent itself got the best ones back at the end)
    expect(cp.parameters).toEqual([{ name: "factor:0", key: "factor0", value }]);
    expect(cp.best).toEqual({
      score: expect.any(Number),
      step: expect.any(Number),
      values: [s.agent.factor.data],
    });
    expect(cp.optimizer).toMatchObject({ format: "trace-ts/optimizer", optimizer: "JsonOptimizer", step: 3 });
    expect(cp.rng.algorithm).toBe("xoshiro128**");
    expect(cp.data.order).toHaveLength(12);
    expect(cp.data.position).toBe(9);
    expect(cp.algorithm).toEqual({
      name: "minibatch",
      options: { keepIfImproves: false, minImprovement: 0 },
      state: { baseline: expect.any(Number) },
    });
    expect(cp.log.records).toBeGreaterThan(3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("never overwrites another run's files, and refuses mismatched or damaged checkpoints", async () => {
    const dir = tempDir();
    const s = setup(dir, () => minibatch(), { maxSteps: 1 });
    await train(s.config);
    const logBefore = readFileSync(s.config.log!, "utf8");
    await expect(train(setup(dir, () => minibatch(), { maxSteps: 1 }).config)).rejects.toBeInstanceOf(
      CheckpointExistsError,
    );
    expect(readFileSync(s.config.log!, "utf8")).toBe(logBefore);
    const foreign = tempDir();
    writeFileSync(join(foreign, "log.jsonl"), "keep me\n");
    await expect(train(setup(foreign, () => minibatch()).config)).rejects.toThrow(
      /run log of an earlier run/,
    );
    expect(readFileSync(join(foreign, "log.jsonl"), "utf8")).toBe("keep me\n");

    await expect(resume(setup(dir, () => minibatch(), { maxSteps: 1, seed: 12 }).config)).rejects.toThrow(
      CheckpointMismatchError,
    );
    await expect(resume(setup(dir, () => beamSearch(), { maxSteps: 1 }).config)).rejects.toThrow(
      /algorithm minibatch vs beam-search/,
    );
    await expect(
      resume(setup(dir, () => minibatch(), { maxSteps: 1, train: scaled(6, 11) }).config),
    ).rejects.toThrow(/training set differs/);
    const renamed = setup(dir, () => minibatch(), { maxSteps: 1 });
    const scale = multiplier(1, "scale");
    const other = {
      ...renamed.config,
      agent: scale,
      forward: scale.forward,
      optimizer: new JsonOptimizer([scale.factor], { model: renamed.model }),
    };
    await expect(resume(other)).rejects.toThrow(
      /parameter names differ \(not in the checkpoint: scale:\d+; only in the checkpoint: factor:0\)/,
    );
    const byPosition = await resume({ ...other, matchParameters: "position", maxSteps: 2 });
    expect(byPosition.steps).toBe(2);

    await expect(resume(setup(tempDir(), () => minibatch()).config)).rejects.toBeInstanceOf(
      CheckpointNotFoundError,
    );
    const fresh = setup(tempDir(), () => minibatch(), { maxSteps: 1 });
    expect((await resume(fresh.config, { startIfMissing: true })).resumed).toBe(false);
    // a log with only the header of a run killed before its first checkpoint may be replaced
    const headerOnly = tempDir();
    writeFileSync(join(headerOnly, "log.jsonl"), '{"type":"run","time":"2026-');
    const restart = setup(headerOnly, () => minibatch(), { maxSteps: 1 });
    expect((await resume(restart.config, { startIfMissing: true })).steps).toBe(1);
    writeFileSync(join(headerOnly, "log.jsonl"), "{}\nsomething else\n");
    await expect(
      train(setup(headerOnly, () => minibatch(), { checkpoint: join(headerOnly, "other.json") }).config),
    ).rejects.toThrow(CheckpointExistsError);

    writeFileSync(s.config.checkpoint!, '{"format": "trace-ts/trainer-checkpoint", "version": 1}');
    await expect(resume(setup(dir, () => minibatch()).config)).rejects.toThrow(
      /is damaged: missing or malformed runId/,
    );
    writeFileSync(s.config.checkpoint!, "{");
    await expect(resume(setup(dir, () => minibatch()).config)).rejects.toBeInstanceOf(CheckpointError);
  });

  it("validates the saved values like an update and refuses a value the parameter's validator rejects", async () => {
    const dir = tempDir();
    /** An agent whose trainable code doubles numbers; the optimizer proposes nothing. */
    const codeRun = () => {
      const double = bundle((x: number): number => x * 2, { trainable: true, name: "double" });
      const optimizer = new JsonOptimizer([double.parameter!], {
        model: new ScriptedModel(['{"suggestion": {}}'], { whenExhausted: "repeat-last" }),
      });
      const config: TrainConfig<number, number, number> = {
        optimizer,
        forward: (x: number) => ops.add(double(x), 0),
        guide: exactMatch(),
        train: scaled(3, 4),
        validation: scaled(3, 2, 10),
        batchSize: 2,
        maxSteps: 1,
        checkpoint: join(dir, "checkpoint.json"),
        log: join(dir, "log.jsonl"),
        // every new bundle's code parameter gets a new name (__code:N): match by position
        matchParameters: "position",
        progress: false,
      };
      return { double, config };
    };
    const first = codeRun();
    await train(first.config);
    const path = first.config.checkpoint!;
    const saved = JSON.parse(readFileSync(path, "utf8")) as {
      parameters: { name: string; value: unknown }[];
      best: { values: unknown[] };
    };
    const logBefore = readFileSync(first.config.log!, "utf8");

    // a code parameter edited to a number: refused, naming the parameter, before anything changes
    writeFileSync(path, JSON.stringify({ ...saved, parameters: [{ ...saved.parameters[0], value: 42 }] }));
    const second = codeRun();
    const sourceBefore = second.double.getSource();
    const error = await resume({ ...second.config, maxSteps: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointValueError);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointValueError).code).toBe("CHECKPOINT_VALUE_INVALID");
    const name = second.double.parameter!.name;
    expect((error as CheckpointValueError).parameter).toBe(name);
    expect((error as Error).message).toContain(
      `the value saved for parameter ${name} (in parameters) is not valid for it (code for double does not compile`,
    );
    expect(second.double.getSource()).toBe(sourceBefore);
    expect(readFileSync(first.config.log!, "utf8")).toBe(logBefore);

    // source that does not compile, in the best values
    writeFileSync(path, JSON.stringify({ ...saved, best: { ...saved.best, values: ["(x) => x *"] } }));
    const third = codeRun();
    const bad = await resume({ ...third.config, maxSteps: 2 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CheckpointValueError);
    expect((bad as Error).message).toContain(`parameter ${third.double.parameter!.name} (in best)`);
    expect((bad as CheckpointValueError).reason.length).toBeGreaterThan(0);

    // the checkpoint as written resumes
    writeFileSync(path, JSON.stringify(saved));
    const fourth = codeRun();
    expect((await resume({ ...fourth.config, maxSteps: 2 })).steps).toBe(2);
  });

  it("continues a finished run only up to a larger step limit", async () => {
    const dir = tempDir();
    const a = setup(dir, () => minibatch(), { maxSteps: 2, epochs: undefined });
    await train(a.config);
    const b = setup(dir, () => minibatch(), { maxSteps: 4, epochs: undefined });
    const more = await resume(b.config);
    expect(more.steps).toBe(4);
    const c = setup(dir, () => minibatch(), { maxSteps: 4, epochs: undefined });
    const again = await resume(c.config);
    expect(again.steps).toBe(4);
    const ends = readFileSync(a.config.log!, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string })
      .filter((r) => r.type === "end");
    expect(ends).toHaveLength(1); // each resume cut the previous end record
  });
});
