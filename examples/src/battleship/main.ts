/**
 * Battleship, the Trace paper's experiment (`npm run example:battleship`): a policy whose `reason`
 * and `act` methods start empty learns to play by having the optimizer rewrite them, one move at a
 * time; each iteration's rewards go to a JSON Lines run log.
 *
 * With TRACE_MODEL set that model is the optimizer's (TRACE_OPTIMIZER=optoprime|textgrad|opro
 * picks the optimizer, default OptoPrime); otherwise the optimizer's answers are scripted (the
 * first output line says so) and show the mechanics, not what a model would learn.
 */
import "../exit-on-outage.js";
import { join } from "node:path";
import { type LanguageModel, languageModelFromEnv } from "@trace-ts/core";
import { parseOrExit } from "../cli.js";
import { parseBattleshipArgs, USAGE } from "./cli.js";
import { type BattleshipPolicy, policyCode } from "./policy.js";
import { scriptedBattleshipModel } from "./scripted.js";
import { trainBattleship } from "./train.js";

const args = parseOrExit(() => parseBattleshipArgs(process.argv.slice(2)), USAGE);
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const optimizerName = process.env.TRACE_OPTIMIZER?.trim() || undefined;
let model: LanguageModel | ((policy: BattleshipPolicy) => LanguageModel);
if (process.env.TRACE_MODEL) {
  const real = await languageModelFromEnv();
  console.log(`Using ${real.provider}:${real.modelId} (TRACE_MODEL) for the optimizer.`);
  model = real;
} else {
  console.log("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
  console.log(
    "The scripted answers show the mechanics (code applied, feedback, reverts, the log), not optimization quality.",
  );
  if (optimizerName !== undefined && optimizerName.toLowerCase() !== "optoprime") {
    console.error(
      `error: TRACE_OPTIMIZER=${optimizerName} needs TRACE_MODEL: the scripted answers are written for OptoPrime`,
    );
    process.exit(2);
  }
  model = (policy) => scriptedBattleshipModel(policyCode(policy));
}

const logPath =
  args.log ?? join("runs", "battleship", `run-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`);
const run = await trainBattleship({
  model,
  iterations: args.iterations,
  seed: args.seed,
  logPath,
  ...(optimizerName === undefined ? {} : { optimizer: optimizerName }),
});

const code = policyCode(run.policy);
console.log(
  `\nevaluation reward: ${run.baseline.mean.toFixed(3)} (empty policy) -> ${run.final.mean.toFixed(3)} (final policy; per board ${run.final.rewards.map((r) => r.toFixed(3)).join(", ")})`,
);
console.log(`\nfinal reason:\n${indent(String(code.reason.data))}`);
console.log(`\nfinal act:\n${indent(String(code.act.data))}`);
console.log(`\nrun log (one JSON line per iteration): ${logPath}`);

function indent(text: string): string {
  return text.replace(/^/gm, "  ");
}
