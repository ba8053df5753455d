/**
 * @trace-ts/core/graph — tracing internals for tools and custom operations: the trace state and
 * its scoping, naming, traversal, the option and handle types of bundles, and source annotation.
 * Most programs need only `@trace-ts/core`.
 */

export type { BundleMethodDecorator } from "../bundle/bundle.js";
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
export {
  currentTraceState,
  type DataReadObserver,
  isTracing,
  type TraceState,
  withTraceSlot,
  withTraceState,
} from "../graph/context.js";
export { keyStem, NameScope } from "../graph/naming.js";
export type { ExceptionInit, MessageInit, NodeInit, ParameterInit, Unwrap } from "../graph/node.js";
export { ancestorsInTopologicalOrder } from "../graph/traverse.js";
export type { CloneOptions } from "../model/clone.js";

export type { LoadStateOptions, ParameterState } from "../model/state.js";
export type { NamedParameter } from "../model/walk.js";
export { CALL_LLM_OP } from "../ops/call-llm.js";
export { collectInputs, type InputValues } from "../ops/record.js";
