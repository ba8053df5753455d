import { clause } from "../errors/clause.js";
import { TraceError } from "../errors/trace-error.js";
import { describeError } from "../graph/node.js";

/** An optimizer was built with no trainable parameters, duplicates, or non-parameters. */
export class InvalidParametersError extends TraceError {
  /**
   * @param where the optimizer or function that received the parameters
   * @param problem what is wrong
   */
  constructor(where: string, problem: string) {
    super("INVALID_PARAMETERS", `${where}: ${problem}`);
  }
}

/** `loadState()` received state it cannot use (another optimizer's, a newer format, malformed). */
export class OptimizerStateError extends TraceError {
  /** @param problem what is wrong with the state */
  constructor(problem: string) {
    super("OPTIMIZER_STATE", `cannot load optimizer state: ${problem}`);
  }
}

/** No optimizer factory is registered in the container asked. */
export class NoOptimizerError extends TraceError {
  /**
   * @param name the optimizer name asked for, if any
   * @param registered the names registered in the container, listed in the message
   * @param source where the name came from (e.g. `TRACE_OPTIMIZER`), named in the message
   */
  constructor(name?: string, registered?: readonly string[], source?: string) {
    const known =
      registered === undefined
        ? ""
        : registered.length === 0
          ? " (no optimizer is registered by name in this container)"
          : ` (registered: ${registered.join(", ")})`;
    const pick = registered !== undefined && registered.length > 0 ? "use one of those, or " : "";
    super(
      "NO_OPTIMIZER",
      name === undefined
        ? "no optimizer factory is registered; call registerOptimizer(container, factory) (e.g. registerOptoPrime from @trace-ts/optoprime) or useOptimizer(container, name)"
        : `${source === undefined ? "" : `${source}=${name}: `}no optimizer named '${name}' is registered${known}; ` +
            `${pick}register it with registerOptimizer(container, factory, { name: '${name}' })`,
    );
  }
}

/**
 * A language model kept answering in a form the optimizer cannot use (nothing parseable, a value
 * of the wrong type, code that does not compile, …) after every re-ask. The step changes nothing;
 * its report carries the message as `error` and `UNUSABLE_ANSWER` as `errorCode`.
 */
export class UnusableAnswerError extends TraceError {
  /** The optimizer, e.g. `OptoPrime`. */
  readonly optimizer: string;
  /** The conversation that failed, e.g. `propose` or `update str0`. */
  readonly purpose: string;
  /** What was wrong with the last answer. */
  readonly problems: readonly string[];
  /** Answers read (1 + re-asks). */
  readonly attempts: number;

  /**
   * @param optimizer the optimizer's name
   * @param purpose the conversation, e.g. `propose`
   * @param problems what was wrong with the last answer
   * @param attempts answers read
   */
  constructor(optimizer: string, purpose: string, problems: readonly string[], attempts: number) {
    super(
      "UNUSABLE_ANSWER",
      `${optimizer} ${purpose}: no usable answer after ${attempts} ${attempts === 1 ? "try" : "tries"}; ` +
        `nothing was changed. Last problems: ${problems.map(clause).join("; ")}. ` +
        "Raise maxRetries, use a stronger model, or read the prompt in the step report's calls.",
    );
    this.optimizer = optimizer;
    this.purpose = purpose;
    this.problems = problems;
    this.attempts = attempts;
  }
}

/**
 * A model call of an optimizer failed (provider error, timeout, spent budget, …). The step changes
 * nothing; its report carries the message as `error` and, as `errorCode`, the code of the
 * underlying failure (e.g. `LLM_RATE_LIMIT`, `LLM_BUDGET_EXCEEDED`; see `rootErrorCode`), so that a
 * trainer can tell an outage from a bad answer. Cancellation is never wrapped: it is rethrown.
 */
export class ModelCallFailedError extends TraceError {
  /** The optimizer, e.g. `TextGrad`. */
  readonly optimizer: string;
  /** The call that failed, e.g. `gradient add0 -> str0`. */
  readonly purpose: string;

  /**
   * @param optimizer the optimizer's name
   * @param purpose the call that failed
   * @param cause the model's error
   */
  constructor(optimizer: string, purpose: string, cause: unknown) {
    super(
      "MODEL_CALL_FAILED",
      `${optimizer} ${purpose}: the model call failed: ${clause(describeError(cause))}. Nothing was changed; fix the cause and call step() again.`,
      { cause },
    );
    this.optimizer = optimizer;
    this.purpose = purpose;
  }
}
