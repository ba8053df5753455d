/**
 * Tuning the signal timing of an intersection: the green time of each approach is a trainable
 * integer; a (non-trainable) bundle runs the simulator with both, so the simulation result is a
 * traced node that depends on both parameters and feedback sent to it reaches them. Each step
 * sends the delay statistics backward, lets the optimizer (OptoPrime with #History by default)
 * propose new green times, simulates them, and keeps the best timing seen.
 */
import {
  bundle,
  createContainer,
  createOptimizer,
  type LanguageModel,
  type MessageNode,
  optimizerFromEnv,
  registerLanguageModel,
  type StepReport,
} from "@trace-ts/core";
import { registerOpro } from "@trace-ts/opro";
import { registerOptoPrime } from "@trace-ts/optoprime";
import { registerTextGrad } from "@trace-ts/textgrad";
import { ModelUnavailableError, stopReasonOfCode } from "@trace-ts/trainer";
import { delayFeedback, score, seconds } from "./feedback.js";
import { GREEN_CONSTRAINT, type GreenParameters, greenParameters } from "./parameters.js";
import {
  DIRECTIONS,
  type Direction,
  type Scenario,
  type SignalPlan,
  type SimulationResult,
  simulate,
} from "./simulator.js";

/**
 * The default intersection: north–south is busy (0.30 vehicles/s, about 1,080 an hour),
 * east–west light (0.12 vehicles/s); queues discharge at 0.5 vehicles/s (1,800 an hour) on green;
 * 4 s of all-red after each green; one hour simulated.
 */
export const DEFAULT_SCENARIO: Scenario = {
  arrivalRate: { northSouth: 0.3, eastWest: 0.12 },
  saturationFlow: 0.5,
  allRed: 4,
  horizon: 3600,
};

/** The timing the run starts from: an even split, too little green for the busy approach. */
export const START_PLAN: SignalPlan = { northSouth: 30, eastWest: 30 };

/** The optimizer's instruction. */
export const OBJECTIVE =
  "Choose the green time of each approach of the signalized intersection so that the overall mean wait per vehicle, measured by the simulation, is as low as possible.";

/** How many earlier steps OptoPrime shows the model as #History. */
export const MEMORY_SIZE = 5;

/** The traced simulation: one operation whose inputs are both green times, the scenario and the seed. */
export const simulateIntersection = bundle(
  function simulateIntersection(
    greenNorthSouth: number,
    greenEastWest: number,
    scenario: Scenario,
    seed: number,
  ): SimulationResult {
    return simulate(scenario, { northSouth: greenNorthSouth, eastWest: greenEastWest }, seed);
  },
  {
    description:
      "Simulates the intersection for scenario.horizon seconds with a fixed signal cycle (green north–south, all-red, green east–west, all-red) and returns the delay statistics per approach and overall.",
  },
);

/** One simulated timing. */
export interface Evaluation {
  /** The green times simulated. */
  readonly plan: SignalPlan;
  /** Overall mean wait per vehicle in seconds. */
  readonly meanWait: number;
  /** The score (minus the mean wait). */
  readonly score: number;
}

/** What a run did. */
export interface TrafficRun {
  /** The trained parameters (set to the best timing at the end). */
  readonly greens: GreenParameters;
  /** The starting timing's evaluation, then one per step that changed the timing. */
  readonly evaluations: readonly Evaluation[];
  /** The best timing seen. */
  readonly best: Evaluation;
  /** The optimizer's step reports. */
  readonly reports: readonly StepReport[];
  /** The optimizer's name (`OptoPrime` unless `TRACE_OPTIMIZER` chose another). */
  readonly optimizer: string;
}

/** Options of {@link tuneSignal}. */
export interface TuneOptions {
  /** The model, or a function building it from the parameters' keys (what the model must answer with). */
  readonly model: LanguageModel | ((keys: Readonly<Record<Direction, string>>) => LanguageModel);
  /** Optimizer steps (default 6). */
  readonly steps?: number;
  /** Seed of the simulated arrivals (default 1); every step simulates the same vehicles. */
  readonly seed?: number;
  /** The intersection (default {@link DEFAULT_SCENARIO}). */
  readonly scenario?: Scenario;
  /** The starting timing (default {@link START_PLAN}). */
  readonly start?: SignalPlan;
  /** Let `TRACE_OPTIMIZER` choose the optimizer (default false: OptoPrime). */
  readonly optimizerFromEnv?: boolean;
  /** Where lines are printed (default `console.log`). */
  readonly log?: (line: string) => void;
}

function planOf(greens: GreenParameters): SignalPlan {
  return { northSouth: greens.northSouth.data, eastWest: greens.eastWest.data };
}

function showPlan(plan: SignalPlan): string {
  return `green NS ${plan.northSouth} s / EW ${plan.eastWest} s`;
}

function showEvaluation(e: Evaluation): string {
  return `${showPlan(e.plan)} → mean delay ${seconds(e.meanWait)}, score ${e.score.toFixed(1)}`;
}

/** The reasons the step refused suggested values: OptoPrime's refused answers, else `rejected`. */
function refusals(report: StepReport): string[] {
  const problems: unknown = report.details?.problems;
  const lines: string[] = [];
  if (Array.isArray(problems))
    for (const answer of problems as unknown[])
      if (Array.isArray(answer))
        for (const p of answer as unknown[]) if (typeof p === "string") lines.push(p);
  if (lines.length > 0) return lines;
  return report.rejected.map((r) => `${r.key}: ${r.reason}`);
}

/**
 * Runs the tuning loop: simulate, send the delay feedback backward, step, simulate the new timing,
 * keep the best. Stops early when the optimizer suggests no change. At the end the parameters hold
 * the best timing seen.
 *
 * @throws ModelUnavailableError when the optimizer's model cannot be reached
 */
export async function tuneSignal(options: TuneOptions): Promise<TrafficRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  const scenario = options.scenario ?? DEFAULT_SCENARIO;
  const seed = options.seed ?? 1;
  const greens = greenParameters(options.start ?? START_PLAN);
  const keys = { northSouth: greens.northSouth.key, eastWest: greens.eastWest.key };

  const container = createContainer();
  registerLanguageModel(container, typeof options.model === "function" ? options.model(keys) : options.model);
  registerOptoPrime(container, { objective: OBJECTIVE, memorySize: MEMORY_SIZE });
  registerTextGrad(container, { objective: OBJECTIVE, asDefault: false });
  registerOpro(container, { objective: OBJECTIVE, asDefault: false });
  if (options.optimizerFromEnv) optimizerFromEnv(container);
  const optimizer = createOptimizer([greens.northSouth, greens.eastWest], container);

  const run = (): { output: MessageNode<SimulationResult>; evaluation: Evaluation } => {
    const output = simulateIntersection(greens.northSouth, greens.eastWest, scenario, seed);
    const result = output.data;
    return {
      output,
      evaluation: { plan: planOf(greens), meanWait: result.overall.meanWait, score: score(result) },
    };
  };

  let current = run();
  let best = current.evaluation;
  const evaluations: Evaluation[] = [current.evaluation];
  const reports: StepReport[] = [];
  log(`optimizer: ${optimizer.name}; arrivals seed ${seed}; each green time must be ${GREEN_CONSTRAINT}`);
  log(`start:  ${showEvaluation(current.evaluation)}`);
  for (let step = 1; step <= (options.steps ?? 6); step++) {
    optimizer.zeroFeedback();
    optimizer.backward(
      current.output,
      delayFeedback(current.output.data, current.evaluation.plan, scenario.allRed),
    );
    const report = await optimizer.step();
    reports.push(report);
    if (stopReasonOfCode(report.errorCode) === "outage")
      throw new ModelUnavailableError("optimizer", 1, report.error ?? String(report.errorCode));
    const outcome = report.error ? "not applied" : "not applied; the model was asked again";
    for (const reason of refusals(report)) log(`step ${step}: refused ${reason} (${outcome})`);
    if (report.error) {
      log(
        `step ${step}: nothing applied (${report.error}); the timing stays ${showPlan(current.evaluation.plan)}`,
      );
      continue;
    }
    if (report.applied.length === 0) {
      log(`step ${step}: the optimizer suggested no change; stopping`);
      break;
    }
    current = run();
    evaluations.push(current.evaluation);
    if (current.evaluation.score > best.score) best = current.evaluation;
    log(
      `step ${step}: ${showEvaluation(current.evaluation)}; best so far ${showPlan(best.plan)} (${seconds(best.meanWait)})`,
    );
  }
  for (const d of DIRECTIONS) if (greens[d].data !== best.plan[d]) greens[d].data = best.plan[d];
  log(
    `best: ${showPlan(best.plan)}, mean delay ${seconds(best.meanWait)} ` +
      `(start ${seconds(evaluations[0]!.meanWait)}); the parameters now hold it`,
  );
  return { greens, evaluations, best, reports, optimizer: optimizer.name };
}
