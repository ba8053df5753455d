import type { ChatMessage, ProblemView } from "@trace-ts/core";
import { DEFAULT_VALUE_CHAR_BUDGET } from "@trace-ts/core/optimizer";
import type { MemoryEntry } from "../memory.js";
import { fitToBudget, type PromptBudgetReport } from "./budget.js";
import { userText } from "./draft.js";
import { renderProblem } from "./render.js";
import { DEFAULT_OBJECTIVE } from "./text.js";

/** Default of `promptTokenBudget` (estimated tokens of the prompt). */
export const DEFAULT_PROMPT_TOKEN_BUDGET = 32_000;

/** Options of {@link renderPrompt}; the same meaning as the `OptoPrime` options of those names. */
export interface RenderPromptOptions {
  /** The #Instruction text. */
  readonly objective?: string;
  /** Characters per value outside #Variables (default 2000). */
  readonly valueCharBudget?: number;
  /** Estimated token budget of the prompt (default 32,000; Infinity: none). */
  readonly promptTokenBudget?: number;
  /** Earlier steps to show as #History, oldest first. */
  readonly memory?: readonly MemoryEntry[];
  /** An extra line after the closing request (e.g. a prompt variant). */
  readonly note?: string;
}

/** A rendered OptoPrime prompt. */
export interface RenderedPrompt {
  /** The messages: system instructions, then the problem. */
  readonly messages: readonly ChatMessage[];
  /** Size and what was cut to fit the budget. */
  readonly budget: PromptBudgetReport;
}

/**
 * Renders the prompt OptoPrime sends for a problem view: a system message (the task, the layout
 * of the problem, the rules for code, the JSON reply format) and a user message with the
 * sections #Instruction, #Code, #Documentation, #Variables, #Constraints, #Inputs, #Others,
 * #Outputs, #Feedback and, with memory, #History — shortened to the token budget.
 *
 * @param view the problem view (e.g. `optimizer.problem()`)
 * @param options objective, budgets, memory
 */
export function renderPrompt(view: ProblemView, options: RenderPromptOptions = {}): RenderedPrompt {
  const { draft, truncatedValues } = renderProblem(view, {
    objective: options.objective ?? DEFAULT_OBJECTIVE,
    valueCharBudget: options.valueCharBudget ?? DEFAULT_VALUE_CHAR_BUDGET,
    ...(options.memory !== undefined ? { memory: options.memory } : {}),
    ...(options.note !== undefined ? { note: options.note } : {}),
  });
  const budget = fitToBudget(
    draft,
    options.promptTokenBudget ?? DEFAULT_PROMPT_TOKEN_BUDGET,
    truncatedValues,
  );
  return {
    messages: [
      { role: "system", content: draft.system },
      { role: "user", content: userText(draft) },
    ],
    budget,
  };
}
