/**
 * @trace-ts/opro — an OPRO-style optimizer for trace-ts: a history of tried values and how they
 * were judged, shown in ascending order with the best last, from which the model proposes new
 * solutions (several per step when candidates are scored).
 */
export { OproNoCandidateError } from "./errors.js";
export { feedbackExemplars } from "./exemplars.js";
export {
  addToHistory,
  type Direction,
  historyFromState,
  meanScore,
  type OproFeedback,
  type OproHistoryEntry,
  rankHistory,
} from "./history.js";
export { Opro, type OproCandidateRecord, type OproDetails } from "./opro.js";
export {
  DEFAULT_OPRO_OBJECTIVE,
  defaultScoreOf,
  OPRO_OPTION_SCHEMA,
  type OproCandidateInfo,
  type OproCandidateScore,
  type OproExemplar,
  type OproOptions,
  type OproSettings,
  type ScoreOf,
} from "./options.js";
export {
  DEFAULT_MAX_ANSWER_CHARS,
  type ParsedSolution,
  type ParseMeter,
  type ParseSolutionOptions,
  parseSolution,
  readSolution,
  type SolutionReading,
} from "./parse.js";
export {
  givenExemplars,
  OPRO_TITLE,
  type OproPromptInput,
  oproPrompt,
  type RenderedExemplars,
  type RenderedHistory,
  type RenderHistoryOptions,
  renderEntry,
  renderExemplars,
  renderHistory,
  type ShownExemplar,
  valueBlock,
} from "./prompt.js";
export { OPRO_NAME, oproRegistration, type RegisterOproOptions, registerOpro } from "./register.js";
export { isOproRequest, OPRO_PURPOSE } from "./request-info.js";
