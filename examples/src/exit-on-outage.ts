/**
 * How the examples end when a language model cannot be used (connection refused, bad key, 5xx,
 * timeout…: an error whose `stopsRun` is `outage`). Import this module first: an outage that
 * nothing caught then ends the process with exit code 1 and one line on stderr naming the model
 * error, instead of a stack trace. A training run that stopped with reason `model-unavailable`
 * is reported the same way with `reportModelUnavailable(result.message)`.
 */
import { describeError, findStopError } from "@trace-ts/core";

/**
 * Prints `model unavailable: <detail>` as one line on stderr and sets exit code 1.
 * @param detail the model error (or the run's stop message naming it)
 */
export function reportModelUnavailable(detail: string | null): void {
  const text = (detail ?? "a language model could not be used").replace(/\s*\n\s*/g, " ").trim();
  console.error(`model unavailable: ${text}`);
  process.exitCode = 1;
}

// Also receives rejections of top-level await (origin "unhandledRejection"). With a listener
// installed Node no longer reports other errors itself, so they are printed as it would and the
// process ends with exit code 1.
process.on("uncaughtException", (error) => {
  const stop = findStopError(error);
  if (stop?.stopsRun === "outage") reportModelUnavailable(describeError(stop));
  else console.error(error);
  process.exit(1);
});
