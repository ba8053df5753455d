/**
 * How the examples end when something they cannot fix goes wrong. Import this module first: an
 * error that nothing caught then ends the process with exit code 1 and one line on stderr instead
 * of a stack trace:
 * - a language model that cannot be used (connection refused, bad key, 5xx, timeout…: an error
 *   whose `stopsRun` is `outage`): `model unavailable: <the model error>`; a training run that
 *   stopped with reason `model-unavailable` is reported the same way with
 *   `reportModelUnavailable(result.message)`;
 * - a setup mistake or any other trace-ts error (no API key, an unknown `TRACE_MODEL` or
 *   `TRACE_OPTIMIZER`, …): `error: <message>`.
 * Other errors are printed as Node would print them.
 */
import { describeError, findStopError, TraceError } from "@trace-ts/core";

/**
 * Prints `model unavailable: <detail>` as one line on stderr and sets exit code 1.
 * @param detail the model error (or the run's stop message naming it)
 */
export function reportModelUnavailable(detail: string | null): void {
  console.error(`model unavailable: ${oneLine(detail ?? "a language model could not be used")}`);
  process.exitCode = 1;
}

/** Codes of errors that mean the setup is wrong (not a model that is down): shown as `error:`. */
const SETUP_CODES = new Set([
  "LLM_MISSING_KEY",
  "LLM_UNKNOWN_MODEL",
  "LLM_MISSING_PACKAGE",
  "LLM_NO_DEFAULT_MODEL",
]);

/**
 * Whether `error` is a trace-ts error: a `TraceError`, or one from another copy of
 * `@trace-ts/core` (two installed copies make `instanceof` fail), told by its stable `code`.
 */
function isTraceError(error: unknown): error is Error & { readonly code: string } {
  if (error instanceof TraceError) return true;
  if (!(error instanceof Error) || !("stopsRun" in error)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Ends the process for an error that reached the top level: one line for trace-ts errors (see the
 * module comment), Node's usual report for anything else; exit code 1 either way.
 * @param error what was thrown
 */
export function exitWithError(error: unknown): never {
  const stop = findStopError(error);
  if (isTraceError(error) && SETUP_CODES.has(error.code)) console.error(`error: ${oneLine(error.message)}`);
  else if (stop?.stopsRun === "outage") reportModelUnavailable(describeError(stop));
  else if (isTraceError(error)) console.error(`error: ${oneLine(error.message)}`);
  else console.error(error);
  process.exit(1);
}

// Also receives rejections of top-level await (origin "unhandledRejection"). With a listener
// installed Node no longer reports other errors itself, so they are printed as it would and the
// process ends with exit code 1.
process.on("uncaughtException", exitWithError);
