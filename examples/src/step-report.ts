/**
 * What the hand-written training loops of the examples do after each optimizer step: stop when the
 * optimizer's model is unreachable, otherwise log what the step changed.
 */
import { formatChanges, type StepReport } from "@trace-ts/core";
import { ModelUnavailableError, stopReasonOfCode } from "@trace-ts/trainer";

/**
 * Logs one step's outcome; throws `ModelUnavailableError` when the optimizer's model could not be
 * used (its error is reported in the step, not thrown), so the example ends with a clear message.
 *
 * @param report the step's report
 * @param log where the example prints
 */
export function logStepReport(report: StepReport, log: (line: string) => void): void {
  if (stopReasonOfCode(report.errorCode) === "outage")
    throw new ModelUnavailableError("optimizer", 1, report.error ?? String(report.errorCode));
  if (report.error) log(`step ${report.step}: nothing applied (${report.error})`);
  else if (report.applied.length === 0) log(`step ${report.step}: no change suggested`);
  else
    log(
      `step ${report.step}: changed ${report.applied.length} parameter(s)\n${formatChanges(report.applied)}`,
    );
}
