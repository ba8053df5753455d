/**
 * The BigBench-Hard harness: `npm run eval:bbh -- --data DIR --tasks a,b --model M --optimizer
 * optoprime|textgrad|opro [--cot]`. For each task it measures test accuracy, trains the solver
 * (prompt template + createPrompt + extractAnswer) on 15 examples with 5 for validation, measures
 * again, and prints a per-task table (see protocol.ts and table.ts).
 *
 * With `--model` or `TRACE_MODEL` that model plays the solver and the optimizer. Without either,
 * responses are SCRIPTED (the first output line says so; scripted.ts describes them): the run
 * then shows the harness working, not a model's or an optimizer's quality. Without `--data` it
 * runs on a tiny generated sample that is not BBH data. Bad arguments or data: exit code 2.
 */

import "../exit-on-outage.js"; // first: errors nothing caught end the process with one line
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LanguageModel, languageModelFromEnv } from "@trace-ts/core";
import { ModelUnavailableError } from "@trace-ts/trainer";
import { reportModelUnavailable } from "../exit-on-outage.js";
import { type BbhCommand, parseCommand, USAGE, UsageError } from "./cli.js";
import { BbhDataError, type BbhTask, loadTasks } from "./data.js";
import { predictParameters } from "./predict.js";
import { earlierRunFiles, runProtocol, type TaskResult } from "./protocol.js";
import { scriptedBbhModel } from "./scripted.js";
import { formatAccuracyTable } from "./table.js";

/** The first output line of a run without a language model. */
export const SCRIPTED_NOTICE =
  "No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).";

async function main(): Promise<void> {
  let command: BbhCommand;
  let tasks: BbhTask[];
  try {
    command = parseCommand(process.argv.slice(2));
    if (command.help) {
      console.log(USAGE);
      return;
    }
    tasks = await loadTasks(command.data, command.tasks);
    const earlier = command.out === undefined ? [] : earlierRunFiles(command.out, tasks);
    if (earlier.length > 0) {
      throw new UsageError(
        `--out ${command.out} already holds a run (${earlier[0]}); choose a new directory`,
      );
    }
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof BbhDataError)) throw error;
    console.error(`error: ${error.message}`);
    if (error instanceof UsageError && error.showUsage) console.error(`\n${USAGE}`);
    process.exitCode = 2;
    return;
  }

  let model: LanguageModel | undefined;
  if (command.model !== undefined) {
    // --model is read exactly as TRACE_MODEL would be (TRACE_BASE_URL applies to both)
    model = await languageModelFromEnv({ env: { ...process.env, TRACE_MODEL: command.model } });
    console.log(
      `Using ${model.provider}:${model.modelId} (${command.modelSource}) for the solver and the optimizer.`,
    );
  } else {
    console.log(SCRIPTED_NOTICE);
    console.log(
      "A scripted solver that knows every answer but adds extra words unless the prompt asks for the answer only, " +
        "and a scripted optimizer that proposes that fix: the accuracies below show the harness working, " +
        "not a model's or an optimizer's quality.",
    );
  }

  const out = command.out ?? mkdtempSync(join(tmpdir(), "trace-bbh-"));
  console.log(
    `data: ${command.data} (${tasks.map((t) => t.name).join(", ")}); ` +
      `variant: ${command.cot ? "chain of thought" : "plain"}; optimizer: ${command.optimizer}; ` +
      `epochs ${command.epochs}, at most ${command.steps} steps, batch size ${command.batchSize}, seed ${command.seed}`,
  );
  console.log(`run logs in ${out}`);

  let results: TaskResult[];
  try {
    results = await runProtocol(tasks, {
      model:
        model ??
        ((task: BbhTask, agent) => scriptedBbhModel(task.examples, predictParameters(agent), command.cot)),
      optimizer: command.optimizer,
      cot: command.cot,
      epochs: command.epochs,
      steps: command.steps,
      batchSize: command.batchSize,
      seed: command.seed,
      out,
    });
  } catch (error) {
    // train() stopped with reason model-unavailable: its message names the model error
    if (!(error instanceof ModelUnavailableError)) throw error;
    reportModelUnavailable(error.modelError);
    return;
  }

  console.log("\nTest accuracy per task (before and after training):\n");
  console.log(
    formatAccuracyTable(
      results.map((r) => ({
        task: r.task,
        nTest: r.sizes.test,
        before: r.before.accuracy,
        after: r.after.accuracy,
      })),
    ),
  );
  const tokens = results.reduce((sum, r) => sum + r.totals.tokens, 0);
  const calls = results.reduce((sum, r) => sum + r.totals.calls, 0);
  console.log(
    `\n${calls} model calls, ${tokens} tokens${model === undefined ? " (estimated; scripted)" : ""}`,
  );
}

await main();
