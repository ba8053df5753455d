/**
 * @trace-ts/core — traced values, operators, backward propagation and the problem view that
 * optimizers read. See the package README for an overview.
 */
import "./polyfill.js";

export { type BackwardOptions, backward, zeroFeedback } from "./backward/backward.js";
export {
  type Feedback,
  type FeedbackRecord,
  feedbackToText,
  isFeedback,
  type ReceivedFeedback,
} from "./backward/feedback.js";
export { defaultPropagator, GraphPropagator, type Propagator, SumPropagator } from "./backward/propagator.js";
export { type BundleMethodDecorator, bundle } from "./bundle/bundle.js";
export {
  DecoratorUsageError,
  NotBundledError,
  NotTrainableError,
  SourceUnavailableError,
  UndeclaredDependencyError,
} from "./bundle/errors.js";
export { type BundleOptions, DEFAULT_TIMEOUT_MS } from "./bundle/options.js";
export { traced } from "./bundle/traced.js";
export type {
  BundleableFunction,
  BundledFunction,
  BundleHandle,
  ModelMethodName,
  Traced,
  TracedArgs,
  TracedMember,
  TracedMethod,
  TracedResult,
} from "./bundle/types.js";
export { annotateSource } from "./code/annotate.js";
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
export * from "./di/index.js";
export { ExecutionError } from "./errors/execution-error.js";
export * from "./errors/index.js";
export {
  currentTraceState,
  type DataReadObserver,
  graphScope,
  isTracing,
  noTrace,
  resetNames,
  type TraceState,
  withTraceSlot,
  withTraceState,
} from "./graph/context.js";
export { type NodeOptions, node } from "./graph/create.js";
export { keyStem, NameScope } from "./graph/naming.js";
export {
  defaultBaseName,
  describeError,
  type ExceptionInit,
  ExceptionNode,
  type MaybeNode,
  type MessageInit,
  MessageNode,
  Node,
  type NodeInfo,
  type NodeInit,
  type ParameterInit,
  ParameterNode,
  type Unwrap,
} from "./graph/node.js";
export { ancestorsInTopologicalOrder } from "./graph/traverse.js";
export * from "./llm/index.js";
export type { CloneOptions } from "./model/clone.js";
export { NotAModelError, StateFormatError, StateMismatchError, StateValueError } from "./model/errors.js";
export { exportModelSource } from "./model/export-source.js";
export { asModel, isModel, Model, type ModelMethods, model } from "./model/model.js";
export {
  type JsonValue,
  type LoadStateOptions,
  type ModelState,
  type ParameterState,
  STATE_FORMAT,
  STATE_VERSION,
} from "./model/state.js";
export type { NamedParameter } from "./model/walk.js";
export { collectInputs, fmt, type InputValues, type OpSpec, ops, recordOp } from "./ops/index.js";
export * from "./optim/index.js";
export { formatValue, truncateText } from "./problem/format-value.js";
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
export { hasNameAt, isSpace, type ParseMeter, skipSpace, stripFence } from "./text/scan.js";
export { type OptionKind, type OptionSchema, validateOptions } from "./util/options.js";
