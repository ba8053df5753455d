/**
 * @trace-ts/opro — an OPRO-style optimizer for trace-ts: a history of tried values and how they
 * were judged, shown best first, from which the model proposes a new solution.
 */
export {
  addToHistory,
  type Direction,
  historyFromState,
  meanScore,
  type OproFeedback,
  type OproHistoryEntry,
  rankHistory,
} from "./history.js";
export { Opro, type OproDetails } from "./opro.js";
export {
  DEFAULT_OPRO_OBJECTIVE,
  defaultScoreOf,
  OPRO_OPTION_SCHEMA,
  type OproOptions,
  type OproSettings,
  type ScoreOf,
} from "./options.js";
export {
  DEFAULT_MAX_ANSWER_CHARS,
  type ParsedSolution,
  type ParseSolutionOptions,
  parseSolution,
  readSolution,
  type SolutionReading,
} from "./parse.js";
export {
  OPRO_TITLE,
  type OproPromptInput,
  oproPrompt,
  type RenderedHistory,
  type RenderHistoryOptions,
  renderEntry,
  renderHistory,
  valueBlock,
} from "./prompt.js";
export { OPRO_NAME, oproRegistration, type RegisterOproOptions, registerOpro } from "./register.js";
export { isOproRequest, OPRO_PURPOSE } from "./request-info.js";
