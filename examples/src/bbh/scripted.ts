/**
 * Scripted responses for running the BBH harness without a language model. One `ScriptedModel`
 * plays both roles:
 *
 * - **The solver** (the program's own model call) looks the question up in the task's examples,
 *   so it always "knows" the answer, and imitates one fault a prompt can fix: unless the prompt
 *   asks to "answer with only" the final answer, it wraps about two thirds of its answers (chosen
 *   by a hash of the question, so always the same ones) in extra words — `The answer is X.`, or
 *   for the chain-of-thought variant `Answer: X.` with a final period.
 * - **The optimizer**, in whichever format asked (OptoPrime's JSON, TextGrad's gradients and
 *   `<new_value>` tags, OPRO's `<value>` blocks), proposes the fix the feedback points to when it
 *   shows a wrong answer: a template that asks for the answer only, and an `extractAnswer` that
 *   strips "The answer is", an `Answer:` prefix and a final period. It never touches
 *   `createPrompt`. With no wrong answer in view it proposes nothing (OptoPrime: TERMINATE).
 *
 * So accuracies in scripted mode show the harness working (parsing, applying values and code,
 * feedback, validation, logs), not how well any optimizer or model does on BBH.
 */
import type { GenerateRequest, ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { isOproRequest, valueBlock } from "@trace-ts/opro";
import { optoPrimeRequestInfo } from "@trace-ts/optoprime";
import { textGradRequestInfo } from "@trace-ts/textgrad";
import type { BbhExample } from "./data.js";

/** The template the scripted optimizer proposes for `Predict`. */
export const FIXED_PLAIN_TEMPLATE = `Answer the question below. Answer with only the final answer, written exactly in the form the question asks for (True or False, a date, a list of words…), with no other words and no period at the end.

Question: {question}
Answer:`;

/** The template the scripted optimizer proposes for `PredictCoT`. */
export const FIXED_COT_TEMPLATE = `Answer the question below. Think it through step by step, then give your final answer on the last line, after "Answer:". Answer with only the final answer on that line, written exactly in the form the question asks for, with no other words and no period at the end.

Question: {question}`;

/** The `extractAnswer` the scripted optimizer proposes (both variants). */
export const FIXED_EXTRACT_ANSWER = `extractAnswer(promptTemplate, response) {
  let text = response.trim();
  const at = text.lastIndexOf("Answer:");
  if (at !== -1) text = text.slice(at + "Answer:".length).trim();
  text = text.replace(/^the answer is\\s+/i, "");
  return text.replace(/\\.$/, "").trim();
}`;

/** The solver's parameters the scripted optimizer writes to, read when it is asked. */
export interface ScriptedTargets {
  /** The prompt template (rewritten by the fix). */
  readonly template: ParameterNode<string>;
  /** The code of `createPrompt` (never rewritten). */
  readonly createPrompt: ParameterNode<string>;
  /** The code of `extractAnswer` (rewritten by the fix). */
  readonly extractAnswer: ParameterNode<string>;
}

/** 32-bit FNV-1a hash of a text: picks, once and for all, which answers the solver wraps. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Whether the scripted solver wraps its answer to `question` in extra words when the prompt does
 * not ask for the answer only (two questions in three).
 * @param question the question's text
 */
export function wrapsAnswer(question: string): boolean {
  return fnv1a(question) % 3 !== 0;
}

/**
 * The scripted solver's reply to one prompt.
 * @param prompt the text the program sent
 * @param examples the task's examples (the solver finds the question among them)
 */
export function solverReply(prompt: string, examples: readonly BbhExample[]): string {
  let found: BbhExample | undefined;
  for (const e of examples) {
    if (prompt.includes(e.input) && (found === undefined || e.input.length > found.input.length)) found = e;
  }
  if (found === undefined) return "I do not know.";
  const bare = /answer with only/i.test(prompt) || !wrapsAnswer(found.input);
  if (/step by step/i.test(prompt)) {
    return `Let me work through this step by step.\nAnswer: ${found.target}${bare ? "" : "."}`;
  }
  return bare ? found.target : `The answer is ${found.target}.`;
}

function requestText(request: GenerateRequest): string {
  return request.messages.map((m) => m.content).join("\n");
}

/** Whether the optimizer's prompt shows a wrong answer (the guide's `Incorrect: …` feedback). */
function showsWrongAnswer(text: string): boolean {
  return /Incorrect: expected/.test(text);
}

const GRADIENT =
  "The answer is right but wrapped in extra words or ends with a period, so it does not match exactly. " +
  "Ask for the final answer only, and strip any extra words from the reply.";

/**
 * The scripted optimizer's answer, or undefined when `request` is not an optimizer's.
 * @param request the request
 * @param targets the solver's parameters
 * @param cot whether the solver is the chain-of-thought variant
 */
export function optimizerReply(
  request: GenerateRequest,
  targets: ScriptedTargets,
  cot: boolean,
): string | undefined {
  const text = requestText(request);
  const fix = new Map<string, string>([
    [targets.template.key, cot ? FIXED_COT_TEMPLATE : FIXED_PLAIN_TEMPLATE],
    [targets.extractAnswer.key, FIXED_EXTRACT_ANSWER],
  ]);
  const current = (key: string): string =>
    [targets.template, targets.createPrompt, targets.extractAnswer].find((p) => p.key === key)?.data ?? "";

  if (optoPrimeRequestInfo(request) !== undefined) {
    if (!showsWrongAnswer(text)) {
      return JSON.stringify({
        reasoning: "Every answer is correct. TERMINATE",
        answer: "TERMINATE",
        suggestion: {},
      });
    }
    return JSON.stringify({
      reasoning:
        "The answers are right but come with extra words (a sentence, or a final period), so they do not match exactly. " +
        "The template should ask for the final answer only, and extractAnswer should strip what is left.",
      answer: "",
      suggestion: Object.fromEntries(fix),
    });
  }
  const textgrad = textGradRequestInfo(request);
  if (textgrad?.kind === "update") {
    const value = text.includes(GRADIENT)
      ? (fix.get(textgrad.key) ?? current(textgrad.key))
      : current(textgrad.key);
    return `<new_value>\n${value}\n</new_value>`;
  }
  if (textgrad !== undefined) {
    // a gradient about the output itself, or about an input whose output already got this one
    return showsWrongAnswer(text) || text.includes(GRADIENT) ? GRADIENT : "No change is needed.";
  }
  if (isOproRequest(request)) {
    const values = showsWrongAnswer(text)
      ? fix
      : new Map([[targets.template.key, current(targets.template.key)]]);
    return `Following the feedback.\n${[...values].map(([key, value]) => valueBlock(key, value)).join("\n")}`;
  }
  return undefined;
}

/**
 * The scripted model of one task: the solver for the program's calls, the optimizer for the
 * optimizer's.
 * @param examples the task's examples
 * @param targets the solver's parameters (read when a call comes in)
 * @param cot whether the solver is the chain-of-thought variant
 */
export function scriptedBbhModel(
  examples: readonly BbhExample[],
  targets: ScriptedTargets,
  cot: boolean,
): ScriptedModel {
  return new ScriptedModel(
    (request) => {
      const reply = optimizerReply(request, targets, cot);
      if (reply !== undefined) return reply;
      return solverReply(request.messages.at(-1)?.content ?? "", examples);
    },
    { modelId: "scripted-bbh" },
  );
}
