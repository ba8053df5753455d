import type { ChatMessage, ProblemEntry, ValueType } from "@trace-ts/core";
import { formatValue, truncateText } from "@trace-ts/core/optimizer";
import type { Direction, OproHistoryEntry } from "./history.js";
import type { OproExemplar } from "./options.js";

/** First line of every OPRO prompt. */
export const OPRO_TITLE = "# Propose a new solution";

/** The part of the ranked history that fits the budget, rendered. */
export interface RenderedHistory {
  /**
   * The rendered solutions in ascending order, the best last: solutions without a score first
   * (oldest to newest), then the scored ones from worst to best.
   */
  readonly text: string;
  /** How many solutions are shown. */
  readonly shown: number;
  /** How many ranked solutions did not fit. */
  readonly omitted: number;
  /** How many of the shown solutions have no score. */
  readonly unscored?: number;
}

/** Settings of `renderHistory`. */
export interface RenderHistoryOptions {
  /** Longest rendered history, in characters. */
  readonly charBudget: number;
  /** Longest text of one value or feedback, in characters. */
  readonly valueChars: number;
  /** The solution evaluated in this step, marked in the text. */
  readonly current?: OproHistoryEntry;
}

const SYSTEM = [
  "You are an optimizer. A program has a few variables (texts, numbers, settings, source code); every time it runs with some values, its outputs are judged with a score and/or written feedback.",
  "You see earlier solutions in ascending order of their scores, the best one last, and how each was judged. Propose a new solution that you expect to be judged better than all of them.",
  "Learn from what the best solutions share and from what the feedback asks for; do not repeat a solution that was already tried.",
].join("\n");

/** The made-up key of the answer template: it stands for a variable's key and must be replaced. */
export const KEY_PLACEHOLDER = "KEY";

/**
 * The value line of the answer template. It cannot pass for a value (`readSolution` refuses an
 * answer that still holds it), so a model that copies the template verbatim is asked again.
 */
export const VALUE_PLACEHOLDER = "[[replace this line with the complete new value]]";

/** The answer format with placeholders: a made-up key and a value line that must be replaced. */
export function answerTemplate(keys: readonly string[]): string {
  return [
    valueBlock(KEY_PLACEHOLDER, VALUE_PLACEHOLDER),
    `Replace ${KEY_PLACEHOLDER} with a variable's key (${keys.join(", ")}) and the line ${VALUE_PLACEHOLDER} with that variable's new value; an answer that still holds a placeholder is refused.`,
  ].join("\n");
}

/** `<value name="key">` … `</value>`: the block format of solutions, in prompts and answers. */
export function valueBlock(key: string, text: string): string {
  return `<value name="${key}">\n${text}\n</value>`;
}

function scoreText(score: number | undefined): string {
  return score === undefined ? "no score" : `score ${Number(score.toPrecision(6))}`;
}

/** One solution as shown in the prompt: a title with its score, its value blocks, its feedback. */
export function renderEntry(
  entry: OproHistoryEntry,
  index: number,
  valueChars: number,
  feedbackChars: number,
  isCurrent: boolean,
): string {
  const head = `### Solution ${index}: ${scoreText(entry.score)} (step ${entry.step}${isCurrent ? ", the current values" : ""})`;
  const blocks = Object.entries(entry.values).map(([key, value]) =>
    valueBlock(key, formatValue(value, valueChars)),
  );
  const feedback =
    entry.feedback.length === 0
      ? "Feedback: (none)"
      : `Feedback:\n${entry.feedback
          .map(
            (f) =>
              `- on ${f.output}${f.score === undefined ? "" : ` (score ${Number(f.score.toPrecision(6))})`}${f.feedback === "" ? "" : `: ${truncateText(f.feedback, feedbackChars)}`}`,
          )
          .join("\n")}`;
  return [head, ...blocks, feedback].join("\n");
}

/**
 * Renders solutions within `charBudget` characters. They are chosen by rank: the best one always,
 * with its values in full (the model usually edits it), then the next best while the total stays
 * within the budget, their values and feedback cut to `valueChars`. They are printed in ascending
 * order so the best sits last, right before the answer instructions: unscored solutions first
 * (oldest to newest), then the scored ones from worst to best (equal scores: older first).
 *
 * @param ranked the solutions best first (`rankHistory`)
 * @param options budget, value length and the solution evaluated in this step
 */
export function renderHistory(
  ranked: readonly OproHistoryEntry[],
  options: RenderHistoryOptions,
): RenderedHistory {
  const chosen: OproHistoryEntry[] = [];
  let used = 0;
  for (const entry of ranked) {
    const first = chosen.length === 0;
    // measured with the largest index it could get, so renumbering cannot pass the budget
    const text = render(entry, ranked.length, first, options);
    const cost = text.length + (first ? 0 : 2);
    if (!first && used + cost > options.charBudget) break;
    chosen.push(entry);
    used += cost;
  }
  // ranked puts scored solutions first (best first), then unscored ones (newest first), so the
  // reverse is the printing order
  const best = chosen[0];
  const parts = chosen.reverse().map((entry, i) => render(entry, i + 1, entry === best, options));
  return {
    text: parts.join("\n\n"),
    shown: parts.length,
    omitted: ranked.length - parts.length,
    unscored: chosen.filter((e) => e.score === undefined).length,
  };
}

function render(
  entry: OproHistoryEntry,
  index: number,
  isBest: boolean,
  options: RenderHistoryOptions,
): string {
  const valueChars = isBest ? Number.POSITIVE_INFINITY : options.valueChars;
  return renderEntry(entry, index, valueChars, options.valueChars, entry === options.current);
}

/** One example as the prompt shows it. */
export interface ShownExemplar {
  /** Its title, e.g. `Example 1`. */
  readonly title: string;
  /** The input. */
  readonly input: unknown;
  /** What its output is, e.g. `Wanted output`. */
  readonly outputLabel: string;
  /** The output. */
  readonly output: unknown;
}

/** The examples that fit the budget, rendered. */
export interface RenderedExemplars {
  /** The rendered examples, in the order given (empty when there are none). */
  readonly text: string;
  /** How many examples are shown. */
  readonly shown: number;
  /** How many did not fit. */
  readonly omitted: number;
}

/**
 * The task examples given by the user as `ShownExemplar`s (`Example 1`, `Example 2`, …, each
 * with its wanted output).
 *
 * @param exemplars the `exemplars` option
 */
export function givenExemplars(exemplars: readonly OproExemplar[]): ShownExemplar[] {
  return exemplars.map((e, i) => ({
    title: `Example ${i + 1}`,
    input: e.input,
    outputLabel: "Wanted output",
    output: e.output,
  }));
}

/**
 * Renders examples in the order given while the text stays within `charBudget` characters; each
 * input and output is cut to `valueChars` (and to a quarter of the budget, so that one example
 * always fits) with a visible marker. The examples that do not fit are counted in `omitted`.
 *
 * @param exemplars the examples, in order
 * @param charBudget the longest text
 * @param valueChars the longest input or output
 */
export function renderExemplars(
  exemplars: readonly ShownExemplar[],
  charBudget: number,
  valueChars: number,
): RenderedExemplars {
  const chars = Math.max(20, Math.min(valueChars, Math.floor(charBudget / 4)));
  const parts: string[] = [];
  let used = 0;
  for (const e of exemplars) {
    const text = [
      `### ${e.title}`,
      `Input:\n${formatValue(e.input, chars)}`,
      `${e.outputLabel}:\n${formatValue(e.output, chars)}`,
    ].join("\n");
    const cost = text.length + (parts.length === 0 ? 0 : 2);
    if (used + cost > charBudget) break;
    parts.push(text);
    used += cost;
  }
  return { text: parts.join("\n\n"), shown: parts.length, omitted: exemplars.length - parts.length };
}

const TYPE_LABELS: Partial<Record<ValueType, string>> = {
  code: "source code",
  number: "number",
  boolean: "boolean",
  array: "JSON array",
  object: "JSON object",
  string: "text",
};

const WRITING_RULES: Partial<Record<ValueType, string>> = {
  code: "source code: one JavaScript or TypeScript function; keep its name and its parameters (the signature)",
  number: "number: the number only, e.g. 0.25",
  boolean: "boolean: true or false",
  array: "JSON array: valid JSON",
  object: "JSON object: valid JSON",
  string: "text: the text itself, without surrounding quotes",
};

/** What goes into an OPRO prompt. */
export interface OproPromptInput {
  /** The task, shown under "Task" (the optimizer's `objective`). */
  readonly objective: string;
  /** The parameters to propose values for, listed with their type, description and constraint. */
  readonly variables: readonly ProblemEntry[];
  /** The earlier solutions, already rendered in ascending order (`renderHistory`). */
  readonly history: RenderedHistory;
  /** Whether higher (`maximize`) or lower (`minimize`) scores are better; the prompt says which. */
  readonly direction: Direction;
  /** Task examples, when any are shown. */
  readonly exemplars?: RenderedExemplars;
}

/**
 * The prompt: task, variables, task examples (when given), earlier solutions in ascending order
 * (the best last), and the answer format.
 */
export function oproPrompt(input: OproPromptInput): ChatMessage[] {
  const variables = input.variables
    .map((v) => {
      const description = v.node.description.trim();
      const constraint = v.constraint?.trim();
      const type = TYPE_LABELS[v.type] ?? "value";
      return `- ${v.key} (${type})${description ? `: ${description}` : ""}${constraint ? `\n  constraint: ${constraint}` : ""}`;
    })
    .join("\n");
  const rules = [...new Set(input.variables.map((v) => WRITING_RULES[v.type] ?? "other values: plain text"))];
  const better = input.direction === "maximize" ? "higher scores are better" : "lower scores are better";
  const omitted =
    input.history.omitted > 0 ? `(${input.history.omitted} lower-ranked solution(s) are not shown.)\n\n` : "";
  const examples = input.exemplars;
  const examplesPart =
    examples === undefined || examples.shown + examples.omitted === 0
      ? []
      : [
          `## Task examples\nInputs the program receives and what its outputs should be.\n\n${examples.text}${
            examples.omitted > 0
              ? `${examples.shown > 0 ? "\n\n" : ""}(${examples.omitted} more example(s) are not shown.)`
              : ""
          }`,
        ];
  const user = [
    OPRO_TITLE,
    `## Task\n${input.objective}`,
    `## Variables\n${variables}`,
    ...examplesPart,
    `## Earlier solutions in ascending order, the best last (${better})\n${
      (input.history.unscored ?? 0) > 0 ? "Solutions without a score come first, oldest to newest.\n\n" : ""
    }${omitted}${input.history.text}`,
    [
      "## Your answer",
      "Write a short analysis of what made the better solutions better and what the feedback asks for. Then give a complete new solution, different from every solution above, with one block per variable, in this form:",
      answerTemplate(input.variables.map((v) => v.key)),
      "Everything inside a block becomes that variable's value exactly as written:",
      ...rules.map((r) => `- ${r}`),
      "Lower-ranked solutions may be shortened with a marker like …[N more characters]; never copy such a marker into your answer.",
    ].join("\n"),
  ].join("\n\n");
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: user },
  ];
}

/** Follow-up message after an answer that could not be used. */
export function oproRetryMessage(problems: readonly string[], keys: readonly string[]): string {
  return [
    "Your answer could not be used:",
    ...problems.map((p) => `- ${p}`),
    `Answer again with one block per variable (${keys.join(", ")}), in this form:`,
    answerTemplate(keys),
  ].join("\n");
}
