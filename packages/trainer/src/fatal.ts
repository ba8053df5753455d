/**
 * Which errors stop a run instead of becoming feedback. The error classes decide (core's
 * `TraceError.stopsRun`: a cancellation, a spent budget, a model outage); this module only reads
 * that, from a thrown error's cause chain (`findStopError`) or from the stable `errorCode` an
 * optimizer reports when it caught its model's error.
 */
import {
  AuthenticationError,
  BadResponseError,
  BudgetExceededError,
  CancelledError,
  findStopError,
  InvalidRequestError,
  LLMTimeoutError,
  MissingApiKeyError,
  MissingProviderPackageError,
  NoDefaultLanguageModelError,
  ProviderError,
  RateLimitError,
  type RunStopReason,
  type TraceError,
  UnknownModelError,
} from "@trace-ts/core";
import { CassetteFileError, CassetteMissError, MissingPriceError } from "@trace-ts/core/llm";
import { RunCancelledError } from "./errors.js";

/**
 * The first error in `error`'s cause chain (itself included) that is an instance of `type`.
 *
 * @deprecated The trainer no longer classifies errors by class; use core's `findStopError(error)`
 *   and its `stopsRun` to tell a run-stopping error from feedback.
 * @param error the error
 * @param type the class to look for
 */
export function findCause<E extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => E,
): E | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 16 && current !== undefined && current !== null; depth++) {
    if (current instanceof type) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/**
 * The error that must stop the run, if `error` (or its cause chain) holds one — the error whose
 * `stopsRun` is set (`findStopError`): a `BudgetExceededError`, a model outage (connection,
 * authentication, 5xx, timeout, rate limit, missing key or provider), or a cancellation, which is
 * returned as a `RunCancelledError`. Undefined when the error may become feedback.
 *
 * @param error what was thrown
 */
export function stoppingError(error: unknown): TraceError | undefined {
  const stop = findStopError(error);
  if (stop === undefined || stop instanceof RunCancelledError) return stop;
  if (stop.stopsRun === "cancelled") return new RunCancelledError(stop.cause ?? stop);
  return stop;
}

/** One instance of every core model error, to read each code's `stopsRun` from the classes. */
function samples(): TraceError[] {
  return [
    new AuthenticationError(""),
    new RateLimitError(""),
    new LLMTimeoutError(""),
    // no status: a dropped connection. An optimizer's report carries only the code, so a
    // reported provider failure counts as an outage whatever its status was.
    new ProviderError(""),
    new BadResponseError(""),
    new BudgetExceededError("", { limit: "tokens", max: 0, used: 0, requested: 0 }),
    new CancelledError(),
    new MissingApiKeyError("", ""),
    new UnknownModelError("", ""),
    new InvalidRequestError(""),
    new MissingProviderPackageError("", ""),
    new MissingPriceError("", ""),
    new CassetteMissError({ path: "", model: "", lastUserMessage: undefined, recordedModels: [] }),
    new CassetteFileError("", "io", ""),
    new NoDefaultLanguageModelError(),
    new RunCancelledError(),
  ];
}

let byCode: ReadonlyMap<string, RunStopReason | undefined> | undefined;

/**
 * Why a failure known only by its stable code stops a run, as the error classes of core decide
 * (`stopsRun`): for an optimizer's `report.errorCode` (the code of the innermost `TraceError`
 * behind its failed model call), `budget`, `cancelled` or `outage`; undefined for feedback and for
 * unknown codes. A reported `LLM_PROVIDER` counts as an outage whatever the HTTP status was (the
 * code does not carry it). Useful in hand-written loops: stop when a step's model was down.
 *
 * @example
 * const report = await optimizer.step();
 * if (stopReasonOfCode(report.errorCode) === "outage") throw new Error(`model down: ${report.error}`);
 *
 * @param code e.g. `LLM_BUDGET_EXCEEDED`, `LLM_RATE_LIMIT`
 */
export function stopReasonOfCode(code: string | undefined): RunStopReason | undefined {
  if (code === undefined) return undefined;
  byCode ??= new Map([
    ...samples().map((e): [string, RunStopReason | undefined] => [e.code, e.stopsRun]),
    // @trace-ts/scale's SharedStateUnavailableError (the shared Redis of the cache, rate limit or
    // budget cannot be reached; its class says stopsRun "outage"): the trainer cannot import it
    ["SCALE_REDIS_UNAVAILABLE", "outage"],
  ]);
  return byCode.get(code);
}
