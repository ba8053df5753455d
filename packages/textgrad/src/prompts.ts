import {
  type ChatMessage,
  ExceptionNode,
  MessageNode,
  type Node,
  ParameterNode,
  type ProblemEntry,
  type ValueType,
  valueTypeOf,
} from "@trace-ts/core";
import { formatValue } from "@trace-ts/core/optimizer";
import type { GradientEdge } from "./plan.js";

/** Opening tag of the new value in an update answer. */
export const NEW_VALUE_OPEN = "<new_value>";
/** Closing tag of the new value in an update answer. */
export const NEW_VALUE_CLOSE = "</new_value>";

/** First-line titles of the three kinds of prompts. */
const TITLES = {
  gradient: "# Gradient for",
  combine: "# Combining feedback for",
  update: "# Update for",
} as const;

const GRADIENT_SYSTEM = [
  "You take part in the backward pass of an optimizer that improves a program's parameters (prompts, numbers, settings, source code) from feedback written in words.",
  "You are shown one operation of the program: its inputs, its output, and the feedback that output received.",
  "Explain how ONE named input should be different so that the output would satisfy the feedback better.",
  "Be concrete and brief (a short paragraph or a few bullet points). Describe the change; do not write a complete new value.",
  "If that input cannot be responsible for the problem, say so plainly.",
].join("\n");

const COMBINE_SYSTEM = [
  "You take part in the backward pass of an optimizer that improves a program's parameters from feedback written in words.",
  "One value of the program received several pieces of feedback, each about a different use of it.",
  "Merge them into one piece of feedback about this value: keep every concrete request, drop repetitions, and where two requests conflict, say so and suggest a change that serves both.",
  "Answer with the merged feedback only.",
].join("\n");

const UPDATE_SYSTEM = [
  "You are the update step of an optimizer that improves a program's parameters (prompts, numbers, settings, source code) from feedback written in words.",
  "You are given one parameter, its current value and the feedback about it.",
  `Think briefly about what to change, then write the complete new value between ${NEW_VALUE_OPEN} and ${NEW_VALUE_CLOSE}.`,
  "Everything between the two tags becomes the parameter's new value, exactly as written.",
].join("\n");

/** How the new value must be written, per type. */
function formatRule(type: ValueType): string {
  switch (type) {
    case "code":
      return "The value is the source code of one JavaScript or TypeScript function or method. Keep its name and its parameters (the signature) exactly as they are; change the body. Write only the source code between the tags, with no explanation.";
    case "number":
      return "The value is a number: write only the number (for example 0.25), no units or words.";
    case "boolean":
      return "The value is a boolean: write only true or false.";
    case "array":
      return "The value is a JSON array: write valid JSON.";
    case "object":
      return "The value is a JSON object: write valid JSON.";
    case "string":
      return "The value is text: write the text itself, without surrounding quotes or comments.";
    default:
      return "Write the new value as plain text.";
  }
}

/**
 * `key (type, …)`: computed values name the operation that produced them; parameters and inputs
 * add their description.
 */
function label(key: string, node: Node): string {
  const type = valueTypeOf(node);
  if (node instanceof MessageNode) return `${key} (${type}, computed by ${node.op})`;
  const kind = node instanceof ParameterNode && node.trainable ? ", trainable" : "";
  const description = node.description.trim();
  return `${key} (${type}${kind})${description ? `: ${description}` : ""}`;
}

function section(title: string, body: string): string {
  return `## ${title}\n${body}`;
}

/**
 * Prompt asking how `edge.parent` should change to improve `edge.child`, given the child's
 * gradient.
 */
export function gradientPrompt(
  edge: GradientEdge,
  gradient: string,
  objective: string,
  keyOf: (node: Node) => string,
  valueChars: number,
): ChatMessage[] {
  const { child, parent, childKey, parentKey } = edge;
  const args = Object.entries(child.inputs)
    .map(([name, input]) => `${name}=${keyOf(input)}`)
    .join(", ");
  const seen = new Set<Node>();
  const inputLines: string[] = [];
  for (const [name, input] of Object.entries(child.inputs)) {
    if (seen.has(input)) continue;
    seen.add(input);
    const marker = input === parent ? "  <- the input to explain" : "";
    const constraint =
      input instanceof ParameterNode && input.constraint ? `\n  constraint: ${input.constraint}` : "";
    inputLines.push(
      `- ${name} = ${label(keyOf(input), input)}${marker}${constraint}\n${indent(formatValue(input.peek(), valueChars))}`,
    );
  }
  const outputTitle =
    child instanceof ExceptionNode ? `Output (${childKey}): the operation threw` : `Output (${childKey})`;
  const user = [
    `${TITLES.gradient} ${parentKey} through ${childKey}`,
    section("Objective", objective),
    section(
      "Operation",
      `${childKey} = ${child.op}(${args})${child.description.trim() ? `\n${child.description.trim()}` : ""}`,
    ),
    section("Inputs", inputLines.join("\n")),
    section(outputTitle, formatValue(child.peek(), valueChars)),
    section(`Feedback on ${childKey}`, gradient),
    section(
      "Your task",
      `Explain how ${parentKey} should change so that ${childKey} satisfies the feedback better.`,
    ),
  ].join("\n\n");
  return [
    { role: "system", content: GRADIENT_SYSTEM },
    { role: "user", content: user },
  ];
}

/** Where one of several gradients arriving at a node came from. */
export interface GradientSource {
  /** E.g. `feedback on out0` or `through add0`. */
  readonly from: string;
  /** The gradient text. */
  readonly text: string;
}

/** Prompt merging several gradients of one node into one. */
export function combinePrompt(
  key: string,
  node: Node,
  sources: readonly GradientSource[],
  objective: string,
  valueChars: number,
): ChatMessage[] {
  const parts = sources.map((s, i) => `### ${i + 1}. ${s.from}\n${s.text}`).join("\n\n");
  const user = [
    `${TITLES.combine} ${key}`,
    section("Objective", objective),
    section("Value", `${label(key, node)}\n${indent(formatValue(node.peek(), valueChars))}`),
    section(`Feedback received (${sources.length})`, parts),
    section("Your task", `Merge the feedback above into one piece of feedback about ${key}.`),
  ].join("\n\n");
  return [
    { role: "system", content: COMBINE_SYSTEM },
    { role: "user", content: user },
  ];
}

/** Prompt asking for the new value of one variable. Its current value is shown in full. */
export function updatePrompt(variable: ProblemEntry, gradient: string, objective: string): ChatMessage[] {
  const { key, node } = variable;
  const constraint = variable.constraint?.trim();
  const user = [
    `${TITLES.update} ${key}`,
    section("Objective", objective),
    section(
      "Parameter",
      [
        `key: ${key}`,
        `type: ${variable.type}`,
        `description: ${node.description.trim() || "(none)"}`,
        `constraint: ${constraint || "(none)"}`,
      ].join("\n"),
    ),
    section("Current value", `<current_value>\n${formatValue(variable.value)}\n</current_value>`),
    section("Feedback on this value", gradient),
    section(
      "Your task",
      [
        `Write an improved value of ${key} that addresses the feedback${constraint ? " and keeps the constraint" : ""}.`,
        formatRule(variable.type),
        "End your answer with:",
        `${NEW_VALUE_OPEN}\n(the complete new value)\n${NEW_VALUE_CLOSE}`,
        "Write nothing after the closing tag.",
      ].join("\n"),
    ),
  ].join("\n\n");
  return [
    { role: "system", content: UPDATE_SYSTEM },
    { role: "user", content: user },
  ];
}

/** Follow-up message after an update answer that could not be used. */
export function updateRetryMessage(key: string, problems: readonly string[], type: ValueType): string {
  return [
    `Your answer could not be used as the new value of ${key}: ${problems.join("; ")}`,
    formatRule(type),
    `Answer again, ending with the complete new value between ${NEW_VALUE_OPEN} and ${NEW_VALUE_CLOSE}.`,
  ].join("\n");
}

/** Follow-up message after an empty gradient or combining answer. */
export function emptyRetryMessage(): string {
  return "Your answer was empty. Please answer the question above in a few sentences.";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
