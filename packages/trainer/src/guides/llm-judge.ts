/** An LLM judge: a guide that asks a language model to grade each output. */
import type { ChatMessage, LanguageModel } from "@trace-ts/core";
import { generateInstrumented } from "@trace-ts/core/instrumentation";
import { formatValue, truncateText, validateOptions } from "@trace-ts/core/optimizer";
import type { Example } from "../data/example.js";
import { JudgeResponseError } from "../errors.js";
import { DEFAULT_MAX_JUDGE_REPLY_CHARS, type JudgeScale, parseJudgeResponse } from "./judge-parse.js";
import type { Guide, GuideResult } from "./types.js";

/** Options of `llmJudge`. */
export interface LlmJudgeOptions<O, I, T> {
  /** The model that grades (any `LanguageModel`, e.g. wrapped with usage tracking or a budget). */
  readonly model: LanguageModel;
  /**
   * What a good output is, in plain words (default: a generic statement about correctness and
   * following the task's instructions). The more specific, the more useful the feedback.
   */
  readonly criteria?: string;
  /** The scale the model grades on (default 0–10); the guide maps it to [0, 1]. */
  readonly scale?: JudgeScale;
  /** How many times to re-ask when no score can be read from the reply (default 1). */
  readonly maxRetries?: number;
  /** Sampling temperature of the judge (default 0). */
  readonly temperature?: number;
  /** Token limit of each reply (default 400). */
  readonly maxTokens?: number;
  /** Ask the provider for JSON output (`responseFormat: json`) (default false; not all servers support it). */
  readonly jsonMode?: boolean;
  /** Longest text shown for an input, output or target before it is cut with a marker (default 6000). */
  readonly maxValueChars?: number;
  /**
   * Longest reply read, in characters (default 1,000,000). A longer reply is not parsed: it counts
   * as a reply without a readable score (re-asked, then `JudgeResponseError`).
   */
  readonly maxResponseChars?: number;
  /** Renders the example input for the prompt (default: text as is, other values as JSON). */
  readonly showInput?: (input: I) => string;
  /** Renders the output for the prompt (default: text as is, other values as JSON). */
  readonly showOutput?: (output: O) => string;
  /** Renders the target for the prompt (default: text as is, other values as JSON). */
  readonly showTarget?: (target: T) => string;
  /** Name for logs (default `llm-judge`). */
  readonly name?: string;
}

const OPTIONS = {
  model: "object",
  criteria: "string",
  scale: "object",
  maxRetries: "integer",
  temperature: "number",
  maxTokens: "integer",
  jsonMode: "boolean",
  maxValueChars: "integer",
  maxResponseChars: "integer",
  showInput: "function",
  showOutput: "function",
  showTarget: "function",
  name: "string",
} as const;

const DEFAULT_CRITERIA =
  "The answer does what the task asks, is correct, and follows any format the task requires. " +
  "When a reference answer is given, the answer must agree with it in substance; wording may differ.";

const SYSTEM_PROMPT =
  "You grade the work of an automated system. You see the task the system was given, a reference " +
  "answer when one exists, the system's answer, and the criteria to apply. Judge only against those " +
  "criteria, be consistent from one answer to the next, and do not reward length. Your feedback goes " +
  "to the engineer who will change the system, so name the concrete defect and what would remove it; " +
  "do not rewrite the answer yourself.";

/**
 * The prompt an `llmJudge` sends for one output (exported so it can be inspected and tested).
 *
 * @param parts the rendered task, reference (or undefined), answer, criteria and scale
 */
export function judgeMessages(parts: {
  readonly task: string;
  readonly reference: string | undefined;
  readonly answer: string;
  readonly criteria: string;
  readonly scale: JudgeScale;
}): ChatMessage[] {
  const { min, max } = parts.scale;
  const user = [
    "## Task given to the system",
    parts.task,
    "",
    "## Reference answer",
    parts.reference ?? "(none given: judge the answer on its own merits)",
    "",
    "## The system's answer",
    parts.answer,
    "",
    "## Criteria",
    parts.criteria,
    "",
    `Grade the answer with a whole number from ${min} (fails the criteria entirely) to ${max} (meets them fully).`,
    "Reply with a single JSON object and nothing else, in this form:",
    `{"score": <whole number from ${min} to ${max}>, "feedback": "<one to three sentences: what is wrong and what would fix it, or why it is right>"}`,
  ].join("\n");
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: user },
  ];
}

/**
 * A guide that asks a language model to grade each output against the task, the example's target
 * (when present) and your criteria. The reply's score (on `scale`, default 0–10) is mapped to
 * [0, 1]; its explanation becomes the feedback. A reply without a readable score is re-asked
 * (`maxRetries`, default 1) with the problem stated; after that the guide throws
 * `JudgeResponseError`. Model errors (budget, cancellation, provider failures) propagate unchanged.
 *
 * @example
 * const judge = llmJudge({ model, criteria: "A polite greeting in the language of the request." });
 *
 * @param options the model, criteria and parsing settings
 */
export function llmJudge<O = unknown, I = unknown, T = unknown>(
  options: LlmJudgeOptions<O, I, T>,
): Guide<O, I, T> {
  validateOptions("llmJudge", options, OPTIONS);
  if (!options?.model || typeof options.model.generate !== "function") {
    throw new TypeError("llmJudge: pass { model }, a LanguageModel that grades the outputs");
  }
  const scale = options.scale ?? { min: 0, max: 10 };
  if (!Number.isFinite(scale.min) || !Number.isFinite(scale.max) || !(scale.max > scale.min)) {
    throw new RangeError(`llmJudge: scale needs finite min < max, got ${JSON.stringify(scale)}`);
  }
  const name = options.name ?? "llm-judge";
  const maxRetries = options.maxRetries ?? 1;
  if (maxRetries < 0) throw new RangeError(`llmJudge: maxRetries must be ≥ 0, got ${maxRetries}`);
  const limit = options.maxValueChars ?? 6000;
  const maxResponseChars = options.maxResponseChars ?? DEFAULT_MAX_JUDGE_REPLY_CHARS;
  if (maxResponseChars < 1) {
    throw new RangeError(`llmJudge: maxResponseChars must be ≥ 1, got ${maxResponseChars}`);
  }
  const show = (value: unknown) =>
    truncateText(typeof value === "string" ? value : formatValue(value), limit);
  const model = options.model;

  return {
    name,
    maxScore: 1,
    async check(output: O, example: Example<I, T>, context): Promise<GuideResult> {
      const target = example.target;
      const messages: ChatMessage[] = judgeMessages({
        task: options.showInput ? options.showInput(example.input) : show(example.input),
        reference:
          target === undefined ? undefined : options.showTarget ? options.showTarget(target) : show(target),
        answer: options.showOutput ? options.showOutput(output) : show(output),
        criteria: options.criteria ?? DEFAULT_CRITERIA,
        scale,
      });
      let lastText = "";
      let lastProblem = "";
      for (let attempt = 0; attempt <= maxRetries; attempt++) {
        // instrumented as a `model.call` with purpose `judge`
        const request = {
          messages,
          temperature: options.temperature ?? 0,
          maxTokens: options.maxTokens ?? 400,
          ...(options.jsonMode ? { responseFormat: { type: "json" as const } } : {}),
          ...(context.signal ? { signal: context.signal } : {}),
        };
        const result = await generateInstrumented(model, request, "judge");
        lastText = result.text;
        const parsed = parseJudgeResponse(result.text, scale, { maxChars: maxResponseChars });
        if (parsed.ok) return { score: parsed.score, feedback: parsed.feedback };
        lastProblem = parsed.problem;
        messages.push(
          { role: "assistant", content: result.text },
          {
            role: "user",
            content:
              `Your reply could not be used: ${parsed.problem}. Answer again with only the JSON object ` +
              `{"score": <whole number from ${scale.min} to ${scale.max}>, "feedback": "<one to three sentences>"}.`,
          },
        );
      }
      throw new JudgeResponseError(
        `guide '${name}': no score could be read from the judge's reply after ${maxRetries + 1} attempt(s) ` +
          `(${lastProblem}); last reply: ${JSON.stringify(truncateText(lastText, 200))}`,
        lastText,
      );
    },
  };
}
