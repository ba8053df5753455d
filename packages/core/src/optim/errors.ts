import { TraceError } from "../errors/trace-error.js";

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
  /** @param name the optimizer name asked for, if any */
  constructor(name?: string) {
    super(
      "NO_OPTIMIZER",
      name === undefined
        ? "no optimizer factory is registered; call registerOptimizer(container, factory) (e.g. registerOptoPrime from @trace-ts/optoprime) or useOptimizer(container, name)"
        : `no optimizer named '${name}' is registered; register it with registerOptimizer(container, factory, { name: '${name}' })`,
    );
  }
}
