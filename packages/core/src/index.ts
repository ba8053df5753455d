/**
 * @trace-ts/core — traced values, operators, backward propagation, bundles and agent models, the
 * problem view and optimizer base that optimizers read, and the language-model contract. More for
 * specific audiences lives behind subpaths: `@trace-ts/core/llm` (middleware, budgets, caches,
 * usage, prices, token estimates, redaction), `@trace-ts/core/provider` (what provider packages
 * need), `@trace-ts/core/optimizer` (the kernel for writing optimizers), `@trace-ts/core/graph`
 * (tracing internals for tools and custom operations) and `@trace-ts/core/testing` (test doubles).
 */
import "./polyfill.js";
// installs the fluent methods (`x.add(y)`, `out.backward(feedback)`, …) on Node
import "./ops/fluent.js";

export type { DependencyContainer } from "tsyringe";
export { type BackwardOptions, backward, zeroFeedback } from "./backward/backward.js";
export { feedbackToText, isFeedback } from "./backward/feedback.js";
export { defaultPropagator, GraphPropagator, type Propagator, SumPropagator } from "./backward/propagator.js";
export { bundle } from "./bundle/bundle.js";
export {
  DecoratorUsageError,
  NotBundledError,
  NotTrainableError,
  SourceUnavailableError,
  UndeclaredDependencyError,
} from "./bundle/errors.js";
export type { BundleOptions } from "./bundle/options.js";
export { tool } from "./bundle/tool.js";
export { traced } from "./bundle/traced.js";
export type { BundledFunction, Traced, TracedMethod, TrainableBundledFunction } from "./bundle/types.js";
export {
  CodeCompileError,
  CodeForbiddenError,
  CodeMemoryError,
  CodeTimeoutError,
  InvalidScopeError,
  SandboxDataError,
  SignatureChangedError,
} from "./code/errors.js";
export {
  defaultIsolation,
  isIsolationLevel,
  requireIsolation,
  setDefaultIsolation,
} from "./code/isolation.js";
export type { IsolationLevel } from "./code/runner.js";
export {
  createContainer,
  getDefaultLanguageModel,
  hasDefaultLanguageModel,
  LANGUAGE_MODEL,
  registerLanguageModel,
  rootTraceContainer,
} from "./di/container.js";
export {
  type LanguageModelFromEnvOptions,
  languageModelFromEnv,
  type ModelSpec,
  parseModelSpec,
  type ResolveLanguageModelOptions,
  registeredProviders,
  registerProvider,
  resolveLanguageModel,
  unregisterProvider,
} from "./di/registry.js";
export { ExecutionError } from "./errors/execution-error.js";
export {
  BackwardTwiceError,
  InvalidFeedbackError,
  InvalidOptionError,
  NotANodeError,
  NotAParameterError,
  NotJsonValueError,
  PropagatorError,
} from "./errors/graph-errors.js";
export { findStopError } from "./errors/stop-error.js";
export { type RunStopReason, rootErrorCode, TraceError } from "./errors/trace-error.js";
export { graphScope, noTrace, resetNames } from "./graph/context.js";
export { type NodeOptions, node } from "./graph/create.js";
export type { Feedback, FeedbackRecord, ReceivedFeedback } from "./graph/feedback-types.js";
export {
  describeError,
  ExceptionNode,
  type MaybeNode,
  MessageNode,
  Node,
  type NodeInfo,
  ParameterNode,
} from "./graph/node.js";
export { toData } from "./graph/unwrap.js";
export {
  AuthenticationError,
  BadResponseError,
  BudgetExceededError,
  CancelledError,
  InvalidRequestError,
  LLMError,
  LLMTimeoutError,
  MissingApiKeyError,
  MissingProviderPackageError,
  NoDefaultLanguageModelError,
  ProviderError,
  RateLimitError,
  UnknownModelError,
} from "./llm/errors.js";
export { Budget } from "./llm/middleware/budget.js";
export { type WithDefaultsOptions, withDefaults } from "./llm/middleware/defaults.js";
export type { RateLimiter, RateLimitPermit } from "./llm/middleware/rate-limit.js";
export { UsageTracker } from "./llm/middleware/usage.js";
export type { ChatMessage, GenerateRequest, GenerateResult, LanguageModel, TokenUsage } from "./llm/types.js";
export { ParameterList, ParameterMap } from "./model/containers.js";
export { NotAModelError, StateFormatError, StateMismatchError, StateValueError } from "./model/errors.js";
export { isModel } from "./model/marker.js";
export { asModel, Model, type ModelMethods, model } from "./model/model.js";
export { type JsonValue, type ModelState, STATE_FORMAT, STATE_VERSION } from "./model/state.js";
export { applyOp } from "./ops/apply.js";
export { type CallLLMOptions, callLLM } from "./ops/call-llm.js";
export { fmt } from "./ops/fmt.js";
export { ops } from "./ops/index.js";
export type { LLMTool } from "./ops/llm-tools.js";
export {
  type ApprovalDecision,
  type ApprovalHook,
  allOf,
  type ProposedChange,
  rejectCodeChanges,
  requireStrictForCode,
} from "./optim/approval.js";
export {
  createOptimizer,
  OPTIMIZER_FACTORY,
  type OptimizerFactory,
  optimizerFromEnv,
  registerOptimizer,
  useOptimizer,
} from "./optim/di.js";
export {
  InvalidParametersError,
  ModelCallFailedError,
  NoOptimizerError,
  OptimizerStateError,
  UnusableAnswerError,
} from "./optim/errors.js";
export {
  Optimizer,
  OptimizerBusyError,
  type OptimizerOptions,
  type OptimizerState,
  type ScoredProposal,
  type StepOptions,
} from "./optim/optimizer.js";
export {
  type AppliedChange,
  formatChanges,
  type ModelCall,
  type Proposal,
  type RejectedChange,
  type StepReport,
  type StepUsage,
  stepReportToJSON,
} from "./optim/report.js";
export {
  isExceptionEntry,
  type OutputFeedback,
  type ProblemEntry,
  type ProblemView,
  type ProblemViewOptions,
  problemView,
} from "./problem/problem-view.js";
export { type ValueType, valueTypeOf } from "./problem/value-type.js";
export { type DotOptions, toDot } from "./render/dot.js";
