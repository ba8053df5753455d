/**
 * Repairing a buggy function from test feedback: `median` is a trainable bundle whose code has
 * bugs; each step runs a small test table, sends the failures (or the thrown error) backward and
 * lets OptoPrime rewrite the function. Suggested code may be TypeScript; it is type-stripped,
 * compiled once and run in a sandbox.
 */
import {
  bundle,
  createContainer,
  createOptimizer,
  type ExceptionNode,
  ExecutionError,
  type LanguageModel,
  type MessageNode,
  registerLanguageModel,
  type StepReport,
} from "@trace-ts/core";
import { registerOptoPrime } from "@trace-ts/optoprime";

/** The test table: input and expected median. */
export const CASES: readonly { readonly values: readonly number[]; readonly expected: number }[] = [
  { values: [3, 1, 2], expected: 2 },
  { values: [5, 1, 4, 2], expected: 3 },
  { values: [7], expected: 7 },
  { values: [10, 9, 2], expected: 9 },
];

/** Builds a fresh buggy `median` (forgets to sort; wrong for an even number of values). */
export function buggyMedian() {
  return bundle(
    function median(values: readonly number[]): number {
      const middle = Math.floor(values.length / 2);
      return values[middle]!;
    },
    { trainable: true, description: "Returns the median of a list of numbers." },
  );
}

/** What a repair run did. */
export interface RepairRun {
  /** The repaired function. */
  readonly median: ReturnType<typeof buggyMedian>;
  /** Failing cases per round (0 at the end when repaired). */
  readonly failures: readonly number[];
  /** The optimizer's step reports. */
  readonly reports: readonly StepReport[];
}

/** Runs the tests and repairs `median` until they pass (or `steps` run out). */
export async function repairMedian(options: {
  /** The model, or a function building it from the code parameter's key. */
  model: LanguageModel | ((codeKey: string) => LanguageModel);
  steps?: number;
  log?: (line: string) => void;
}): Promise<RepairRun> {
  const log = options.log ?? ((l: string) => console.log(l));
  const median = buggyMedian();
  const container = createContainer();
  const code = median.parameter!;
  registerLanguageModel(
    container,
    typeof options.model === "function" ? options.model(code.key) : options.model,
  );
  registerOptoPrime(container, { objective: "Make median pass every test case." });
  const optimizer = createOptimizer([code], container);
  const failures: number[] = [];
  const reports: StepReport[] = [];
  for (let step = 1; step <= (options.steps ?? 5); step++) {
    optimizer.zeroFeedback();
    const results: { output: MessageNode; feedback: string; ok: boolean }[] = [];
    for (const c of CASES) {
      try {
        const output = median([...c.values]);
        const ok = output.data === c.expected;
        const feedback = ok
          ? "Test passed."
          : `Test failed: median(${JSON.stringify(c.values)}) returned ${output.data}, expected ${c.expected}.`;
        results.push({ output, feedback, ok });
      } catch (error) {
        if (!(error instanceof ExecutionError)) throw error;
        const output: ExceptionNode = error.exceptionNode;
        results.push({ output, feedback: output.errorFeedback(), ok: false });
      }
    }
    const failed = results.filter((r) => !r.ok);
    failures.push(failed.length);
    log(`round ${step}: ${CASES.length - failed.length}/${CASES.length} tests pass`);
    for (const r of failed) log(`  ${r.feedback.split("\n")[0]}`);
    if (failed.length === 0) break;
    for (const r of results) optimizer.backward(r.output, r.feedback);
    const report = await optimizer.step();
    reports.push(report);
    if (report.error) log(`  step ${report.step}: nothing applied (${report.error})`);
    else for (const a of report.applied) log(`  new code:\n${String(a.after).replace(/^/gm, "    ")}`);
  }
  return { median, failures, reports };
}
