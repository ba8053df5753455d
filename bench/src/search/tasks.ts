/**
 * Synthetic search tasks with known optima, for the search benchmark. Each builds fresh traced
 * parameters, a forward function, a guide whose feedback carries direction hints (`hint: increase
 * x`, see hints.ts) and train/validation sets, and computes the exact validation value of any
 * parameter set (`trueScore`) without running anything.
 *
 * - `multimodal`: one number with three bumps; the hints follow the local slope, so greedy search
 *   climbs the nearest bump and only exploration finds the highest one.
 * - `per-example`: four kinds of examples, one integer rule per kind; the hints name the rule of
 *   each example's kind, and a careless edit of one rule may break another.
 * - `accuracy-cost`: one "effort"; accuracy rises with diminishing returns, cost linearly; the run
 *   maximizes `score − λ·cost`, best where marginal accuracy equals λ × marginal cost.
 */
import { graphScope, node, ops, type ParameterNode } from "@trace-ts/core";
import {
  type Example,
  guide,
  type TrainConfig,
  type TrainResult,
  train,
  type WeightedObjective,
} from "@trace-ts/trainer";
import { baseName, hintText } from "./hints.js";
import type { ParameterSpec } from "./noisy-proposer.js";

/** Parameter values by base name (`x` for node `x:0`). */
export type Values = Readonly<Record<string, number>>;

/** Everything of a `train()` call a task does not decide itself (tasks have no test set). */
export type RunSettings = Omit<TrainConfig, "forward" | "guide" | "train" | "validation" | "test">;

/** One run's set-up of a task: fresh parameters and a way to train them. */
export interface TaskRun {
  /** The trainable parameters (made in a fresh naming scope: `x:0`, `rule0:0`, …). */
  readonly parameters: readonly ParameterNode[];
  /**
   * Trains with the task's forward function, guide and data (and objective, when it has one).
   * @param settings the rest of the configuration (optimizer, algorithm, seed, …)
   */
  train(settings: RunSettings): Promise<TrainResult>;
}

/** A synthetic task with a known optimum. */
export interface SearchTask {
  /** Short name (table titles, `--task`). */
  readonly name: string;
  /** One line on what makes it hard. */
  readonly description: string;
  /** How the proposer may move each parameter. */
  readonly specs: Readonly<Record<string, ParameterSpec>>;
  /** Starting values. */
  readonly initial: Values;
  /** Values with the best validation value, and that value. */
  readonly optimum: { readonly values: Values; readonly value: number };
  /** Examples per training step. */
  readonly batchSize: number;
  /** The run's objective, when it is not the guide's score alone. */
  readonly objective?: WeightedObjective;
  /**
   * The exact validation value of a parameter set (the objective's value of the mean metrics
   * over the validation set; the mean score without an objective).
   * @param values values by base name
   */
  trueScore(values: Values): number;
  /** Fresh parameters at `initial` and the training call. */
  setup(): TaskRun;
}

/**
 * The values of parameters by base name.
 * @param parameters the parameters
 */
export function valuesOf(parameters: readonly ParameterNode[]): Values {
  return Object.fromEntries(parameters.map((p) => [baseName(p.name), p.data as number]));
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Examples with ids `<prefix><i>`. */
function examples<I>(prefix: string, inputs: readonly I[]): Example<I, undefined>[] {
  return inputs.map((input, i) => ({ id: `${prefix}${i}`, input }));
}

/**
 * The maximizer of `f` on [lo, hi]: the best point of a grid of `points`, refined by golden-section
 * search in the grid cell around it (f is smooth and unimodal near its maximum).
 */
function maximize(f: (x: number) => number, lo: number, hi: number, points = 2001): number {
  let best = lo;
  for (let i = 0; i < points; i++) {
    const x = lo + ((hi - lo) * i) / (points - 1);
    if (f(x) > f(best)) best = x;
  }
  const cell = (hi - lo) / (points - 1);
  let a = Math.max(lo, best - cell);
  let b = Math.min(hi, best + cell);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (f(c) >= f(d)) b = d;
    else a = c;
  }
  const x = (a + b) / 2;
  return f(x) >= f(best) ? x : best;
}

// ---------------------------------------------------------------------------------------------
// multimodal

/** The bumps of `multimodal`: the global one is the highest and the narrowest, farthest away. */
const BUMPS = [
  { center: 2, height: 0.5, width: 0.8 },
  { center: 5, height: 0.7, width: 0.7 },
  { center: 8.2, height: 1, width: 0.45 },
] as const;
const bumps = (x: number) =>
  BUMPS.reduce((s, b) => s + b.height * Math.exp(-((x - b.center) ** 2) / (2 * b.width ** 2)), 0);
const slope = (x: number) =>
  BUMPS.reduce(
    (s, b) =>
      s - (b.height * (x - b.center) * Math.exp(-((x - b.center) ** 2) / (2 * b.width ** 2))) / b.width ** 2,
    0,
  );
/** Each example reads the landscape at `x + shift`: training and validation see it slightly blurred. */
const MULTI_TRAIN = [-0.3, -0.25, -0.2, -0.15, -0.1, -0.05, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
const MULTI_VALIDATION = [-0.28, -0.18, -0.08, 0, 0.08, 0.18, 0.28, 0.02];
const multiValue = (x: number) => mean(MULTI_VALIDATION.map((s) => bumps(x + s)));
const multiBest = maximize(multiValue, 0, 10);
const MULTI_START = 1;

/** `multimodal`: maximize a sum of three bumps over x ∈ [0, 10], starting at 1. */
export const multimodal: SearchTask = {
  name: "multimodal",
  description: "x in [0, 10], three bumps (0.5 at 2, 0.7 at 5, 1.0 at 8.2); hints follow the local slope",
  specs: { x: { min: 0, max: 10, step: 0.5, jump: 3.5 } },
  initial: { x: MULTI_START },
  optimum: { values: { x: multiBest }, value: multiValue(multiBest) },
  batchSize: 4,
  trueScore: (values) => multiValue(values.x!),
  setup() {
    const x = graphScope(() =>
      node(MULTI_START, { trainable: true, name: "x", description: "the position" }),
    );
    const check = guide(
      (out: number) => {
        const score = bumps(out);
        const direction = slope(out) >= 0 ? "increase" : "decrease";
        return {
          score,
          feedback: `Height ${score.toFixed(3)} at ${out.toFixed(3)}; ${hintText("x", direction)}.`,
        };
      },
      { name: "bumps" },
    );
    return {
      parameters: [x],
      train: (settings) =>
        train({
          ...settings,
          forward: (shift: number) => ops.add(x, shift),
          guide: check,
          train: examples("t", MULTI_TRAIN),
          validation: examples("v", MULTI_VALIDATION),
        }),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// per-example

/** The value each kind's rule must have. */
const RULE_TARGETS = [2, 7, 4, 9] as const;
const RULE_NAMES = RULE_TARGETS.map((_, k) => `rule${k}`);
const RULE_START = 0;
/** Partial credit: 1 at the target, 0.2 less per unit away. */
const ruleScore = (value: number, kind: number) => Math.max(0, 1 - Math.abs(value - RULE_TARGETS[kind]!) / 5);
const kinds = (perKind: number) => Array.from({ length: 4 * perKind }, (_, i) => i % 4);
const RULE_TRAIN = kinds(4);
const RULE_VALIDATION = kinds(2);
const ruleValue = (values: Values) => mean(RULE_VALIDATION.map((k) => ruleScore(values[RULE_NAMES[k]!]!, k)));

/** `per-example`: four integer rules, each right for one kind of example; start all at 0. */
export const perExample: SearchTask = {
  name: "per-example",
  description: `4 kinds of examples, rule k in 0..9 must equal [${RULE_TARGETS.join(", ")}][k]; hints name one rule each`,
  specs: Object.fromEntries(RULE_NAMES.map((n) => [n, { min: 0, max: 9, step: 2, jump: 3, integer: true }])),
  initial: Object.fromEntries(RULE_NAMES.map((n) => [n, RULE_START])),
  optimum: {
    values: Object.fromEntries(RULE_NAMES.map((n, k) => [n, RULE_TARGETS[k]!])),
    value: ruleValue(Object.fromEntries(RULE_NAMES.map((n, k) => [n, RULE_TARGETS[k]!]))),
  },
  batchSize: 4,
  trueScore: ruleValue,
  setup() {
    const rules = graphScope(() =>
      RULE_NAMES.map((name, k) =>
        node(RULE_START, { trainable: true, name, description: `the rule of kind ${k}` }),
      ),
    );
    const check = guide(
      (out: number, example: Example<number, undefined>) => {
        const kind = example.input;
        const target = RULE_TARGETS[kind]!;
        const score = ruleScore(out, kind);
        if (out === target) return { score, feedback: `Kind ${kind}: correct.` };
        const direction = out < target ? "increase" : "decrease";
        return {
          score,
          feedback: `Kind ${kind}: answer ${out} is wrong; ${hintText(RULE_NAMES[kind]!, direction)}.`,
        };
      },
      { name: "rules" },
    );
    return {
      parameters: rules,
      train: (settings) =>
        train({
          ...settings,
          forward: (kind: number) => ops.identity(rules[kind]!),
          guide: check,
          train: examples("t", RULE_TRAIN),
          validation: examples("v", RULE_VALIDATION),
        }),
    };
  },
};

// ---------------------------------------------------------------------------------------------
// accuracy-cost

/** Difficulty of each example: accuracy at effort e is 1 − exp(−e / difficulty). */
const COST_TRAIN = [1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 1.2, 2.2, 4.5];
const COST_VALIDATION = [1, 1.8, 2.6, 3.4, 4.2, 5.5, 2, 3];
/** Cost per unit of effort (the guide's `cost` metric is `COST_PER_EFFORT × effort`). */
const COST_PER_EFFORT = 0.01;
/** Weight of cost in the objective (`score − LAMBDA·cost`). */
const LAMBDA = 3;
const EFFORT_START = 0.2;
const accuracy = (effort: number, difficulty: number) => 1 - Math.exp(-effort / difficulty);
const costValue = (effort: number) =>
  mean(COST_VALIDATION.map((d) => accuracy(effort, d))) - LAMBDA * COST_PER_EFFORT * effort;
/** Marginal accuracy minus λ × marginal cost: zero at the optimum. */
const costMargin = (effort: number) =>
  mean(COST_VALIDATION.map((d) => Math.exp(-effort / d) / d)) - LAMBDA * COST_PER_EFFORT;
const costBest = (() => {
  // the margin falls with effort: bisect for its zero
  let lo = 0;
  let hi = 30;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (costMargin(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
})();

/**
 * The derivative of the accuracy-cost task's validation value at `effort` (zero at the optimum).
 * @param effort the effort
 */
export function accuracyCostMargin(effort: number): number {
  return costMargin(effort);
}

/** `accuracy-cost`: effort in [0, 30] from 0.2; the run's objective is `score − 3·cost`. */
export const accuracyCost: SearchTask = {
  name: "accuracy-cost",
  description: `effort in [0, 30]; accuracy 1 − exp(−effort/difficulty), cost ${COST_PER_EFFORT}·effort; objective score − ${LAMBDA}·cost`,
  specs: { effort: { min: 0, max: 30, step: 1, jump: 4 } },
  initial: { effort: EFFORT_START },
  optimum: { values: { effort: costBest }, value: costValue(costBest) },
  batchSize: 4,
  objective: { kind: "weighted", weights: { score: 1, cost: LAMBDA }, minimize: ["cost"] },
  trueScore: (values) => costValue(values.effort!),
  setup() {
    const effort = graphScope(() =>
      node(EFFORT_START, { trainable: true, name: "effort", description: "how much work each answer gets" }),
    );
    const check = guide(
      (relative: number, example: Example<number, undefined>) => {
        const difficulty = example.input;
        const spent = relative * difficulty;
        const score = 1 - Math.exp(-relative);
        const cost = COST_PER_EFFORT * spent;
        // more effort pays off while the accuracy it adds beats what it costs
        const direction =
          Math.exp(-relative) / difficulty > LAMBDA * COST_PER_EFFORT ? "increase" : "decrease";
        return {
          score,
          feedback: `Accuracy ${score.toFixed(3)} at cost ${cost.toFixed(4)}; ${hintText("effort", direction)}.`,
          metrics: { cost },
        };
      },
      { name: "accuracy-cost" },
    );
    return {
      parameters: [effort],
      train: (settings) =>
        train({
          ...settings,
          objective: accuracyCost.objective,
          forward: (difficulty: number) => ops.divide(effort, difficulty),
          guide: check,
          train: examples("t", COST_TRAIN),
          validation: examples("v", COST_VALIDATION),
        }),
    };
  },
};

/** The three tasks, in table order. */
export const searchTasks: readonly SearchTask[] = [multimodal, perExample, accuracyCost];
