export {
  BackwardTwiceError,
  describeValue,
  InvalidFeedbackError,
  InvalidOptionError,
  NotANodeError,
  NotAParameterError,
  PropagatorError,
} from "./graph-errors.js";
export { TraceError } from "./trace-error.js";
