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
import { estimateTextTokens } from "@trace-ts/core/llm";
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
  "You are shown one operation of the program: its inputs, its output, and the feedback that output received (each piece with the operation it came from).",
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
  "You are given one parameter, its current value and every piece of feedback about it, each with the operation it came from (that operation's inputs and output).",
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

/** Sizes of the values shown in gradient and combining prompts. */
export interface ValueBudgets {
  /** Longest context value, in characters (`valueCharBudget`). */
  readonly valueChars: number;
  /** Longest value under critique, in estimated tokens (`critiqueTokenBudget`). */
  readonly critiqueTokens: number;
}

/**
 * One gradient that reached a node, with its context: where it was written (feedback given to
 * `backward()`, a gradient call through an operation, or a merge) and the operations that only
 * forwarded it on the way.
 */
export interface GradientEntry {
  /** `feedback`: given to `backward()`; `edge`: written by a gradient call; `merged`: a merge call. */
  readonly kind: "feedback" | "edge" | "merged";
  /** The node the text is about (the output for feedback; the input asked about for an edge). */
  readonly subject: Node;
  /** For `edge`: the operation whose output the gradient call looked at. */
  readonly op?: MessageNode;
  /** Pass-through operations the text came through on its way here, nearest to `subject` first. */
  readonly via: readonly MessageNode[];
  /** For `merged`: how many gradients were merged. */
  readonly merged?: number;
  /** The feedback or gradient text. */
  readonly text: string;
}

/**
 * `value` as text, whole up to `tokens` estimated tokens (4 characters each, like core's
 * `estimateTextTokens`), cut past it with a marker naming the budget.
 */
export function critiqueValue(value: unknown, tokens: number): string {
  const text = formatValue(value);
  if (estimateTextTokens(text) <= tokens) return text;
  const keep = tokens * 4;
  return `${text.slice(0, keep)}…[${text.length - keep} more characters not shown: past the critique budget of ${tokens} tokens]`;
}

/** `key = op(name=key, …)` and the operation's description. */
function operationLine(op: MessageNode, keyOf: (node: Node) => string): string {
  const args = Object.entries(op.inputs)
    .map(([name, input]) => `${name}=${keyOf(input)}`)
    .join(", ");
  const description = op.description.trim();
  return `${keyOf(op)} = ${op.op}(${args})${description ? `\n${description}` : ""}`;
}

/**
 * The inputs of `op`, one per line with its value; `marked` gets a marker, and its value is shown
 * by `markedValue` (undefined: the value is cut to `valueChars`).
 */
function inputList(
  op: MessageNode,
  keyOf: (node: Node) => string,
  valueChars: number,
  marked: Node,
  marker: string,
  markedValue: string | undefined,
): string {
  const seen = new Set<Node>();
  const lines: string[] = [];
  for (const [name, input] of Object.entries(op.inputs)) {
    if (seen.has(input)) continue;
    seen.add(input);
    const isMarked = input === marked;
    const constraint =
      input instanceof ParameterNode && input.constraint ? `\n  constraint: ${input.constraint}` : "";
    const value = isMarked && markedValue !== undefined ? markedValue : formatValue(input.peek(), valueChars);
    lines.push(
      `- ${name} = ${label(keyOf(input), input)}${isMarked ? `  ${marker}` : ""}${constraint}\n${indent(value)}`,
    );
  }
  return lines.join("\n");
}

/** The pass-through operations a gradient came through, long chains shortened. */
function viaLine(via: readonly MessageNode[], keyOf: (node: Node) => string): string {
  const names = via.map((op) => `${keyOf(op)} (${op.op})`);
  const shown = names.length > 4 ? [names[0]!, `… ${names.length - 2} more …`, names.at(-1)!] : names;
  return `Forwarded unchanged through: ${shown.join(" → ")}`;
}

/**
 * Every gradient of `focus`, each with its context, concatenated: the operation it was written
 * for (its inputs and output), the operations that forwarded it, and its text. The value of
 * `focus` itself is not repeated (the prompt shows it); other values are cut to `valueChars`.
 *
 * @param entries the gradients that reached `focus`
 * @param focus the node whose gradients these are
 * @param keyOf the problem view's keys
 * @param valueChars longest context value, in characters
 */
export function formatGradients(
  entries: readonly GradientEntry[],
  focus: Node,
  keyOf: (node: Node) => string,
  valueChars: number,
): string {
  if (entries.length === 0) return "(no feedback reached this value)";
  const shownAbove = "(its value is shown above)";
  return entries
    .map((entry, i) => {
      const subjectKey = keyOf(entry.subject);
      const lines: string[] = [];
      if (entry.kind === "feedback") {
        lines.push(`### ${i + 1} of ${entries.length}. Feedback given to ${subjectKey}`);
        if (entry.via.length > 0) {
          lines.push(viaLine(entry.via, keyOf));
          lines.push(
            `Value of ${label(subjectKey, entry.subject)}:\n${indent(formatValue(entry.subject.peek(), valueChars))}`,
          );
        }
        lines.push(`Feedback:\n${entry.text}`);
      } else if (entry.kind === "merged") {
        lines.push(
          `### ${i + 1} of ${entries.length}. ${entry.merged ?? 0} gradients of ${subjectKey}, merged`,
        );
        if (entry.via.length > 0) lines.push(viaLine(entry.via, keyOf));
        lines.push(`Feedback:\n${entry.text}`);
      } else {
        const op = entry.op!;
        const opKey = keyOf(op);
        lines.push(`### ${i + 1} of ${entries.length}. About ${subjectKey} as an input of ${opKey}`);
        if (entry.via.length > 0) lines.push(viaLine(entry.via, keyOf));
        lines.push(`Operation: ${operationLine(op, keyOf)}`);
        lines.push(
          `Inputs:\n${inputList(op, keyOf, valueChars, entry.subject, "<- the input this feedback is about", entry.subject === focus ? shownAbove : undefined)}`,
        );
        const outputTitle =
          op instanceof ExceptionNode ? `Output of ${opKey} (the operation threw)` : `Output of ${opKey}`;
        lines.push(`${outputTitle}:\n${indent(formatValue(op.peek(), valueChars))}`);
        lines.push(`Feedback:\n${entry.text}`);
      }
      return lines.join("\n");
    })
    .join("\n\n");
}

/**
 * Prompt asking how `edge.parent` should change to improve `edge.child`, given the child's
 * gradients (with their context). The parent's value is shown whole up to the critique budget;
 * other values are cut to `valueChars`.
 */
export function gradientPrompt(
  edge: GradientEdge,
  gradients: string,
  objective: string,
  keyOf: (node: Node) => string,
  budgets: ValueBudgets,
): ChatMessage[] {
  const { child, parent, childKey, parentKey } = edge;
  const outputTitle =
    child instanceof ExceptionNode ? `Output (${childKey}): the operation threw` : `Output (${childKey})`;
  const user = [
    `${TITLES.gradient} ${parentKey} through ${childKey}`,
    section("Objective", objective),
    section("Operation", operationLine(child, keyOf)),
    section(
      "Inputs",
      inputList(
        child,
        keyOf,
        budgets.valueChars,
        parent,
        "<- the input to explain",
        critiqueValue(parent.peek(), budgets.critiqueTokens),
      ),
    ),
    section(outputTitle, formatValue(child.peek(), budgets.valueChars)),
    section(`Feedback on ${childKey}`, gradients),
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

/**
 * Prompt merging the gradients of one node into one (only with `mergeOverTokens`, when their
 * concatenation is over it). The node's value is shown whole up to the critique budget.
 */
export function combinePrompt(
  key: string,
  node: Node,
  gradients: string,
  count: number,
  objective: string,
  critiqueTokens: number,
): ChatMessage[] {
  const user = [
    `${TITLES.combine} ${key}`,
    section("Objective", objective),
    section("Value", `${label(key, node)}\n${indent(critiqueValue(node.peek(), critiqueTokens))}`),
    section(`Feedback received (${count})`, gradients),
    section("Your task", `Merge the feedback above into one piece of feedback about ${key}.`),
  ].join("\n\n");
  return [
    { role: "system", content: COMBINE_SYSTEM },
    { role: "user", content: user },
  ];
}

/**
 * Prompt asking for the new value of one variable. Its current value is shown in full, then
 * every gradient that reached it with its context.
 */
export function updatePrompt(
  variable: ProblemEntry,
  gradients: string,
  count: number,
  objective: string,
): ChatMessage[] {
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
    section(`Feedback on this value (${count})`, gradients),
    section(
      "Your task",
      [
        `Write an improved value of ${key} that addresses ${count > 1 ? "all of the feedback" : "the feedback"}${constraint ? " and keeps the constraint" : ""}.`,
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
