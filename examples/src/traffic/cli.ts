/** The traffic example's command line: `--steps N` and `--seed N`. */
import { integerOption, parseOptions } from "../cli.js";

export { UsageError } from "../cli.js";

/** The parsed command line. */
export interface TrafficArgs {
  /** Optimizer steps (default 6). */
  readonly steps: number;
  /** Seed of the simulated arrivals (default 1). */
  readonly seed: number;
}

/** How to call the example. */
export const USAGE =
  "usage: traffic/main.js [--steps N (1–100, default 6)] [--seed N (integer ≥ 0, default 1)]";

/**
 * Parses the arguments after the script name.
 * @param argv e.g. `["--steps", "4", "--seed=3"]`
 * @throws UsageError for an unknown flag or a bad number
 */
export function parseArgs(argv: readonly string[]): TrafficArgs {
  const values = parseOptions(argv, { steps: { type: "string" }, seed: { type: "string" } });
  return {
    steps: integerOption("--steps", values.steps, 6, 1, 100),
    seed: integerOption("--seed", values.seed, 1, 0),
  };
}
