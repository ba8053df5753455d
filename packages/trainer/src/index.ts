/**
 * @trace-ts/trainer — datasets, guides, training algorithms, evaluation with bounded concurrency,
 * checkpoints and resume, budgets, run logs and progress for trace-ts. See the package README and
 * docs/training.md.
 */

export { type Agent, agentOf, type Forward, type ForwardContext } from "./agent.js";
export { type BeamSearchOptions, beamSearch } from "./algorithms/beam-search.js";
export { type BestOfNOptions, bestOfN } from "./algorithms/best-of-n.js";
export { type MinibatchOptions, minibatch } from "./algorithms/minibatch.js";
export {
  type ParetoMergeOptions,
  type ParetoSearchOptions,
  paretoSearch,
} from "./algorithms/pareto-search.js";
export type { CandidateView, Priority, PriorityContext, PriorityFunction } from "./algorithms/priority.js";
export {
  type CandidateFilter,
  type CandidateFilterInput,
  type PrioritySearchOptions,
  type PriorityValidation,
  prioritySearch,
  type StreamingPrioritySearchOptions,
  streamingPrioritySearch,
} from "./algorithms/priority-search.js";
export type { ScoreOn } from "./algorithms/scoring.js";
export type {
  Algorithm,
  AlgorithmContext,
  BatchRun,
  ContextEvaluateOptions,
  Measurement,
  ProposalOutcome,
  StepOutcome,
} from "./algorithms/types.js";
export { type UcbSearchOptions, ucbSearch } from "./algorithms/ucb-search.js";
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  readCheckpoint,
} from "./checkpoint/checkpoint.js";
export type { FencedTarget, WriteFence } from "./checkpoint/fence.js";
export {
  type BatchOptions,
  Dataset,
  type DatasetName,
  type DatasetSplits,
  type SplitOptions,
  type SplitSizes,
} from "./data/dataset.js";
export type { Example } from "./data/example.js";
export {
  type JsonlDefaultOptions,
  type JsonlOptions,
  type JsonlParseOptions,
  type JsonlValidateOptions,
  parseJsonl,
  readJsonl,
  toExample,
} from "./data/jsonl.js";
export { Rng, type RngState } from "./data/rng.js";
export { EpochSampler, type SampledBatch, type SamplerState } from "./data/sampler.js";
export {
  AgentError,
  CheckpointError,
  CheckpointExistsError,
  CheckpointMismatchError,
  CheckpointNotFoundError,
  CheckpointValueError,
  DatasetError,
  ForwardOutputError,
  GuideError,
  JudgeResponseError,
  ModelUnavailableError,
  NotSerializableError,
  RemoteExampleError,
  RemoteParameterError,
  RemoteStopError,
  RunCancelledError,
} from "./errors.js";
export {
  type EvaluateOptions,
  type Evaluation,
  type ExampleResult,
  evaluate,
  type OutageFailure,
} from "./evaluate.js";
export { findCause, stoppingError, stopReasonOfCode } from "./fatal.js";
export { type ExactMatchOptions, exactMatch } from "./guides/exact-match.js";
export {
  type FunctionGuide,
  type GuideFunction,
  type GuideFunctionResult,
  type GuideOptions,
  guide,
} from "./guides/function-guide.js";
export {
  DEFAULT_MAX_JUDGE_REPLY_CHARS,
  type JudgeParseOptions,
  type JudgeParseResult,
  type JudgeScale,
  parseJudgeResponse,
} from "./guides/judge-parse.js";
export { judgeMessages, type LlmJudgeOptions, llmJudge } from "./guides/llm-judge.js";
export type { Guide, GuideContext, GuideResult } from "./guides/types.js";
export type { LogContentOptions } from "./log/content.js";
export { RUN_LOG_SCHEMA_PATH, readRunLog, runLogSchema } from "./log/read.js";
export {
  type CallRecord,
  type ChangeRecord,
  type DatasetInfo,
  type EndRecord,
  type EvalRecord,
  type OutageRecord,
  type ParameterValueRecord,
  type ProposalRecord,
  type ResumeRecord,
  RUN_LOG_FORMAT,
  RUN_LOG_VERSION,
  type RunLogRecord,
  type RunRecord,
  type StepRecord,
  type StepSkip,
  type StopReason,
  type UsageRecord,
} from "./log/records.js";
export { AUTOMATIC_METRICS, type Metrics, meanMetrics } from "./objective/metrics.js";
export {
  Objective,
  type ObjectiveCommon,
  type ObjectiveConfig,
  type ParetoObjective,
  type ScalarObjective,
  type WeightedObjective,
} from "./objective/objective.js";
export type { ProgressOptions, ProgressStatus } from "./progress.js";
export {
  EXECUTOR_CONTRACT_VERSION,
  type ExampleExecutor,
  type ExecutorItem,
  type ExecutorRequest,
  type ParameterValue,
  type RemoteFailure,
  type RemoteOutcome,
  type RemoteResult,
  type RemoteStop,
} from "./remote/executor.js";
export {
  DEFAULT_MAX_OUTPUT_CHARS,
  loadParameterValues,
  type RemotePieces,
  type RunHereOptions,
  runExampleHere,
} from "./remote/run-here.js";
export { restoreSnapshot, type Snapshot, takeSnapshot } from "./snapshot.js";
export type { EarlyStopOptions, ResumeOptions, TrainConfig } from "./train/config.js";
export type { TrainResult } from "./train/session.js";
export { resume, train } from "./train/train.js";
