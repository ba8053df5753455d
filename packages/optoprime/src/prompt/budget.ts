import { CHARS_PER_TOKEN, estimateMessageTokens } from "@trace-ts/core/llm";
import { type Draft, type DraftSection, omissionMarker, userLength, userText } from "./draft.js";

/** What fitting a prompt into its token budget did; part of every OptoPrime step report. */
export interface PromptBudgetReport {
  /** Estimated prompt tokens (system + problem message) after fitting. */
  readonly estimatedTokens: number;
  /** Characters of the system and problem messages after fitting. */
  readonly characters: number;
  /** The `promptTokenBudget` in force (null: unlimited). */
  readonly budgetTokens: number | null;
  /** Values outside #Variables cut to `valueCharBudget` while rendering. */
  readonly truncatedValues: number;
  /** What was shortened or dropped to fit, in the order it was done (empty: nothing). */
  readonly cuts: readonly string[];
  /** True when the prompt is still over the budget after every allowed cut. */
  readonly overBudget: boolean;
}

/** Values in #Others, #Inputs and #Outputs are first cut to this many characters. */
const SHRUNK_VALUE_CHARS = 200;
/** Feedback blocks are first cut to this many characters. */
const SHRUNK_FEEDBACK_CHARS = 1000;
/** Per-message framing counted by the token estimate (two messages), plus rounding. */
const FRAMING_TOKENS = 10;

type Stage = (draft: Draft, excess: number) => string | undefined;

function find(draft: Draft, title: string): DraftSection | undefined {
  return draft.sections.find((s) => s.title === title);
}

/** Cuts every value of a section to `chars` characters. */
function shrink(title: string, chars: number): Stage {
  return (draft) => {
    const s = find(draft, title);
    if (s === undefined) return undefined;
    let count = 0;
    for (const item of s.items) {
      if (item.shrink === undefined) continue;
      const r = item.shrink(chars);
      if (r.text.length < item.text.length) {
        item.text = r.text;
        count++;
      }
    }
    return count > 0 ? `#${title}: ${count} ${s.noun} cut to ${chars} characters` : undefined;
  };
}

/**
 * Drops entries of a section until `excess` characters are saved: from the middle (keeping the
 * first and last entries, nearest to the variables and to the outputs) or the oldest first. At
 * least `floor` entries stay (when the section has them), however large the excess.
 */
function elide(title: string, from: "middle" | "start", floor: number): Stage {
  return (draft, excess) => {
    const s = find(draft, title);
    if (s === undefined || s.items.length <= floor) return undefined;
    const total = s.items.length + s.omitted;
    const sep = s.separator.length;
    let itemsLength = 0;
    for (const item of s.items) itemsLength += item.text.length + sep;
    // what may stay: the section's entries minus the excess and room for the marker
    const markerRoom = omissionMarker({ ...s, omitted: total }).length + sep;
    const keepBudget = itemsLength - excess - markerRoom;
    const n = s.items.length;
    let head = 0;
    let tail = 0;
    let used = 0;
    // an earlier cut stays where it was: the new gap grows around it
    const headMax = from === "start" ? 0 : s.omitted > 0 ? s.gapAt : n;
    const tailMax = s.omitted > 0 && from === "middle" ? n - s.gapAt : n;
    let preferHead = true;
    while (head + tail < n) {
      const fromHead: boolean = head < headMax && (preferHead || tail >= tailMax);
      if (!fromHead && tail >= tailMax) break;
      const item = fromHead ? s.items[head]! : s.items[n - 1 - tail]!;
      const cost = item.text.length + sep;
      if (head + tail >= floor && used + cost > keepBudget) break;
      used += cost;
      if (fromHead) head++;
      else tail++;
      preferHead = !fromHead;
    }
    const dropped = n - head - tail;
    if (dropped === 0) return undefined;
    s.items = [...s.items.slice(0, head), ...s.items.slice(n - tail)];
    s.omitted += dropped;
    s.gapAt = head;
    return `#${title}: ${s.omitted} of ${total} ${s.noun} omitted`;
  };
}

/**
 * The order in which a prompt is shortened: intermediate values first, then inputs, then
 * history, then code lines and documentation, then outputs, then feedback — first down to a few
 * entries of each (the ones nearest the variables and the outputs), then, if that is not enough,
 * further in the same order. #Instruction, #Variables and #Constraints are never cut: the model
 * must see what it may change in full.
 */
const STAGES: readonly Stage[] = [
  shrink("Others", SHRUNK_VALUE_CHARS),
  elide("Others", "middle", 10),
  shrink("Inputs", SHRUNK_VALUE_CHARS),
  elide("Inputs", "middle", 10),
  elide("History", "start", 1),
  elide("Code", "middle", 20),
  elide("Documentation", "middle", 10),
  shrink("Outputs", SHRUNK_VALUE_CHARS),
  elide("Outputs", "middle", 10),
  shrink("Feedback", SHRUNK_FEEDBACK_CHARS),
  elide("Feedback", "middle", 4),
  ...["Others", "Inputs", "History", "Code", "Documentation", "Outputs", "Feedback"].map((title) =>
    elide(title, title === "History" ? "start" : "middle", 0),
  ),
];

/**
 * Shortens a draft, in place, until its estimated tokens fit `budgetTokens` (see `STAGES` for
 * the order), and reports what was cut.
 *
 * @param draft the prompt in sections (changed in place)
 * @param budgetTokens the budget (Infinity: no limit)
 * @param truncatedValues values already cut to the value budget while rendering
 */
export function fitToBudget(draft: Draft, budgetTokens: number, truncatedValues: number): PromptBudgetReport {
  const cuts: string[] = [];
  if (truncatedValues > 0) cuts.push(`${truncatedValues} values outside #Variables cut to valueCharBudget`);
  const limited = Number.isFinite(budgetTokens);
  const maxChars = Math.max(0, (budgetTokens - FRAMING_TOKENS) * CHARS_PER_TOKEN);
  if (limited) {
    for (const stage of STAGES) {
      const excess = draft.system.length + userLength(draft) - maxChars;
      if (excess <= 0) break;
      const cut = stage(draft, excess);
      if (cut !== undefined) cuts.push(cut);
    }
  }
  const user = userText(draft);
  const estimatedTokens = estimateMessageTokens([
    { role: "system", content: draft.system },
    { role: "user", content: user },
  ]);
  const overBudget = limited && estimatedTokens > budgetTokens;
  if (overBudget)
    cuts.push(
      `still about ${estimatedTokens} tokens after every cut (budget ${budgetTokens}): #Variables, #Constraints and the instructions are never cut`,
    );
  return {
    estimatedTokens,
    characters: draft.system.length + user.length,
    budgetTokens: limited ? budgetTokens : null,
    truncatedValues,
    cuts,
    overBudget,
  };
}
