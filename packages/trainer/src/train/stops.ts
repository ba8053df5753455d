/**
 * What stops a training run: every run-stopping failure is recognised by the error classes
 * (core's `findStopError` / `TraceError.stopsRun`, or `stopReasonOfCode` for a code an optimizer
 * reported); model outages are counted up to `maxConsecutiveOutages`.
 */
import {
  findStopError,
  type Proposal,
  type RunStopReason,
  type StepReport,
  TraceError,
} from "@trace-ts/core";
import { ModelUnavailableError, RunCancelledError } from "../errors.js";
import { stopReasonOfCode } from "../fatal.js";
import type { StopReason } from "../log/records.js";
import type { UsageMeter } from "./usage-meter.js";

/**
 * Internal: a run-stopping failure that was reported rather than thrown (an optimizer's
 * `errorCode`, the budget's refusal count), so that every stop goes through `findStopError`.
 */
export class ReportedStop extends TraceError {
  readonly #reason: RunStopReason;
  /**
   * @param reason why the run stops
   * @param message what happened
   */
  constructor(reason: RunStopReason, message: string) {
    super("RUN_STOPPED", message);
    this.#reason = reason;
  }
  /** Ends the run: see core's `RunStopReason`. */
  override get stopsRun(): RunStopReason {
    return this.#reason;
  }
}

/** How a run stops. */
export type Stop = { reason: StopReason; message: string | null };
/** What a failed step (or set-up) leads to: a stop, a retry after a model outage, or a rethrow. */
export type Failure = Stop | "retry" | undefined;
/** Whose model calls failed: the examples' (agent and guide) or the optimizer's. */
export type OutageSource = "examples" | "optimizer";

/** Classifies failures and counts model outages for one run. */
export class StopRules {
  readonly #signal: AbortSignal;
  readonly #maxOutages: number;
  readonly #usage: UsageMeter;
  /** Model outages in a row, counted separately for the examples' models and the optimizer's. */
  readonly #outages = { examples: 0, optimizer: 0 };

  /**
   * @param signal the run's signal (aborted: the run is cancelled)
   * @param maxConsecutiveOutages outages in a row from one source that stop the run
   * @param usage the usage meter (its budget refusals since the last mark stop the run)
   */
  constructor(signal: AbortSignal, maxConsecutiveOutages: number, usage: UsageMeter) {
    this.#signal = signal;
    this.#maxOutages = maxConsecutiveOutages;
    this.#usage = usage;
  }

  /**
   * Classifies an error by the error that stops runs in its cause chain (`findStopError`): a
   * budget refusal or a cancellation stops the run; a model outage the examples counted up to
   * the limit (`ModelUnavailableError`) stops it with reason `model-unavailable`; any other model
   * outage (the optimizer's model, thrown rather than reported) counts towards the limit and the
   * step is taken again ("retry"). Undefined: a real failure, to rethrow.
   * @param error what was thrown
   */
  classify(error: unknown): Failure {
    if (error instanceof ModelUnavailableError)
      return { reason: "model-unavailable", message: error.message };
    const stop = findStopError(error);
    if (stop?.stopsRun === "budget") return { reason: "budget", message: stop.message };
    if (stop?.stopsRun === "cancelled" || this.#signal.aborted) return { reason: "cancelled", message: null };
    if (stop?.stopsRun === "outage") {
      try {
        this.outage("optimizer", stop);
      } catch (limit) {
        return { reason: "model-unavailable", message: (limit as Error).message };
      }
      return "retry";
    }
    return undefined;
  }

  /**
   * Counts a model outage.
   * @param source whose model failed
   * @param error the outage (or its description)
   * @throws ModelUnavailableError when `maxConsecutiveOutages` came in a row from `source`
   */
  outage(source: OutageSource, error: unknown): void {
    const count = ++this.#outages[source];
    if (count >= this.#maxOutages) throw new ModelUnavailableError(source, count, error);
  }

  /** An example ran without an outage: ends the examples' run of outages. */
  ran(): void {
    this.#outages.examples = 0;
  }

  /**
   * Optimizers report a failed model call in their proposal (`error`, `errorCode`) instead of
   * throwing. The code says whether it stops the run, as the error classes decide
   * (`stopReasonOfCode`): a budget refusal stops it, a cancellation too when the run was
   * cancelled, and an outage counts towards `maxConsecutiveOutages` (the step goes on without an
   * update); a proposal without an outage ends a run of the optimizer's outages.
   * @param proposal what the optimizer returned
   * @throws ReportedStop, RunCancelledError, ModelUnavailableError
   */
  checkProposal(proposal: Proposal | StepReport): void {
    const reason = stopReasonOfCode(proposal.errorCode);
    if (reason === "budget") throw new ReportedStop("budget", proposal.error ?? "the model budget is spent");
    if (reason === "cancelled" && this.#signal.aborted) throw new RunCancelledError(this.#signal.reason);
    if (reason === "outage") this.outage("optimizer", proposal.error ?? `${proposal.errorCode}`);
    else this.#outages.optimizer = 0;
    this.checkBudget();
  }

  /**
   * Stops the run when the budget refused a call since the usage meter's last mark (a refusal
   * an optimizer or guide caught and did not rethrow).
   * @throws ReportedStop with reason `budget`
   */
  checkBudget(): void {
    if (this.#usage.budgetRefused) {
      throw new ReportedStop("budget", "the model budget refused a call (see the budget's state)");
    }
  }
}

/**
 * Makes `controller` abort when `outer` does (at once when it already has).
 * @param outer the caller's signal, if any
 * @param controller the run's controller
 * @returns a function that removes the link
 */
export function linkSignal(outer: AbortSignal | undefined, controller: AbortController): () => void {
  if (outer === undefined) return () => {};
  if (outer.aborted) {
    controller.abort(outer.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener("abort", onAbort, { once: true });
  return () => outer.removeEventListener("abort", onAbort);
}
