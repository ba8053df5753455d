/**
 * The evaluation protocol of the Trace paper's BBH experiment, per task:
 *
 * 1. split the task in file order: 15 train, 5 validation, the rest test (data.ts);
 * 2. evaluate a fresh solver on the test split (zero-shot: before training);
 * 3. train it with `train()` on the 15 training examples — minibatch steps with
 *    `keepIfImproves` (an update is kept only when the validation score rises, otherwise it is
 *    reverted) and `restoreBest` (the parameters with the best validation score are put back at
 *    the end), feedback that says what answer was expected (metric.ts);
 * 4. evaluate on the test split again (the trainer's final `test` evaluation).
 *
 * Each task writes `<out>/<task>/log.jsonl` (the trainer's run log), `checkpoint.json` next to it
 * and `summary.json` (accuracies before and after, and the parameters before and after).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createContainer,
  createOptimizer,
  type LanguageModel,
  registerLanguageModel,
  UsageTracker,
  useOptimizer,
} from "@trace-ts/core";
import { trackUsage, wrapModel } from "@trace-ts/core/llm";
import { formatValue } from "@trace-ts/core/optimizer";
import { registerOpro } from "@trace-ts/opro";
import { registerOptoPrime } from "@trace-ts/optoprime";
import { registerTextGrad } from "@trace-ts/textgrad";
import {
  evaluate,
  type Forward,
  ModelUnavailableError,
  minibatch,
  type RunLogRecord,
  train,
} from "@trace-ts/trainer";
import { type BbhTask, splitTask } from "./data.js";
import { bbhGuide } from "./metric.js";
import { createPredict, type Predict, predictParameters } from "./predict.js";

/** The optimizers the harness can use, by their registered names. */
export const OPTIMIZER_NAMES = ["optoprime", "textgrad", "opro"] as const;

/** One of `OPTIMIZER_NAMES`. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** What the optimizers are told to achieve. */
export const OBJECTIVE =
  "Change the prompt template and the code of createPrompt and extractAnswer so that the program " +
  "returns exactly the expected answer for every question (the feedback says what was expected).";

/** How to run the protocol. */
export interface ProtocolOptions {
  /** The language model of the solver and the optimizer, or a function making one per task. */
  readonly model: LanguageModel | ((task: BbhTask, agent: Predict) => LanguageModel);
  /** The optimizer (default optoprime). */
  readonly optimizer?: OptimizerName;
  /** The chain-of-thought variant (default false). */
  readonly cot?: boolean;
  /** Passes over the 15 training examples (default 1). */
  readonly epochs?: number;
  /** Most optimizer steps per task (default: no limit besides `epochs`). */
  readonly steps?: number;
  /** Training examples per step (default 3). */
  readonly batchSize?: number;
  /** Seed of the order of training examples (default 0). */
  readonly seed?: number;
  /** Questions in flight at once (default 4). */
  readonly concurrency?: number;
  /** Directory of the run: each task writes to `<out>/<task>/`. */
  readonly out: string;
  /** Where progress goes (default console.log). */
  readonly log?: (line: string) => void;
}

/** Accuracy on the test split, with the score of each example. */
export interface TestAccuracy {
  /** Correct answers divided by the size of the test split. */
  readonly accuracy: number;
  /** How many answers were correct. */
  readonly correct: number;
  /** 1 or 0 per test example, in file order. */
  readonly scores: readonly number[];
}

/** A parameter's value before and after training. */
export interface ParameterChange {
  /** The starting value (for code: the source). */
  readonly before: string;
  /** The value after training (the best validation parameters). */
  readonly after: string;
}

/** What the protocol did for one task. */
export interface TaskResult {
  /** The task's name. */
  readonly task: string;
  /** Sizes of its three splits. */
  readonly sizes: { readonly train: number; readonly validation: number; readonly test: number };
  /** Test accuracy of the starting solver. */
  readonly before: TestAccuracy;
  /** Test accuracy after training (best validation parameters). */
  readonly after: TestAccuracy;
  /** Optimizer steps taken. */
  readonly steps: number;
  /** Why training stopped (the trainer's reason: `completed`, `max-steps`, …). */
  readonly reason: string;
  /** The three trainable parameters before and after. */
  readonly parameters: {
    readonly template: ParameterChange;
    readonly createPrompt: ParameterChange;
    readonly extractAnswer: ParameterChange;
  };
  /** Tokens and model calls of the task (solver and optimizer). */
  readonly totals: { readonly tokens: number; readonly calls: number };
  /** The task's output directory: log.jsonl, checkpoint.json, summary.json. */
  readonly dir: string;
}

function accuracyOf(scores: readonly number[]): TestAccuracy {
  const correct = scores.filter((s) => s === 1).length;
  return { accuracy: scores.length === 0 ? 0 : correct / scores.length, correct, scores: [...scores] };
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Prints the trainer's records as they come: the initial validation score and each step. */
function reporter(log: (line: string) => void): (record: RunLogRecord) => void {
  return (record) => {
    if (record.type === "eval" && record.label === "initial") {
      log(`  validation before training: ${percent(record.mean)}`);
    }
    if (record.type !== "step") return;
    const batch = record.batch.scores;
    const outcome = record.skipped
      ? "batch all correct, no optimizer call"
      : record.kept
        ? "update kept"
        : (record.note ?? "no update");
    log(
      `  step ${record.step}: ${batch.filter((s) => s === 1).length}/${batch.length} of the batch correct; ${outcome}` +
        `${record.score?.on === "validation" ? `; validation ${percent(record.score.value)}` : ""}`,
    );
    const wrong = record.batch.feedback.find((f) => f.startsWith("Incorrect"));
    if (wrong && !record.skipped) log(`    feedback e.g.: ${formatValue(wrong, 150)}`);
  };
}

/**
 * The files an earlier run left in `out` for these tasks (a run log or checkpoint): the trainer
 * refuses to overwrite them, so the harness checks before it starts.
 * @param out the run's directory
 * @param tasks the tasks to run
 */
export function earlierRunFiles(out: string, tasks: readonly BbhTask[]): string[] {
  return tasks
    .flatMap((t) => ["log.jsonl", "checkpoint.json"].map((f) => join(out, t.name, f)))
    .filter((file) => existsSync(file));
}

/**
 * Runs the protocol on one task.
 * @param task the task
 * @param options model, optimizer, variant, limits, output directory
 * @throws ModelUnavailableError when the model could not be used (the run stopped)
 */
export async function runTask(task: BbhTask, options: ProtocolOptions): Promise<TaskResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const split = splitTask(task);
  const dir = join(options.out, task.name);
  mkdirSync(dir, { recursive: true });

  const container = createContainer();
  const agent = createPredict(container, options.cot ?? false);
  const parameters = predictParameters(agent);
  const startValues = {
    template: parameters.template.data,
    createPrompt: parameters.createPrompt.data,
    extractAnswer: parameters.extractAnswer.data,
  };
  const usage = new UsageTracker();
  const model = typeof options.model === "function" ? options.model(task, agent) : options.model;
  registerLanguageModel(container, wrapModel(model, trackUsage(usage)));
  registerOptoPrime(container, { objective: OBJECTIVE });
  registerTextGrad(container, { objective: OBJECTIVE, asDefault: false });
  registerOpro(container, { objective: OBJECTIVE, asDefault: false });
  useOptimizer(container, options.optimizer ?? "optoprime");
  const optimizer = createOptimizer(agent.parameters(), container);

  const forward: Forward<string, string> = (question, context) => agent.forward(question, context.signal);
  const guide = bbhGuide();
  const concurrency = options.concurrency ?? 4;

  log(
    `\n== ${task.name}: train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length} ` +
      `(split in file order); optimizer ${optimizer.name}`,
  );
  const zeroShot = await evaluate({ forward, guide, dataset: split.test, concurrency });
  const before = accuracyOf(zeroShot.scores);
  log(`  test before training: ${before.correct}/${split.test.length} = ${percent(before.accuracy)}`);

  const result = await train({
    agent,
    optimizer,
    forward,
    guide,
    train: split.train,
    validation: split.validation,
    test: split.test,
    algorithm: minibatch({ keepIfImproves: true }),
    restoreBest: true,
    batchSize: options.batchSize ?? 3,
    epochs: options.epochs ?? 1,
    ...(options.steps === undefined ? {} : { maxSteps: options.steps }),
    seed: options.seed ?? 0,
    concurrency,
    usage,
    checkpoint: join(dir, "checkpoint.json"),
    log: join(dir, "log.jsonl"),
    progress: false,
    onRecord: reporter(log),
  });
  if (result.reason === "model-unavailable") {
    throw new ModelUnavailableError("examples", 1, result.message ?? "a language model could not be used");
  }
  const final = result.test ?? (await evaluate({ forward, guide, dataset: split.test, concurrency }));
  const after = accuracyOf(final.scores);
  log(
    `  stopped: ${result.reason} after ${result.steps} step(s)` +
      `${result.best ? `; best validation ${percent(result.best.score)} (step ${result.best.step})` : ""}`,
  );
  log(`  test after training: ${after.correct}/${split.test.length} = ${percent(after.accuracy)}`);

  const change = (before: string, after: string): ParameterChange => ({ before, after });
  const changes = {
    template: change(startValues.template, parameters.template.data),
    createPrompt: change(startValues.createPrompt, parameters.createPrompt.data),
    extractAnswer: change(startValues.extractAnswer, parameters.extractAnswer.data),
  };
  log(
    `  ${Object.entries(changes)
      .map(([name, c]) => `${name} ${c.before === c.after ? "unchanged" : "changed"}`)
      .join(", ")}`,
  );
  const taskResult: TaskResult = {
    task: task.name,
    sizes: { train: split.train.length, validation: split.validation.length, test: split.test.length },
    before,
    after,
    steps: result.steps,
    reason: result.reason,
    parameters: changes,
    totals: { tokens: result.totals.totalTokens, calls: result.totals.calls },
    dir,
  };
  writeFileSync(
    join(dir, "summary.json"),
    `${JSON.stringify({ ...taskResult, optimizer: optimizer.name, cot: options.cot ?? false }, null, 2)}\n`,
  );
  log(`  run log: ${join(dir, "log.jsonl")}`);
  return taskResult;
}

/**
 * Runs the protocol on every task, one after another.
 * @param tasks the tasks
 * @param options model, optimizer, variant, limits, output directory
 */
export async function runProtocol(
  tasks: readonly BbhTask[],
  options: ProtocolOptions,
): Promise<TaskResult[]> {
  const results: TaskResult[] = [];
  for (const task of tasks) results.push(await runTask(task, options));
  return results;
}
