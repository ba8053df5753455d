/** Command line of the Battleship example: `--iterations N`, `--log PATH`, `--seed N`, `--help`. */
import { integerOption, parseOptions, UsageError } from "../cli.js";

export { UsageError } from "../cli.js";

/** How to call the example. */
export const USAGE = `usage: npm run example:battleship -- [--iterations N] [--seed N] [--log PATH]
  --iterations N  training iterations, one move and one optimizer step each (default 6, at most 200)
  --seed N        seed of the training games and evaluation boards (default 0)
  --log PATH      JSON Lines run log, one line per iteration (default runs/battleship/run-<time>.jsonl)
  --help          show this help`;

/** The parsed command line. */
export interface BattleshipArgs {
  /** Training iterations. */
  readonly iterations: number;
  /** Seed of boards and games. */
  readonly seed: number;
  /** Path of the run log, if given. */
  readonly log: string | undefined;
  /** Whether `--help` was given. */
  readonly help: boolean;
}

const MAX_ITERATIONS = 200;
const MAX_SEED = 2 ** 40;

/**
 * Parses the arguments after the script name. Throws `UsageError` for an unknown flag, a missing
 * value or a value out of range.
 * @param argv e.g. `process.argv.slice(2)`
 */
export function parseBattleshipArgs(argv: readonly string[]): BattleshipArgs {
  const values = parseOptions(argv, {
    iterations: { type: "string" },
    seed: { type: "string" },
    log: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.log !== undefined && values.log.trim() === "") throw new UsageError("--log needs a path");
  return {
    iterations: integerOption("--iterations", values.iterations, 6, 1, MAX_ITERATIONS),
    seed: integerOption("--seed", values.seed, 0, 0, MAX_SEED),
    log: values.log,
    help: values.help ?? false,
  };
}
