export {
  BackwardTwiceError,
  describeValue,
  InvalidFeedbackError,
  InvalidOptionError,
  NotANodeError,
  PropagatorError,
} from "./graph-errors.js";
export { TraceError } from "./trace-error.js";
