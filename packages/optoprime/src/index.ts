/**
 * @trace-ts/optoprime — the OptoPrime generative optimizer for trace-ts: it shows a language
 * model the traced program between the trainable parameters and the outputs, with the feedback,
 * and applies the new values it suggests (prompts, numbers, objects, function source).
 */
/** Runs a function with parameters temporarily set to a candidate's values (from core, re-exported). */
export { DEFAULT_VALUE_CHAR_BUDGET, withValues } from "@trace-ts/core/optimizer";
export type {
  MemoryEntry,
  RememberedFeedback,
  RememberedValue,
  StepOutcome,
  StepOutcomeStatus,
} from "./memory.js";
export {
  type CandidateInfo,
  type CandidateRecord,
  type CandidateScore,
  type CandidateSelection,
  DEFAULT_CANDIDATES,
  DEFAULT_TEMPERATURE_RANGE,
  OPTOPRIME_MULTI,
  OptoPrimeMulti,
  type OptoPrimeMultiDetails,
  type OptoPrimeMultiOptions,
  type OptoPrimeMultiSettings,
  optoPrimeMultiFactory,
  optoPrimeMultiRegistration,
  type RegisterOptoPrimeMultiOptions,
  registerOptoPrimeMulti,
} from "./multi.js";
export {
  OPTOPRIME,
  OptoPrime,
  type OptoPrimeDetails,
  type OptoPrimeOptions,
  type OptoPrimeSettings,
  optoPrimeFactory,
  optoPrimeRegistration,
  type RegisterOptoPrimeOptions,
  registerOptoPrime,
  type SuggestionRequest,
} from "./optoprime.js";
export { type ReadChoiceOptions, readChoice } from "./parse/choice.js";
export {
  type JsonishValue,
  type ScanBudget,
  type ScanOptions,
  type ScanResult,
  scanValueAt,
} from "./parse/jsonish.js";
export { type KeyResolver, keyResolver } from "./parse/keys.js";
export {
  DEFAULT_MAX_ANSWER_CHARS,
  type ParsedSuggestion,
  type ParseSuggestionOptions,
  parseSuggestion,
} from "./parse/parse-suggestion.js";
export type { PromptBudgetReport } from "./prompt/budget.js";
export {
  DEFAULT_PROMPT_TOKEN_BUDGET,
  type RenderedPrompt,
  type RenderPromptOptions,
  renderPrompt,
} from "./prompt/prompt.js";
export { DEFAULT_OBJECTIVE, REPLY_FORMAT, SYSTEM_PROMPT } from "./prompt/text.js";
export { type OptoPrimeRequestInfo, optoPrimeRequestInfo } from "./request-info.js";
