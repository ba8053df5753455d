/**
 * @trace-ts/core/optimizer — the kernel for writing optimizers that ask a language model:
 * `ModelOptimizer`, the shared conversation loop `askModel`, the options base and resolver, the
 * registration helper, conversion and validation of suggested values, and the one-pass scanning
 * helpers for parsing model output. See "Write your own optimizer" in docs/optimizers.md.
 */

export { describeValue } from "../errors/graph-errors.js";
export { VETO_REASON_PREFIX } from "../optim/approval.js";
export {
  type AnswerReading,
  type AskOutcome,
  type AskRequestOptions,
  type AskSpec,
  askModel,
  CUT_OFF_PROBLEM,
} from "../optim/ask.js";
export { type ConversionResult, convertSuggestedValue, sameValue, stripCodeFence } from "../optim/convert.js";
export {
  type OptimizerRegistration,
  optimizerRegistration,
  type RegisterOptimizerOptions,
  type RegisterWithOptions,
  registeredOptimizers,
} from "../optim/di.js";
export { ModelCallLog } from "../optim/model-calls.js";
export {
  type FailedProposalParts,
  keysOf,
  ModelOptimizer,
  NO_FEEDBACK,
  noDependencyMessage,
  type OptimizerAsk,
} from "../optim/model-optimizer.js";
export {
  checkAtLeast,
  DEFAULT_VALUE_CHAR_BUDGET,
  MODEL_OPTIMIZER_OPTION_SCHEMA,
  type ModelOptimizerDefaults,
  type ModelOptimizerOptions,
  type ModelOptimizerSettings,
  resolveModelOptimizerOptions,
} from "../optim/model-options.js";
export {
  type ApplyResult,
  type ApproveOptions,
  OPTIMIZER_OPTION_SCHEMA,
  type PreparedUpdates,
} from "../optim/optimizer.js";
export { totalUsage } from "../optim/report.js";
export { withValues } from "../optim/with-values.js";
export { formatValue, truncateText } from "../problem/format-value.js";
export { hasNameAt, isSpace, type ParseMeter, skipSpace, stripFence } from "../text/scan.js";
export { type OptionKind, type OptionSchema, validateOptions } from "../util/options.js";
