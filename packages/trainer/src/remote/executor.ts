/**
 * The contract between the trainer and something that runs examples outside this process (for
 * instance the BullMQ workers of @trace-ts/scale): what it is asked to run and what it reports
 * back for each example. The trainer keeps the rules (ordering, which errors stop the run, how
 * outages are counted); an executor only moves examples and outcomes.
 */
import type { RunStopReason } from "@trace-ts/core";
import type { Example } from "../data/example.js";
import type { Metrics } from "../objective/metrics.js";

/** Version of the executor contract; an executor states the version it implements. */
export const EXECUTOR_CONTRACT_VERSION = 1;

/** A parameter's value, sent with an evaluation so remote agents run the values in effect here. */
export interface ParameterValue {
  /** The parameter's node name (`prompt:0`); the remote agent must have a parameter of this name. */
  readonly name: string;
  /** Its value (JSON). */
  readonly value: unknown;
}

/** One example to run, with its index in the dataset it came from. */
export interface ExecutorItem {
  /** Index of the example in its dataset. */
  readonly index: number;
  /** The example (its input and target must be JSON to travel). */
  readonly example: Example<unknown, unknown>;
}

/** What the trainer asks an executor to run. */
export interface ExecutorRequest {
  /** The examples, in the order their outcomes are reported by position. */
  readonly items: readonly ExecutorItem[];
  /** The values of the parameters in effect, by name (empty: the remote agent's own values). */
  readonly parameters: readonly ParameterValue[];
  /** Score of an example whose forward pass failed inside a traced operation. */
  readonly errorScore: number;
  /** Aborted when the evaluation is cancelled or fails: the executor stops everything it started. */
  readonly signal: AbortSignal;
  /**
   * Called once per position as each outcome arrives, in any order. When it throws, the executor
   * cancels the work that remains and rejects with what it threw.
   */
  readonly onOutcome: (position: number, outcome: RemoteOutcome) => void;
}

/**
 * Runs examples somewhere else. `run` resolves when every position was reported through
 * `onOutcome` (or rejects: with what `onOutcome` threw, a cancellation, or the executor's own
 * error when an example could not be run at all).
 */
export interface ExampleExecutor {
  /** A short name for messages (`bullmq:trace-ts-eval`). */
  readonly name: string;
  /** The contract version it implements (`EXECUTOR_CONTRACT_VERSION`). */
  readonly contractVersion: typeof EXECUTOR_CONTRACT_VERSION;
  /**
   * Runs the examples of a request.
   * @param request the examples, parameter values, error score, signal and the outcome callback
   */
  run(request: ExecutorRequest): Promise<void>;
}

/** An example that ran: scored by the guide, or scored `errorScore` after a traced failure. */
export interface RemoteResult {
  /** Always `result`. */
  readonly kind: "result";
  /** Index of the example in its dataset. */
  readonly index: number;
  /** The example's id, when it has one. */
  readonly id?: string;
  /** The guide's score, or the error score. */
  readonly score: number;
  /** The guide's feedback, or the failed operation's error feedback. */
  readonly feedback: string;
  /** The output's value as JSON (null when it had no JSON form or was over the size cap). */
  readonly output: unknown;
  /** The error as `Name: message`, when the forward pass failed inside a traced operation. */
  readonly error?: string;
  /** What was measured (see `ExampleResult.metrics`). */
  readonly metrics: Metrics;
  /** Wall-clock time of forward pass and guide on the worker, in milliseconds. */
  readonly durationMs: number;
}

/**
 * An example stopped by an error that stops runs (a spent budget, a model outage, a
 * cancellation): the trainer decides what follows, exactly as for a local one.
 */
export interface RemoteStop {
  /** Always `stop`. */
  readonly kind: "stop";
  /** Index of the example in its dataset. */
  readonly index: number;
  /** The example's id, when it has one. */
  readonly id?: string;
  /** Why it stops runs. */
  readonly reason: RunStopReason;
  /** The stable code of the error (`LLM_RATE_LIMIT`). */
  readonly code: string;
  /** The error as `Name: message`. */
  readonly error: string;
}

/**
 * An example whose run failed in a way that is neither feedback nor a stop: the forward function
 * threw outside traced operations (`AGENT_FAILED`) or the guide failed. Locally these reject the
 * evaluation; remotely too.
 */
export interface RemoteFailure {
  /** Always `failure`. */
  readonly kind: "failure";
  /** Index of the example in its dataset. */
  readonly index: number;
  /** The example's id, when it has one. */
  readonly id?: string;
  /** The error's class name on the worker (`AgentError`). */
  readonly name: string;
  /** Its stable code, or `UNKNOWN` for an error that had none. */
  readonly code: string;
  /** Its message. */
  readonly message: string;
}

/** What an executor reports for one example. */
export type RemoteOutcome = RemoteResult | RemoteStop | RemoteFailure;
