import { describe, expect, it } from "@jest/globals";
import type { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";
import { parseArgs, UsageError } from "../src/traffic/cli.js";
import { delayFeedback, score } from "../src/traffic/feedback.js";
import { greenParameters, greenTimeProblem } from "../src/traffic/parameters.js";
import { SCRIPTED_PROPOSALS, scriptedTrafficModel } from "../src/traffic/scripted.js";
import {
  greenAt,
  type Scenario,
  type SignalPlan,
  SimulationConfigError,
  simulate,
} from "../src/traffic/simulator.js";
import { DEFAULT_SCENARIO, START_PLAN, tuneSignal } from "../src/traffic/train.js";
import { runExample } from "./helpers/run-example.js";

/** A vehicle every second from north–south, none from east–west: arrivals are certain, not random. */
const STEADY: Scenario = {
  arrivalRate: { northSouth: 1, eastWest: 0 },
  saturationFlow: 1,
  allRed: 1,
  horizon: 10,
};

describe("traffic simulator", () => {
  it("cycles green north–south, all-red, green east–west, all-red", () => {
    const plan = { northSouth: 3, eastWest: 2 };
    const shown = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((t) => greenAt(t, plan, 1) ?? "red");
    expect(shown).toEqual([
      "northSouth",
      "northSouth",
      "northSouth",
      "red",
      "eastWest",
      "eastWest",
      "red",
      "northSouth",
      "northSouth",
    ]);
  });

  it("gives exact queues and waits for certain arrivals (hand-checked)", () => {
    // t0–2 green: each arrival leaves at once; t3–6 red: 3,4,5,6 queue; t7–9 green: 3,4,5 leave
    // after 4 s each while 7,8,9 join; at t=10, 6,7,8,9 have waited 4+3+2+1 s.
    const r = simulate(STEADY, { northSouth: 3, eastWest: 2 }, 0);
    expect(r.cycle).toBe(7);
    expect(r.byDirection.northSouth).toEqual({
      arrived: 10,
      departed: 6,
      meanWait: 2.2, // (0+0+0+4+4+4 + 4+3+2+1) / 10
      maxWait: 4,
      queueAtEnd: 4,
    });
    expect(r.byDirection.eastWest).toEqual({
      arrived: 0,
      departed: 0,
      meanWait: 0,
      maxWait: 0,
      queueAtEnd: 0,
    });
    expect(r.overall).toEqual({ arrived: 10, departed: 6, meanWait: 2.2, maxWait: 4, queueAtEnd: 4 });
  });

  it("discharges at the saturation flow: one vehicle per two seconds at 0.5", () => {
    // always green: arrivals 0,1,2,3; departures of 0 at t1 (1 s) and 1 at t3 (2 s); 2 and 3 wait 2 s and 1 s
    const r = simulate(
      { ...STEADY, saturationFlow: 0.5, allRed: 0, horizon: 4 },
      { northSouth: 4, eastWest: 1 },
      0,
    );
    expect(r.byDirection.northSouth).toEqual({
      arrived: 4,
      departed: 2,
      meanWait: 1.5,
      maxWait: 2,
      queueAtEnd: 2,
    });
  });

  it("is deterministic for a seed, and every plan sees the same vehicles", () => {
    const a = simulate(DEFAULT_SCENARIO, START_PLAN, 5);
    expect(simulate(DEFAULT_SCENARIO, START_PLAN, 5)).toEqual(a);
    const other = simulate(DEFAULT_SCENARIO, { northSouth: 50, eastWest: 20 }, 5);
    expect(other.byDirection.northSouth.arrived).toBe(a.byDirection.northSouth.arrived);
    expect(other.byDirection.eastWest.arrived).toBe(a.byDirection.eastWest.arrived);
    expect(simulate(DEFAULT_SCENARIO, START_PLAN, 6).overall.arrived).not.toBe(a.overall.arrived);
  });

  it("more green for an approach lowers its delay (seeded)", () => {
    const wait = (plan: SignalPlan) => simulate(DEFAULT_SCENARIO, plan, 1).byDirection;
    expect(wait({ northSouth: 45, eastWest: 30 }).northSouth.meanWait).toBeLessThan(
      wait({ northSouth: 30, eastWest: 30 }).northSouth.meanWait,
    );
    expect(wait({ northSouth: 50, eastWest: 25 }).eastWest.meanWait).toBeLessThan(
      wait({ northSouth: 50, eastWest: 15 }).eastWest.meanWait,
    );
  });

  it("refuses settings it cannot simulate", () => {
    expect(() =>
      simulate({ ...STEADY, arrivalRate: { northSouth: 1.5, eastWest: 0 } }, START_PLAN, 0),
    ).toThrow(SimulationConfigError);
    expect(() => simulate(STEADY, { northSouth: 2.5, eastWest: 3 }, 0)).toThrow(/plan\.northSouth/);
    expect(() => simulate(STEADY, START_PLAN, -1)).toThrow(/seed/);
  });

  it("feedback states the statistics per approach and the score", () => {
    const r = simulate(STEADY, { northSouth: 3, eastWest: 2 }, 0);
    expect(score(r)).toBeCloseTo(-2.2);
    const text = delayFeedback(r, { northSouth: 3, eastWest: 2 }, 1);
    expect(text).toContain("north–south: 10 vehicles arrived, 6 went through, mean wait 2.2 s");
    expect(text).toContain("4 still queued at the end");
    expect(text).toContain("Score -2.2");
  });
});

describe("green-time constraint", () => {
  it("accepts integers in [15, 90] and refuses everything else with a reason", () => {
    for (const ok of [15, 42, 90]) expect(greenTimeProblem(ok)).toBeUndefined();
    expect(greenTimeProblem(10)).toMatch(/between 15 and 90, got 10/);
    // a long suggestion (model output) is quoted only in part
    expect(greenTimeProblem("9".repeat(10_000))!.length).toBeLessThan(200);
    expect(greenTimeProblem(95)).toMatch(/got 95/);
    expect(greenTimeProblem(42.5)).toMatch(/integer.*got 42\.5/);
    expect(greenTimeProblem("40")).toMatch(/got "40"/);
  });

  it("an optimizer leaves a parameter unchanged when the value breaks it", () => {
    const greens = greenParameters(START_PLAN);
    expect(greens.northSouth.constraint).toBe("an integer number of seconds between 15 and 90");
    const optimizer = new OptoPrime([greens.northSouth, greens.eastWest]);
    const result = optimizer.apply(
      new Map([
        [greens.northSouth, 95],
        [greens.eastWest, 42.5],
      ]),
    );
    expect(result.applied).toEqual([]);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining("got 95"),
      expect.stringContaining("got 42.5"),
    ]);
    expect([greens.northSouth.data, greens.eastWest.data]).toEqual([30, 30]);
    expect(() => greenParameters({ northSouth: 10, eastWest: 30 })).toThrow(RangeError);
  });

  it("a step whose every answer breaks the constraint applies nothing (10 and 95, then 10 and 42.5)", async () => {
    for (const bad of [
      { northSouth: 10, eastWest: 95 },
      { northSouth: 10, eastWest: 42.5 },
    ]) {
      const run = await tuneSignal({
        model: (keys) => scriptedTrafficModel(keys, [{ ...bad, reasoning: "out of range" }]),
        steps: 1,
        log: () => {},
      });
      const report = run.reports[0]!;
      expect(report.applied).toEqual([]);
      expect(report.error).toBeDefined();
      expect(report.details?.attempts).toBe(3); // the first answer and two re-asks, all refused
      expect(JSON.stringify(report.details?.problems)).toContain("got 10");
      expect([run.greens.northSouth.data, run.greens.eastWest.data]).toEqual([30, 30]);
      expect(run.evaluations).toHaveLength(1);
    }
  });
});

describe("traffic example, scripted", () => {
  it("applies the scripted timings, refuses 95, and keeps the best", async () => {
    let model: ScriptedModel | undefined;
    const lines: string[] = [];
    const run = await tuneSignal({
      model: (keys) => {
        model = scriptedTrafficModel(keys);
        return model;
      },
      log: (l) => lines.push(l),
    });
    expect(run.optimizer).toBe("OptoPrime");
    expect(run.evaluations.map((e) => [e.plan.northSouth, e.plan.eastWest])).toEqual([
      [30, 30],
      [45, 25],
      [60, 20], // 95 was refused; the re-ask answered 60
      [50, 20],
      [55, 25],
      [60, 25],
    ]);
    expect(run.reports).toHaveLength(SCRIPTED_PROPOSALS.length + 1); // the last one: TERMINATE
    expect(JSON.stringify(run.reports[1]!.details?.problems)).toContain("got 95");
    expect(run.reports[1]!.applied.map((a) => a.after)).toEqual([60, 20]);
    // the best mean delay improves and the parameters end at the best timing, within the constraint
    const start = run.evaluations[0]!.meanWait;
    expect(run.best.meanWait).toBeLessThan(start / 4);
    expect(run.best.meanWait).toBe(Math.min(...run.evaluations.map((e) => e.meanWait)));
    expect([run.greens.northSouth.data, run.greens.eastWest.data]).toEqual([
      run.best.plan.northSouth,
      run.best.plan.eastWest,
    ]);
    for (const e of run.evaluations)
      for (const g of [e.plan.northSouth, e.plan.eastWest]) expect(greenTimeProblem(g)).toBeUndefined();
    // the model saw the constraint, the per-approach feedback, and (with memory) earlier tries
    const prompts = model!.calls.map((c) => c.request.messages.map((m) => m.content).join("\n"));
    expect(prompts[0]).toContain("between 15 and 90");
    expect(prompts[0]).toContain("still queued at the end");
    expect(prompts.at(-1)).toContain("#History");
    expect(
      lines.some((l) => /^step 2: refused .*got 95 \(not applied; the model was asked again\)$/.test(l)),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(/^best: green NS 60 s \/ EW 25 s/);
  });
});

describe("traffic command line", () => {
  it("parses --steps and --seed and refuses anything else", () => {
    expect(parseArgs([])).toEqual({ steps: 6, seed: 1 });
    expect(parseArgs(["--steps", "4", "--seed=9"])).toEqual({ steps: 4, seed: 9 });
    expect(() => parseArgs(["--steps", "0"])).toThrow(UsageError);
    expect(() => parseArgs(["--steps", "x"])).toThrow(/--steps must be an integer from 1 to 100, got "x"/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/);
  });

  it("runs offline with scripted responses and improves the delay", async () => {
    const run = await runExample("traffic/main.ts", ["--steps", "4"], {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
    expect(run.stdout).toContain("start:  green NS 30 s / EW 30 s");
    expect(run.stdout).toContain(
      "refused greenNorthSouth0: must be an integer number of seconds between 15 and 90, got 95",
    );
    expect(run.stdout).toMatch(/step 4: green NS 55 s \/ EW 25 s/);
    expect(lines.at(-1)).toMatch(/^best: green NS 50 s \/ EW 20 s, mean delay [\d.]+ s \(start [\d.]+ s\)/);
  }, 120_000);

  it("exits with code 2 on a bad argument, or a non-OptoPrime optimizer without a model", async () => {
    const bad = await runExample("traffic/main.ts", ["--steps", "zero"], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--steps must be an integer from 1 to 100");
    const textgrad = await runExample("traffic/main.ts", [], { TRACE_OPTIMIZER: "textgrad" });
    expect(textgrad.code).toBe(2);
    expect(textgrad.stderr).toContain("needs TRACE_MODEL");
  }, 120_000);
});
