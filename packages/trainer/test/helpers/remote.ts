/**
 * An `ExampleExecutor` that runs examples in this process with the worker-side function
 * (`runExampleHere`) on a second agent instance, in an order of its own, so the trainer's side of
 * remote execution can be tested without Redis or BullMQ.
 */
import type { ParameterNode } from "@trace-ts/core";
import {
  EXECUTOR_CONTRACT_VERSION,
  type Example,
  type ExampleExecutor,
  type ExecutorRequest,
  type Forward,
  type Guide,
  loadParameterValues,
  type RemoteOutcome,
  runExampleHere,
} from "@trace-ts/trainer";

/** The agent a fake worker runs: its parameters, forward function and guide. */
export interface WorkerAgent<I, O, T> {
  /** The worker agent's parameters (the request's values are loaded into them by name). */
  parameters(): Iterable<ParameterNode>;
  /** Runs the worker's agent on one input. */
  readonly forward: Forward<I, O>;
  /** Scores an output. */
  readonly guide: Guide<O, I, T>;
}

/** Options of `InProcessExecutor`. */
export interface InProcessExecutorOptions {
  /** The order the examples are run and reported in (default `reverse`). */
  readonly order?: "given" | "reverse" | "shuffle";
  /** Seed of the `shuffle` order. */
  readonly seed?: number;
  /**
   * What is reported for one computed outcome: `[position, outcome]` pairs (default: the pair
   * itself). Lets a test report duplicates, wrong positions, nothing, or another kind of outcome.
   */
  readonly report?: (
    position: number,
    outcome: RemoteOutcome,
    request: ExecutorRequest,
  ) => readonly (readonly [number, RemoteOutcome])[];
  /** After this many examples were run, wait until the request's signal aborts (a stuck worker). */
  readonly hangAfter?: number;
}

/** Positions 0…n-1 in a fixed pseudo-random order (a small LCG). */
export function shuffledPositions(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Resolves never; rejects with the signal's reason once it aborts. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * Runs each example of a request with `runExampleHere` on the worker agent (after loading the
 * request's parameter values), one at a time in its own order, and reports each outcome through
 * `onOutcome` as soon as it has it. What `onOutcome` throws rejects `run`, as the contract says.
 */
export class InProcessExecutor<I, O, T> implements ExampleExecutor {
  /** Its name in messages. */
  readonly name = "in-process";
  /** The contract version implemented. */
  readonly contractVersion = EXECUTOR_CONTRACT_VERSION;
  /** Every request received, in order. */
  readonly requests: ExecutorRequest[] = [];
  /** Every outcome computed by the worker (before `report` rewrote it). */
  readonly computed: RemoteOutcome[] = [];
  readonly #worker: WorkerAgent<I, O, T>;
  readonly #options: InProcessExecutorOptions;

  /**
   * @param worker the agent the worker runs
   * @param options order, rewrites of what is reported, and a stuck worker
   */
  constructor(worker: WorkerAgent<I, O, T>, options: InProcessExecutorOptions = {}) {
    this.#worker = worker;
    this.#options = options;
  }

  /** @param request the examples to run and where to report */
  async run(request: ExecutorRequest): Promise<void> {
    this.requests.push(request);
    loadParameterValues(this.#worker.parameters(), request.parameters);
    const n = request.items.length;
    const order = this.#options.order ?? "reverse";
    const positions =
      order === "given"
        ? Array.from({ length: n }, (_, i) => i)
        : order === "reverse"
          ? Array.from({ length: n }, (_, i) => n - 1 - i)
          : shuffledPositions(n, this.#options.seed ?? 7);
    let ran = 0;
    for (const position of positions) {
      if (request.signal.aborted) throw request.signal.reason;
      if (this.#options.hangAfter !== undefined && ran >= this.#options.hangAfter)
        await untilAborted(request.signal);
      const item = request.items[position]!;
      const outcome = await runExampleHere(item.index, item.example as Example<I, T>, this.#worker, {
        errorScore: request.errorScore,
        signal: request.signal,
      });
      ran++;
      this.computed.push(outcome);
      const reports = this.#options.report?.(position, outcome, request) ?? [[position, outcome] as const];
      for (const [p, o] of reports) request.onOutcome(p, o);
    }
  }
}
