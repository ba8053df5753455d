/**
 * @trace-ts/textgrad — a TextGrad-style optimizer for trace-ts: textual gradients per edge of the
 * graph, merged per node, then one rewrite per parameter.
 */
export { DEFAULT_OBJECTIVE, type TextGradOptions, type TextGradSettings } from "./options.js";
export {
  DEFAULT_MAX_ANSWER_CHARS,
  type ExtractedValue,
  type ExtractNewValueOptions,
  extractNewValue,
} from "./parse.js";
export { type GradientEdge, type GradientInbox, planTextGrad, type TextGradPlan } from "./plan.js";
export { NEW_VALUE_CLOSE, NEW_VALUE_OPEN } from "./prompts.js";
export { type RegisterTextGradOptions, registerTextGrad, TEXTGRAD_NAME } from "./register.js";
export { type TextGradRequestInfo, textGradRequestInfo } from "./request-info.js";
export { TextGrad, type TextGradDetails } from "./textgrad.js";
