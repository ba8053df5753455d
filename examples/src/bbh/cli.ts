/** The command line of the BBH harness (`npm run eval:bbh -- …`): parsing and checking it. */
import { resolve } from "node:path";
import { integerOption, parseOptions, UsageError } from "../cli.js";
import { SAMPLE_DIR } from "./paths.js";
import { OPTIMIZER_NAMES, type OptimizerName } from "./protocol.js";

export { UsageError } from "../cli.js";

/** What `--help` prints. */
export const USAGE = `Usage: npm run eval:bbh -- [options]

  --data DIR          directory of BBH task files <task>.json (default: the shipped sample,
                      examples/data/bbh-sample; NOT BigBench-Hard data)
  --tasks a,b         tasks to run (default: every .json file in DIR)
  --model M           language model, e.g. openai:gpt-4o-mini (default: TRACE_MODEL; without
                      either, responses are SCRIPTED and no model is called)
  --optimizer NAME    optoprime | textgrad | opro (default: TRACE_OPTIMIZER, else optoprime)
  --cot               train the chain-of-thought variant
  --out DIR           where run logs go, DIR/<task>/log.jsonl (default: a new temporary directory)
  --epochs N          passes over the 15 training examples (default 1)
  --steps N           most optimizer steps per task (default 5)
  --batch-size N      training examples per step (default 3)
  --seed N            seed of the training order (default 0)
  --help              show this text`;

/** The harness's settings, from the command line and the environment. */
export interface BbhCommand {
  /** `--help`: print the usage and do nothing else. */
  readonly help: boolean;
  /** The data directory (absolute). */
  readonly data: string;
  /** Tasks named with `--tasks`, or undefined for all. */
  readonly tasks: readonly string[] | undefined;
  /** `--model`, else `TRACE_MODEL`, else undefined (scripted). */
  readonly model: string | undefined;
  /** Where the model specifier came from. */
  readonly modelSource: "--model" | "TRACE_MODEL" | undefined;
  /** `--optimizer`, else `TRACE_OPTIMIZER`, else optoprime. */
  readonly optimizer: OptimizerName;
  /** `--cot`: the chain-of-thought variant. */
  readonly cot: boolean;
  /** `--out` (absolute), or undefined for a new temporary directory. */
  readonly out: string | undefined;
  /** `--epochs` (default 1). */
  readonly epochs: number;
  /** `--steps`: most optimizer steps per task (default 5). */
  readonly steps: number;
  /** `--batch-size` (default 3). */
  readonly batchSize: number;
  /** `--seed` of the training order (default 0). */
  readonly seed: number;
}

function optimizerName(text: string, source: string): OptimizerName {
  const name = text.trim().toLowerCase();
  const known = OPTIMIZER_NAMES.find((n) => n === name);
  if (known === undefined) {
    throw new UsageError(`unknown optimizer "${text}" (${source}); use one of ${OPTIMIZER_NAMES.join(", ")}`);
  }
  return known;
}

/**
 * Reads the command line.
 * @param argv the arguments after the script's name
 * @param env the environment (`TRACE_MODEL`, `TRACE_OPTIMIZER`)
 * @throws UsageError for an unknown option, a missing or bad value
 */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BbhCommand {
  const values = parseOptions(argv, {
    data: { type: "string" },
    tasks: { type: "string" },
    model: { type: "string" },
    optimizer: { type: "string" },
    cot: { type: "boolean" },
    out: { type: "string" },
    epochs: { type: "string" },
    steps: { type: "string" },
    "batch-size": { type: "string" },
    seed: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  const tasks = values.tasks
    ?.split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  if (tasks !== undefined && tasks.length === 0) throw new UsageError("--tasks needs at least one task name");
  const envModel = env.TRACE_MODEL?.trim() || undefined;
  const model = values.model?.trim() || undefined;
  if (values.model !== undefined && model === undefined)
    throw new UsageError("--model needs a model, e.g. openai:gpt-4o-mini");
  const envOptimizer = env.TRACE_OPTIMIZER?.trim() || undefined;
  return {
    help: values.help ?? false,
    data: resolve(values.data ?? SAMPLE_DIR),
    tasks,
    model: model ?? envModel,
    modelSource: model !== undefined ? "--model" : envModel !== undefined ? "TRACE_MODEL" : undefined,
    optimizer:
      values.optimizer !== undefined
        ? optimizerName(values.optimizer, "--optimizer")
        : envOptimizer !== undefined
          ? optimizerName(envOptimizer, "TRACE_OPTIMIZER")
          : "optoprime",
    cot: values.cot ?? false,
    out: values.out === undefined ? undefined : resolve(values.out),
    epochs: integerOption("--epochs", values.epochs, 1, 1),
    steps: integerOption("--steps", values.steps, 5, 1),
    batchSize: integerOption("--batch-size", values["batch-size"], 3, 1),
    seed: integerOption("--seed", values.seed, 0, 0),
  };
}
