export {
  BackwardTwiceError,
  describeValue,
  InvalidFeedbackError,
  InvalidOptionError,
  NotANodeError,
  NotAParameterError,
  PropagatorError,
} from "./graph-errors.js";
export { findStopError } from "./stop-error.js";
export { type RunStopReason, rootErrorCode, TraceError } from "./trace-error.js";
