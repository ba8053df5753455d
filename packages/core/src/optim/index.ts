export {
  type ApprovalDecision,
  type ApprovalHook,
  allOf,
  type ProposedChange,
  rejectCodeChanges,
  requireStrictForCode,
  VETO_REASON_PREFIX,
} from "./approval.js";
export { type ConversionResult, convertSuggestedValue, sameValue, stripCodeFence } from "./convert.js";
export {
  createOptimizer,
  OPTIMIZER_FACTORY,
  type OptimizerFactory,
  optimizerFromEnv,
  type RegisterOptimizerOptions,
  registerOptimizer,
  useOptimizer,
} from "./di.js";
export { InvalidParametersError, NoOptimizerError, OptimizerStateError } from "./errors.js";
export { ModelCallLog } from "./model-calls.js";
export {
  type ApplyResult,
  type ApproveOptions,
  OPTIMIZER_OPTION_SCHEMA,
  Optimizer,
  OptimizerBusyError,
  type OptimizerOptions,
  type OptimizerState,
  type PreparedUpdates,
  type StepOptions,
} from "./optimizer.js";
export {
  type AppliedChange,
  formatChanges,
  type ModelCall,
  type Proposal,
  type RejectedChange,
  type StepReport,
  type StepUsage,
  stepReportToJSON,
  totalUsage,
} from "./report.js";
