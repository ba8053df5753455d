/**
 * Search benchmark (issue [search]): how well each training algorithm finds the known optimum of
 * three synthetic tasks for a given number of optimizer proposals, with a seeded noisy proposer
 * standing in for the language model (see search/noisy-proposer.ts and search/tasks.ts). Reports,
 * per task and algorithm, the exact validation value of the parameters in effect at several
 * proposal budgets (mean and quartiles over seeds) and how many proposals it took to close 95% of
 * the gap between the starting value and the optimum. Run: `npm run bench -- search`.
 */
import { searchAlgorithms } from "./search/algorithms.js";
import { type AlgorithmRow, runSearch, type TaskResult } from "./search/run.js";
import { searchTasks } from "./search/tasks.js";
import { formatNumber, printTable } from "./util.js";

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const BUDGETS = [8, 16, 32, 64];
const QUALITY = 0.7;
const TARGET_FRACTION = 0.95;
const CONCURRENCY = 4;

/** Runs the search benchmark and prints one table per task. */
export async function runSearchBench(): Promise<void> {
  const { entries, missing } = await searchAlgorithms();
  console.log("command: npm run bench -- search");
  console.log(
    "These are synthetic tasks with a simulated proposer (seeded perturbations guided by hint phrases " +
      "in the feedback), not language models: they compare search strategies, not model quality.",
  );
  console.log(
    `seeds ${SEEDS[0]}–${SEEDS.at(-1)} (${SEEDS.length}; each is the run's and the proposer's seed), ` +
      `proposer quality ${QUALITY} (probability of following the feedback's hint), proposal budgets ${BUDGETS.join(", ")}, ` +
      `concurrency ${CONCURRENCY}`,
  );
  console.log(
    "value = exact validation value of the parameters in effect after the last step within the budget " +
      `(at ${BUDGETS.at(-1)}: the parameters train() left in effect, best restored); mean [25th–75th percentile] over seeds`,
  );
  if (missing.length > 0)
    console.log(`not in this build of @trace-ts/trainer (skipped): ${missing.join(", ")}`);
  const started = performance.now();
  const results = await runSearch({
    tasks: searchTasks,
    algorithms: entries,
    seeds: SEEDS,
    budgets: BUDGETS,
    quality: QUALITY,
    targetFraction: TARGET_FRACTION,
    concurrency: CONCURRENCY,
  });
  for (const result of results) printTask(result);
  console.log(
    `\n${results.length * entries.length * SEEDS.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

function printTask(result: TaskResult): void {
  const { task } = result;
  const optimum = Object.entries(task.optimum.values)
    .map(([name, v]) => `${name} = ${formatNumber(v)}`)
    .join(", ");
  console.log(`\n### ${task.name}: ${task.description}`);
  console.log(
    `known optimum ${formatNumber(task.optimum.value)} at ${optimum}; start ${formatNumber(result.initial)}; ` +
      `target ${formatNumber(result.target)} (${TARGET_FRACTION * 100}% of the way from start to optimum)` +
      (task.objective ? "; value = objective score − λ·cost" : "; value = mean score"),
  );
  const largest = BUDGETS.at(-1)!;
  printTable(
    ["algorithm", ...BUDGETS.map((b) => `@${b}`), "to target (median)", "reached"],
    result.rows.map((row) => [
      row.algorithm,
      ...row.budgets.map((b) => `${formatNumber(b.mean)} [${formatNumber(b.p25)}–${formatNumber(b.p75)}]`),
      toTarget(row, largest),
      `${row.reached}/${row.runs.length}`,
    ]),
  );
}

function toTarget(row: AlgorithmRow, largest: number): string {
  if (row.medianToTarget === null) return row.reached === 0 ? "—" : `>${largest}`;
  return formatNumber(row.medianToTarget);
}
