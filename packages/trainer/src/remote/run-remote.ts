/**
 * The trainer's side of running examples through an `ExampleExecutor`: it asks for the examples,
 * puts each reported outcome in its place, and applies the same rules as a local run (outages
 * counted or rejected, budget and cancellation stop everything, agent and guide failures reject).
 */
import { setMaxListeners } from "node:events";
import { TraceError } from "@trace-ts/core";
import type { Example } from "../data/example.js";
import { RemoteExampleError, RemoteStopError, RunCancelledError } from "../errors.js";
import type { ExampleOutcome, RunSettings } from "../evaluate.js";
import { stoppingError } from "../fatal.js";
import type { RemoteOutcome } from "./executor.js";

/**
 * @internal Runs `items` through `settings.executor`; outcomes come back in the order given.
 * @param items the examples with their dataset indices
 * @param settings the run's settings (the executor, parameter values, hooks)
 */
export async function runRemote<I, O, T>(
  items: readonly { readonly index: number; readonly example: Example<I, T> }[],
  settings: RunSettings<I, O, T>,
): Promise<ExampleOutcome<O>[]> {
  const executor = settings.executor!;
  const outer = settings.signal;
  if (outer?.aborted) throw new RunCancelledError(outer.reason);
  if (items.length === 0) return [];
  const controller = new AbortController();
  setMaxListeners(64, controller.signal);
  const onOuterAbort = (): void => controller.abort(new RunCancelledError(outer?.reason));
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const results: (ExampleOutcome<O> | undefined)[] = new Array(items.length);
  let done = 0;
  try {
    await executor.run({
      items: items.map(({ index, example }) => ({ index, example: example as Example<unknown, unknown> })),
      parameters: settings.parameters?.() ?? [],
      errorScore: settings.errorScore,
      signal: controller.signal,
      onOutcome: (position, outcome) => {
        if (controller.signal.aborted) throw controller.signal.reason;
        const item = Number.isInteger(position) ? items[position] : undefined;
        if (item === undefined || outcome.index !== item.index) {
          throw new TraceError(
            "TRAINER_EXECUTOR_CONTRACT",
            `executor ${executor.name} reported position ${position} (index ${outcome.index}), which is not one it was asked to run`,
          );
        }
        // delivery is at least once: the first outcome of a position wins
        if (results[position] !== undefined) return;
        results[position] = outcomeOf(outcome, settings);
        done++;
        settings.onProgress?.(done, items.length);
      },
    });
  } catch (error) {
    if (!controller.signal.aborted) controller.abort(error);
    if (outer?.aborted) throw new RunCancelledError(outer.reason);
    throw error;
  } finally {
    outer?.removeEventListener("abort", onOuterAbort);
  }
  if (outer?.aborted) throw new RunCancelledError(outer.reason);
  if (done !== items.length) {
    throw new TraceError(
      "TRAINER_EXECUTOR_CONTRACT",
      `executor ${executor.name} finished with ${done} of ${items.length} outcomes reported`,
    );
  }
  return results as ExampleOutcome<O>[];
}

/** A reported outcome as a local one, or the error a local run would have rejected with. */
function outcomeOf<I, O, T>(outcome: RemoteOutcome, settings: RunSettings<I, O, T>): ExampleOutcome<O> {
  const id = outcome.id === undefined ? {} : { id: outcome.id };
  switch (outcome.kind) {
    case "result":
      settings.onRan?.();
      return {
        index: outcome.index,
        ...id,
        score: outcome.score,
        feedback: outcome.feedback,
        output: outcome.output as O,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        metrics: outcome.metrics,
        durationMs: outcome.durationMs,
      };
    case "stop": {
      const stop = new RemoteStopError(outcome.index, outcome.reason, outcome.code, outcome.error);
      if (outcome.reason === "outage" && settings.onOutage) {
        settings.onOutage(stop);
        return { index: outcome.index, ...id, outage: true, error: outcome.error };
      }
      throw stoppingError(stop) ?? stop;
    }
    case "failure":
      throw new RemoteExampleError(outcome.index, outcome.name, outcome.code, outcome.message);
    default:
      throw new TraceError(
        "TRAINER_EXECUTOR_CONTRACT",
        `executor ${settings.executor?.name} reported an outcome of unknown kind`,
      );
  }
}
