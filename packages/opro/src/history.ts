import { OptimizerStateError } from "@trace-ts/core";

/** The feedback one output received for a solution. */
export interface OproFeedback {
  /** Which output, by position in the step (`output 1`, `output 2`, …). */
  readonly output: string;
  /** The feedback as text. */
  readonly feedback: string;
  /** Its score, when it has one. */
  readonly score?: number;
}

/** One evaluated solution: the values the program ran with and how its outputs were judged. */
export interface OproHistoryEntry {
  /** The optimizer step in which it was evaluated (1 for the first `step()`). */
  readonly step: number;
  /** Value of each variable, by key. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Mean score of the outputs that have one; absent when none has. */
  readonly score?: number;
  /** Feedback per output. */
  readonly feedback: readonly OproFeedback[];
}

/** Whether higher or lower scores are better. */
export type Direction = "maximize" | "minimize";

/**
 * Orders solutions best first: scored ones by score (ties: the later step first), then unscored
 * ones, newest first. Returns a new array.
 */
export function rankHistory(entries: readonly OproHistoryEntry[], direction: Direction): OproHistoryEntry[] {
  const sign = direction === "maximize" ? -1 : 1;
  return [...entries].sort((a, b) => {
    if (a.score !== undefined && b.score !== undefined && a.score !== b.score) {
      return sign * (a.score - b.score);
    }
    if (a.score !== undefined && b.score === undefined) return -1;
    if (a.score === undefined && b.score !== undefined) return 1;
    return b.step - a.step;
  });
}

/** `entries` plus `entry`, keeping at most `size` entries (the worst in rank order are dropped). */
export function addToHistory(
  entries: readonly OproHistoryEntry[],
  entry: OproHistoryEntry,
  size: number,
  direction: Direction,
): OproHistoryEntry[] {
  const all = [...entries, entry];
  if (all.length <= size) return all;
  const keep = new Set(rankHistory(all, direction).slice(0, size));
  return all.filter((e) => keep.has(e));
}

/** Mean of the defined scores, or undefined when there are none. */
export function meanScore(feedback: readonly OproFeedback[]): number | undefined {
  const scores = feedback.flatMap((f) => (f.score === undefined ? [] : [f.score]));
  return scores.length === 0 ? undefined : scores.reduce((a, b) => a + b, 0) / scores.length;
}

/** Checks history read from saved state; throws `OptimizerStateError` saying what is wrong. */
export function historyFromState(data: unknown): OproHistoryEntry[] {
  const history = (data as { history?: unknown } | null)?.history;
  if (!Array.isArray(history)) throw new OptimizerStateError("Opro state needs a history array");
  return history.map((raw, i) => {
    const where = `history[${i}]`;
    const e = raw as Partial<Record<keyof OproHistoryEntry, unknown>> | null;
    if (e === null || typeof e !== "object") throw new OptimizerStateError(`${where} is not an object`);
    if (!Number.isInteger(e.step)) throw new OptimizerStateError(`${where}.step must be an integer`);
    if (e.values === null || typeof e.values !== "object" || Array.isArray(e.values)) {
      throw new OptimizerStateError(`${where}.values must be an object`);
    }
    if (e.score !== undefined && !Number.isFinite(e.score)) {
      throw new OptimizerStateError(`${where}.score must be a finite number when present`);
    }
    if (!Array.isArray(e.feedback)) throw new OptimizerStateError(`${where}.feedback must be an array`);
    const feedback = e.feedback.map((f: unknown, j): OproFeedback => {
      const x = f as Partial<Record<keyof OproFeedback, unknown>> | null;
      if (typeof x?.output !== "string" || typeof x.feedback !== "string") {
        throw new OptimizerStateError(`${where}.feedback[${j}] needs output and feedback texts`);
      }
      if (x.score !== undefined && !Number.isFinite(x.score)) {
        throw new OptimizerStateError(`${where}.feedback[${j}].score must be a finite number when present`);
      }
      return x.score === undefined
        ? { output: x.output, feedback: x.feedback }
        : { output: x.output, feedback: x.feedback, score: x.score as number };
    });
    const entry = { step: e.step as number, values: { ...(e.values as Record<string, unknown>) }, feedback };
    return e.score === undefined ? entry : { ...entry, score: e.score as number };
  });
}
