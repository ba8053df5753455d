/**
 * @trace-ts/textgrad — a TextGrad-style optimizer for trace-ts: textual gradients per edge of the
 * graph (none through pass-through operations), kept with their context and concatenated per
 * node, then one rewrite per parameter.
 */
export {
  DEFAULT_CRITIQUE_TOKEN_BUDGET,
  DEFAULT_OBJECTIVE,
  DEFAULT_PASS_THROUGH_OPS,
  type TextGradOptions,
  type TextGradSettings,
} from "./options.js";
export {
  DEFAULT_MAX_ANSWER_CHARS,
  type ExtractedValue,
  type ExtractNewValueOptions,
  extractNewValue,
} from "./parse.js";
export {
  type GradientEdge,
  type GradientInbox,
  type PlanOptions,
  planTextGrad,
  type TextGradPlan,
} from "./plan.js";
export { type GradientEntry, NEW_VALUE_CLOSE, NEW_VALUE_OPEN } from "./prompts.js";
export { type RegisterTextGradOptions, registerTextGrad, TEXTGRAD_NAME } from "./register.js";
export { type TextGradRequestInfo, textGradRequestInfo } from "./request-info.js";
export { TextGrad, type TextGradDetails } from "./textgrad.js";
