/**
 * The command lines of the examples: options parsed by Node's own `util.parseArgs` (strict: an
 * unknown option or a missing value is an error), integer options checked against a range, and
 * one way to end on a bad command line (the message, the usage text, exit code 2).
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

/** A command line an example cannot run with: it prints the message (and usage) and exits with code 2. */
export class UsageError extends Error {
  /** Whether the usage text should follow the message (true for mistakes in the options). */
  readonly showUsage: boolean;

  /**
   * @param message what is wrong, naming the option
   * @param showUsage print the usage text after the message (default true)
   */
  constructor(message: string, showUsage = true) {
    super(message);
    this.name = "UsageError";
    this.showUsage = showUsage;
  }
}

/** The options an example accepts, as `util.parseArgs` describes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** What `parseOptions` returns for `T`: each option's value (a string or boolean), when given. */
export type OptionValues<T extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>["values"];

/**
 * Parses `argv` against `options` (no positional arguments). Node's errors become `UsageError`s
 * that name the option: `unknown argument "--x"`, `--x needs a value`.
 * @param argv the arguments after the script's name
 * @param options the accepted options
 */
export function parseOptions<T extends OptionSpecs>(argv: readonly string[], options: T): OptionValues<T> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    const option = /'(-{1,2}[^'<\s]+)/.exec(message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option)
      throw new UsageError(`unknown argument ${JSON.stringify(option)}`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option)
      throw new UsageError(`${option} needs a value`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const argument = /'([^']*)'/.exec(message)?.[1] ?? "";
      throw new UsageError(`unknown argument ${JSON.stringify(argument)}`);
    }
    throw new UsageError(message);
  }
}

/**
 * An integer option: `fallback` when absent, else digits only within `[min, max]`.
 * @param option the option's name, for the message (`--steps`)
 * @param text its value as given, or undefined
 * @param fallback the default
 * @param min the smallest value accepted
 * @param max the largest value accepted (default: the largest safe integer)
 * @throws UsageError naming the option, the range and what was given
 */
export function integerOption(
  option: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return fallback;
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${option} must be an integer ${range}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Runs `parse`; on a `UsageError` prints `error: <message>` (and `usage` unless the error says
 * not to) on stderr and exits with code 2.
 * @param parse reads the command line
 * @param usage the example's usage text
 */
export function parseOrExit<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}${error.showUsage ? `\n${usage}` : ""}`);
    process.exit(2);
  }
}
