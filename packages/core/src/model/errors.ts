import { clause } from "../errors/clause.js";
import { TraceError } from "../errors/trace-error.js";

// one set of state errors for models and bundled functions (bundles cannot import model/)
export {
  StateFormatError,
  type StateFormatErrorOptions,
  StateMismatchError,
  StateValueError,
} from "../bundle/state-errors.js";

/** A model operation was used on an object that is not a model. */
export class NotAModelError extends TraceError {
  /** @param what a description of the value */
  constructor(what: string) {
    super("NOT_A_MODEL", `${what} is not a model; decorate its class with @model or extend Model.`);
  }
}

/** A parameter container (`ParameterList`, `ParameterMap`) was built from the wrong kind of value. */
export class ParameterContainerError extends TraceError {
  /**
   * @param container the container class, e.g. `ParameterList`
   * @param problem what is wrong and what to do
   */
  constructor(container: string, problem: string) {
    super("PARAMETER_CONTAINER", `${container}: ${clause(problem)}.`);
  }
}
