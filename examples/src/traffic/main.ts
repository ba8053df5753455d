/**
 * Tuning the green times of a traffic signal with OptoPrime: `npm run example:traffic -- [--steps N] [--seed N]`.
 * With TRACE_MODEL set that model is used (and TRACE_OPTIMIZER may choose optoprime, textgrad or
 * opro); otherwise OptoPrime's answers are scripted (the first output line says so).
 */
import "../exit-on-outage.js";
import { languageModelFromEnv } from "@trace-ts/core";
import { parseOrExit } from "../cli.js";
import { parseArgs, USAGE } from "./cli.js";
import { scriptedTrafficModel } from "./scripted.js";
import { tuneSignal } from "./train.js";

const args = parseOrExit(() => parseArgs(process.argv.slice(2)), USAGE);

if (process.env.TRACE_MODEL) {
  const model = await languageModelFromEnv();
  console.log(`Using ${model.provider}:${model.modelId} (TRACE_MODEL).`);
  await tuneSignal({ model, ...args, optimizerFromEnv: true });
} else {
  console.log("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
  const chosen = process.env.TRACE_OPTIMIZER?.trim().toLowerCase();
  if (chosen && chosen !== "optoprime") {
    console.error(
      `error: the scripted answers are written for OptoPrime; TRACE_OPTIMIZER=${process.env.TRACE_OPTIMIZER} needs TRACE_MODEL`,
    );
    process.exit(2);
  }
  console.log(
    "The scripted answers are a fixed sequence of timings: they show the loop working (constraint, feedback, best so far), not how well a model tunes a signal.",
  );
  await tuneSignal({ model: scriptedTrafficModel, ...args });
}
