import { feedbackToText, type ProblemView } from "@trace-ts/core";
import type { MemoryEntry, StepOutcomeStatus } from "../memory.js";
import type { Draft, DraftItem, DraftSection } from "./draft.js";
import { renderEntry, signatureOf, valueBlock } from "./format.js";
import { CLOSING, SYSTEM_PROMPT } from "./text.js";

/** Options of {@link renderProblem}. */
export interface RenderOptions {
  /** The #Instruction text. */
  readonly objective: string;
  /** Characters shown per value outside #Variables. */
  readonly valueCharBudget: number;
  /** Remembered earlier steps, oldest first (shown as #History when not empty). */
  readonly memory?: readonly MemoryEntry[];
  /** An extra line appended to the closing (prompt variants of OptoPrimeMulti). */
  readonly note?: string;
}

/** A rendered problem and how many values were cut to the value budget. */
export interface RenderedProblem {
  /** The prompt in sections. */
  readonly draft: Draft;
  /** Values outside #Variables that were cut to `valueCharBudget`. */
  readonly truncatedValues: number;
}

function section(
  title: string,
  items: DraftItem[],
  noun: string,
  separator: "\n" | "\n\n" = "\n",
  intro?: string,
): DraftSection {
  return { title, items, noun, separator, omitted: 0, gapAt: 0, ...(intro !== undefined ? { intro } : {}) };
}

function textItems(lines: readonly string[]): DraftItem[] {
  return lines.map((text) => ({ text }));
}

/** The default constraint of a code variable that has none: keep the signature. */
export function codeConstraint(source: unknown): string {
  const sig = signatureOf(source);
  return sig === undefined
    ? "keep the function's name, parameters and their order; only the body may change."
    : `keep the signature \`${sig}\` (same name, parameters and order); only the body may change.`;
}

/**
 * Renders a problem view as OptoPrime's prompt sections: #Instruction, #Code, #Documentation,
 * #Variables (full values), #Constraints, #Inputs, #Others, #Outputs (values cut to
 * `valueCharBudget`), #Feedback (one labelled block per output) and #History (memory).
 *
 * @param view the problem view
 * @param options objective, value budget, memory
 */
export function renderProblem(view: ProblemView, options: RenderOptions): RenderedProblem {
  let truncatedValues = 0;
  const budget = options.valueCharBudget;
  const values = (entries: ProblemView["inputs"]): DraftItem[] =>
    entries.map((e) => {
      const r = renderEntry(e, budget);
      if (r.truncated) truncatedValues++;
      return { text: r.text, shrink: r.shrink };
    });

  const documentation: DraftItem[] = [];
  for (const [op, description] of Object.entries(view.documentation)) {
    const d = description.trim();
    // bundle descriptions may already start with "[op]"
    if (d !== "") documentation.push({ text: d.startsWith(`[${op}]`) ? d : `[${op}] ${d}` });
  }
  const variables: DraftItem[] = view.variables.map((v) => ({
    text: renderEntry(v, Number.POSITIVE_INFINITY, 1000).text,
  }));
  const constraints: DraftItem[] = [];
  for (const v of view.variables) {
    const c = v.constraint?.trim();
    if (c) constraints.push({ text: `${v.key}: ${c}` });
    else if (v.type === "code") constraints.push({ text: `${v.key}: ${codeConstraint(v.value)}` });
  }
  const n = view.feedback.length;
  const feedback: DraftItem[] = view.feedback.map((f, i) => {
    const label = n === 1 ? `Feedback on ${f.key}:` : `Feedback on ${f.key} (${i + 1} of ${n}):`;
    const full = feedbackToText(f.feedback);
    const shrink = (chars: number) => {
      const cut = full.length > chars;
      return {
        text: `${label}\n${cut ? `${full.slice(0, chars)}…[${full.length - chars} more characters]` : full}`,
        truncated: cut,
      };
    };
    return { text: `${label}\n${full}`, shrink };
  });
  const memory = options.memory ?? [];
  const history: DraftItem[] = memory.map((m) => ({ text: memoryText(m) }));

  const sections: DraftSection[] = [
    section("Instruction", textItems([options.objective]), "lines"),
    section("Code", textItems(view.code), "lines"),
    section("Documentation", documentation, "entries"),
    section("Variables", variables, "variables"),
    section("Constraints", constraints, "constraints"),
    section("Inputs", values(view.inputs), "values"),
    section("Others", values(view.intermediates), "values"),
    section("Outputs", values(view.outputs), "values"),
    section("Feedback", feedback, "feedback blocks", "\n\n"),
  ];
  if (history.length > 0) {
    sections.push(
      section(
        "History",
        history,
        "earlier steps",
        "\n\n",
        "Values the variables had at earlier steps, the feedback they earned and what became of the change suggested then, oldest first.",
      ),
    );
  }
  const closing = options.note ? `${CLOSING}\n${options.note}` : CLOSING;
  return { draft: { system: SYSTEM_PROMPT, sections, closing }, truncatedValues };
}

const OUTCOME_WORDS: Readonly<Record<StepOutcomeStatus, string>> = {
  applied: "applied",
  unchanged: "no change",
  refused: "refused",
  failed: "failed",
};

/** One #History block: the step's values, its feedback and (when recorded) what became of it. */
export function memoryText(entry: MemoryEntry): string {
  const lines = [`Step ${entry.step}:`];
  for (const v of entry.variables) lines.push(valueBlock(`${v.key} (${v.type})`, v.text, v.type === "code"));
  for (const f of entry.feedback) lines.push(`Feedback on ${f.key}:\n${f.text}`);
  if (entry.outcome !== undefined) {
    const { status, detail } = entry.outcome;
    lines.push(`Result: ${OUTCOME_WORDS[status]}${detail ? ` (${detail})` : ""}`);
  }
  return lines.join("\n");
}
