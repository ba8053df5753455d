/**
 * The search benchmark's runner: trains every algorithm on every task once per seed with the
 * seeded noisy proposer, stops each run when it has used the largest proposal budget, and records
 * the exact validation value of the parameters in effect after every step.
 */
import type { StopReason } from "@trace-ts/trainer";
import type { AlgorithmEntry } from "./algorithms.js";
import { NoisyProposer } from "./noisy-proposer.js";
import { mean, medianWithMisses, quantile } from "./stats.js";
import { type SearchTask, valuesOf } from "./tasks.js";

/** Options of `runSearch`. */
export interface SearchBenchOptions {
  /** The tasks. */
  readonly tasks: readonly SearchTask[];
  /** The algorithms. */
  readonly algorithms: readonly AlgorithmEntry[];
  /** Seeds: each is both the run's seed and the proposer's. */
  readonly seeds: readonly number[];
  /** Proposal budgets at which values are reported, ascending; the last one ends each run. */
  readonly budgets: readonly number[];
  /** The proposer's probability of following the feedback's hints. */
  readonly quality: number;
  /**
   * Fraction of the gap between the starting value and the known optimum a run must close to
   * count as "reached" (default 0.95).
   */
  readonly targetFraction?: number;
  /** Examples in flight at once (default 4). */
  readonly concurrency?: number;
  /** Most steps of a run, a safeguard for runs that stop proposing (default 400). */
  readonly maxSteps?: number;
}

/** The value of the parameters in effect once a run had used `proposals` proposals. */
export interface CurvePoint {
  /** Proposals used so far. */
  readonly proposals: number;
  /** The task's exact validation value of the parameters in effect. */
  readonly value: number;
}

/** One training run (one task, algorithm and seed). */
export interface SeedRun {
  /** The seed. */
  readonly seed: number;
  /** The value after every step (from the starting point, proposals 0). */
  readonly curve: readonly CurvePoint[];
  /** The value of the parameters `train()` left in effect (the best ones, restored). */
  readonly final: number;
  /** Proposals used in all. */
  readonly proposals: number;
  /** The value at each budget: after the last step within it; at the largest, `final`. */
  readonly atBudget: readonly number[];
  /** Proposals used when the value first reached the target (null: never). */
  readonly toTarget: number | null;
  /** Why the run stopped (`cancelled` once the budget is used). */
  readonly reason: StopReason;
  /** Steps taken. */
  readonly steps: number;
}

/** Quartiles and mean of the values at one budget. */
export interface BudgetSummary {
  /** The budget (proposals). */
  readonly budget: number;
  /** Mean over seeds. */
  readonly mean: number;
  /** First quartile over seeds. */
  readonly p25: number;
  /** Third quartile over seeds. */
  readonly p75: number;
}

/** One algorithm's results on one task. */
export interface AlgorithmRow {
  /** The algorithm's label. */
  readonly algorithm: string;
  /** One summary per budget. */
  readonly budgets: readonly BudgetSummary[];
  /** Median over seeds of the proposals needed to reach the target (null: most never did). */
  readonly medianToTarget: number | null;
  /** Seeds that reached the target. */
  readonly reached: number;
  /** Every run. */
  readonly runs: readonly SeedRun[];
}

/** The results of one task. */
export interface TaskResult {
  /** The task. */
  readonly task: SearchTask;
  /** The value of the starting parameters. */
  readonly initial: number;
  /** The value a run must reach to count as "reached" (`targetFraction` of the way to the optimum). */
  readonly target: number;
  /** One row per algorithm. */
  readonly rows: readonly AlgorithmRow[];
}

/**
 * Trains one algorithm on one task with one seed until the proposer has answered `budget`
 * proposals (or the run stops by itself).
 *
 * @param task the task
 * @param entry the algorithm
 * @param seed run and proposer seed
 * @param budget most proposals
 * @param options quality, concurrency, step limit and target
 */
export async function runOnce(
  task: SearchTask,
  entry: AlgorithmEntry,
  seed: number,
  budget: number,
  options: { quality: number; target: number; concurrency?: number; maxSteps?: number },
): Promise<Omit<SeedRun, "atBudget">> {
  const run = task.setup();
  const proposer = new NoisyProposer(run.parameters, {
    seed,
    quality: options.quality,
    specs: task.specs,
    limit: budget,
  });
  const controller = new AbortController();
  const curve: CurvePoint[] = [{ proposals: 0, value: task.trueScore(valuesOf(run.parameters)) }];
  const result = await run.train({
    optimizer: proposer,
    algorithm: entry.make(),
    seed,
    batchSize: task.batchSize,
    maxSteps: options.maxSteps ?? 400,
    concurrency: options.concurrency ?? 4,
    progress: false,
    signal: controller.signal,
    onRecord(record) {
      if (record.type !== "step") return;
      curve.push({ proposals: proposer.answered, value: task.trueScore(valuesOf(run.parameters)) });
      // stop between steps once the budget is used: the run ends cleanly as `cancelled`
      if (proposer.asked >= budget) controller.abort();
    },
  });
  const final = task.trueScore(valuesOf(run.parameters));
  const points = [...curve, { proposals: proposer.answered, value: final }];
  const hit = points.find((p) => p.value >= options.target);
  return {
    seed,
    curve,
    final,
    proposals: proposer.answered,
    toTarget: hit === undefined ? null : hit.proposals,
    reason: result.reason,
    steps: result.steps,
  };
}

/**
 * The value at each budget: after the last step that stayed within it; at the largest budget, the
 * parameters `train()` left in effect.
 *
 * @param run the run's curve and final value
 * @param budgets ascending budgets
 */
export function valuesAtBudgets(run: Pick<SeedRun, "curve" | "final">, budgets: readonly number[]): number[] {
  return budgets.map((budget, i) => {
    if (i === budgets.length - 1) return run.final;
    let value = run.curve[0]!.value;
    for (const point of run.curve) if (point.proposals <= budget) value = point.value;
    return value;
  });
}

/**
 * Runs every algorithm on every task for every seed and summarizes the runs.
 * @param options tasks, algorithms, seeds, budgets and proposer quality
 */
export async function runSearch(options: SearchBenchOptions): Promise<TaskResult[]> {
  const budgets = options.budgets;
  if (
    budgets.length === 0 ||
    budgets.some((b, i) => !Number.isInteger(b) || b < 1 || (i > 0 && b <= budgets[i - 1]!))
  )
    throw new RangeError(`budgets must be ascending positive integers, got ${budgets.join(", ")}`);
  const largest = budgets[budgets.length - 1]!;
  const results: TaskResult[] = [];
  for (const task of options.tasks) {
    const initial = task.trueScore(task.initial);
    const target = initial + (options.targetFraction ?? 0.95) * (task.optimum.value - initial);
    const rows: AlgorithmRow[] = [];
    for (const entry of options.algorithms) {
      const runs: SeedRun[] = [];
      for (const seed of options.seeds) {
        const run = await runOnce(task, entry, seed, largest, {
          quality: options.quality,
          target,
          ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
          ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
        });
        runs.push({ ...run, atBudget: valuesAtBudgets(run, budgets) });
      }
      rows.push({
        algorithm: entry.name,
        budgets: budgets.map((budget, i) => {
          const values = runs.map((r) => r.atBudget[i]!);
          return { budget, mean: mean(values), p25: quantile(values, 0.25), p75: quantile(values, 0.75) };
        }),
        medianToTarget: medianWithMisses(runs.map((r) => r.toTarget)),
        reached: runs.filter((r) => r.toTarget !== null).length,
        runs,
      });
    }
    results.push({ task, initial, target, rows });
  }
  return results;
}
