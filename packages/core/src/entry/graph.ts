/**
 * @trace-ts/core/graph — tracing internals for tools and custom operations: the trace state and
 * its scoping, naming, traversal, the option and handle types of bundles, and source annotation.
 * Most programs need only `@trace-ts/core`.
 */

export type { BundleMethodDecorator } from "../bundle/bundle.js";
export type { BundleSourceLocation } from "../bundle/location.js";
export { DEFAULT_TIMEOUT_MS } from "../bundle/options.js";
export type {
  BundleableFunction,
  BundleHandle,
  ModelMethodName,
  TracedArgs,
  TracedMember,
  TracedResult,
  TrainableBundleHandle,
} from "../bundle/types.js";
export { annotateSource } from "../code/annotate.js";
export { ContainerShapeError } from "../errors/graph-errors.js";
export {
  currentTraceState,
  type DataReadObserver,
  isTracing,
  type TraceState,
  withTraceSlot,
  withTraceState,
} from "../graph/context.js";
export { type BaseInfo, keyStem, NameScope } from "../graph/naming.js";
export type { ExceptionInit, MessageInit, NodeInit, ParameterInit, Unwrap } from "../graph/node.js";
export { ancestorsInTopologicalOrder } from "../graph/traverse.js";
export {
  type FoundNode,
  FoundNodes,
  holdsNodes,
  type ToData,
  unwrapNodes,
  type WithNodes,
} from "../graph/unwrap.js";
export type { CloneOptions } from "../model/clone.js";
export { ParameterContainerError } from "../model/errors.js";
export type { LoadStateOptions, ParameterState } from "../model/state.js";
export { type NamedParameter, namedParametersIn } from "../model/walk.js";
export type { Broadcast } from "../ops/apply.js";
export { CALL_LLM_OP } from "../ops/call-llm.js";
export type { Container } from "../ops/collection.js";
export type { Ordered } from "../ops/comparison.js";
export type { ListItem, Unwrapped } from "../ops/construct.js";
export { sameValueZero, structurallyEqual } from "../ops/equality.js";
export { InvalidOperandError, ItemNotFoundError } from "../ops/errors.js";
export type { ItemsOf } from "../ops/items.js";
export type { MethodName } from "../ops/misc.js";
export {
  type CollectedInputs,
  collectInputs,
  type InputValues,
  type OpSpec,
  recordOp,
} from "../ops/record.js";
export type { SetLike } from "../ops/sets.js";
