/**
 * The worker's side of remote execution: runs one example of a request here, with exactly the
 * rules of a local evaluation, and describes what happened as a `RemoteOutcome` (plain JSON) to
 * send back. Also puts the parameter values of a request into the worker's agent.
 */
import {
  describeError,
  findStopError,
  Node,
  type ParameterNode,
  TraceError,
  type UsageTracker,
} from "@trace-ts/core";
import { sameValue } from "@trace-ts/core/optimizer";
import type { Forward } from "../agent.js";
import type { Example } from "../data/example.js";
import { RemoteParameterError } from "../errors.js";
import { isOutage, runOne } from "../evaluate.js";
import type { Guide } from "../guides/types.js";
import type { ParameterValue, RemoteOutcome } from "./executor.js";

/** Default cap on an output's JSON text sent back (1 MB). */
export const DEFAULT_MAX_OUTPUT_CHARS = 1_000_000;

/** The agent pieces a worker runs an example with. */
export interface RemotePieces<I, O, T> {
  /** Runs the agent on one input. */
  readonly forward: Forward<I, O>;
  /** Scores the output. */
  readonly guide: Guide<O, I, T>;
  /** The usage tracker the worker's models report to (adds `tokens`, `modelCalls`, `cost`). */
  readonly usage?: UsageTracker;
}

/** Options of `runExampleHere`. */
export interface RunHereOptions {
  /** Score of an example whose forward pass failed inside a traced operation. */
  readonly errorScore: number;
  /** Aborts the example (its model calls get the signal). */
  readonly signal: AbortSignal;
  /** Longest output JSON sent back; a longer output is sent as null (default 1 MB). */
  readonly maxOutputChars?: number;
}

/**
 * Runs one example here and describes the outcome: `result` (scored, or `errorScore` after a
 * traced failure), `stop` (an error that stops runs: budget, outage, cancellation) or `failure`
 * (the forward function threw outside traced operations, or the guide failed). Never throws for
 * the example's own errors.
 *
 * @param index the example's index in its dataset
 * @param example the example
 * @param pieces forward function, guide and usage tracker
 * @param options error score, signal and output cap
 */
export async function runExampleHere<I, O, T>(
  index: number,
  example: Example<I, T>,
  pieces: RemotePieces<I, O, T>,
  options: RunHereOptions,
): Promise<RemoteOutcome> {
  const id = example.id === undefined ? {} : { id: example.id };
  const cancelled: RemoteOutcome = {
    kind: "stop",
    index,
    ...id,
    reason: "cancelled",
    code: "RUN_CANCELLED",
    error: "cancelled",
  };
  // a forward function that does not watch the signal must not run for a cancelled evaluation
  if (options.signal.aborted) return cancelled;
  try {
    const outcome = await runOne(index, example, options.signal, {
      forward: pieces.forward,
      guide: pieces.guide,
      concurrency: 1,
      errorScore: options.errorScore,
      isolateNames: true,
      requireNode: false,
      ...(pieces.usage ? { usage: pieces.usage } : {}),
    });
    if (isOutage(outcome)) throw new TypeError("unreachable: outages are thrown without onOutage");
    return {
      kind: "result",
      index,
      ...id,
      score: outcome.score,
      feedback: outcome.feedback,
      output: outputJson(outcome.output, options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS),
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      metrics: outcome.metrics,
      durationMs: outcome.durationMs,
    };
  } catch (error) {
    if (options.signal.aborted) return cancelled;
    const stop = findStopError(error);
    if (stop?.stopsRun !== undefined) {
      return {
        kind: "stop",
        index,
        ...id,
        reason: stop.stopsRun,
        code: stop.code,
        error: describeError(stop),
      };
    }
    return {
      kind: "failure",
      index,
      ...id,
      name: error instanceof Error ? error.name : "Error",
      code: error instanceof TraceError ? error.code : "UNKNOWN",
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

/** The output's value as JSON, or null when it has none or its text is longer than `max`. */
function outputJson(output: unknown, max: number): unknown {
  const value = output instanceof Node ? output.data : output;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return null;
  }
  if (text === undefined || text.length > max) return null;
  return JSON.parse(text);
}

/**
 * Puts the values of a request into the worker's parameters, by name. Parameters already equal
 * are left alone (their compiled code stays). An empty list changes nothing.
 * @param parameters the worker's agent's parameters
 * @param values the values sent with the request
 * @throws RemoteParameterError when a name has no parameter here, or a parameter here has no value
 */
export function loadParameterValues(
  parameters: Iterable<ParameterNode>,
  values: readonly ParameterValue[],
): void {
  if (values.length === 0) return;
  const byName = new Map<string, ParameterNode>();
  for (const p of parameters) if (p.trainable) byName.set(p.name, p);
  const missing = values.filter((v) => !byName.has(v.name)).map((v) => v.name);
  const sent = new Set(values.map((v) => v.name));
  const unset = [...byName.keys()].filter((name) => !sent.has(name));
  if (missing.length > 0 || unset.length > 0) {
    const parts = [
      missing.length > 0 ? `no parameter here named ${missing.join(", ")}` : "",
      unset.length > 0 ? `no value sent for ${unset.join(", ")}` : "",
    ].filter((s) => s !== "");
    throw new RemoteParameterError(
      `the parameter values do not fit this worker's agent: ${parts.join("; ")}. Build the worker's agent with the same code as the one being evaluated.`,
    );
  }
  for (const { name, value } of values) {
    const p = byName.get(name)!;
    if (!sameValue(p.peek(), value))
      p.data = value === null || typeof value !== "object" ? value : JSON.parse(JSON.stringify(value));
  }
}
