import type { ParameterNode } from "../graph/node.js";
import type { ChatMessage, TokenUsage } from "../llm/types.js";
import { formatValue } from "../problem/format-value.js";
import type { ProblemView } from "../problem/problem-view.js";

/** One model call an optimizer made while proposing. */
export interface ModelCall {
  /** What the call was for, e.g. `propose`, `retry 1`, `gradient add0 -> x0`. */
  readonly purpose: string;
  /** The messages sent. */
  readonly messages: readonly ChatMessage[];
  /** The response text (absent when the call failed). */
  readonly response?: string;
  /** Token usage reported for the call. */
  readonly usage?: TokenUsage;
  /** Why the call failed, when it did. */
  readonly error?: string;
  /**
   * Stable code of the failure, when it did fail with a `TraceError` in its cause chain (e.g.
   * `LLM_RATE_LIMIT`, `LLM_BUDGET_EXCEEDED`, `LLM_CANCELLED`; see `rootErrorCode`).
   */
  readonly errorCode?: string;
  /** Wall-clock duration in milliseconds. */
  readonly durationMs: number;
}

/** A value an optimizer changed. */
export interface AppliedChange {
  /** The parameter's key in the problem the model saw. */
  readonly key: string;
  /** The parameter's name. */
  readonly name: string;
  /** The parameter. */
  readonly parameter: ParameterNode;
  /** Its value before. */
  readonly before: unknown;
  /** Its value after. */
  readonly after: unknown;
}

/** A suggested value that was not applied, and why. */
export interface RejectedChange {
  /** The key the model used. */
  readonly key: string;
  /** The value as the model wrote it. */
  readonly value: unknown;
  /** Why it was rejected. */
  readonly reason: string;
  /**
   * True when the value was usable but an approval hook vetoed it (`reason` then starts with
   * `vetoed by the approval hook`); absent otherwise.
   */
  readonly vetoed?: boolean;
}

/** Token totals over the model calls of one step. */
export interface StepUsage extends TokenUsage {
  /** Number of model calls made. */
  readonly calls: number;
}

/**
 * What `propose()` returns: converted and validated updates, without anything applied yet, plus
 * the record of how they were obtained.
 */
export interface Proposal {
  /** New values by parameter (already converted to each parameter's type and validated). */
  readonly updates: ReadonlyMap<ParameterNode, unknown>;
  /** The key each parameter had in the problem the model saw (for reports; default: node keys). */
  readonly keys?: ReadonlyMap<ParameterNode, string>;
  /** The suggestion as parsed from the model, key → value as written. */
  readonly suggestion: Readonly<Record<string, unknown>>;
  /** Suggested values that cannot be used, with reasons. */
  readonly rejected: readonly RejectedChange[];
  /** The model's reasoning, when it gave one. */
  readonly reasoning?: string;
  /** The model said the problem is solved and suggested nothing. */
  readonly terminate: boolean;
  /** The model's short answer to the problem, when it gave one (separate from `reasoning`). */
  readonly answer?: string;
  /** Why nothing could be proposed (model error, unparseable output after retries), when so. */
  readonly error?: string;
  /**
   * Stable code of the failure behind `error` (see `rootErrorCode`), e.g. `LLM_BUDGET_EXCEEDED`
   * or `LLM_RATE_LIMIT` for a model failure, or the optimizer's own code for unusable answers.
   */
  readonly errorCode?: string;
  /** Every model call made. */
  readonly calls: readonly ModelCall[];
  /** Optimizer-specific details (candidates, gradients, history shown, …). */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * The problem view the proposal was made from (values as they were then), when the optimizer
   * read one; optimizers use it after the step (memory, history). Not part of reports.
   */
  readonly view?: ProblemView;
}

/** Everything one `step()` did: the proposal, what was applied, what was rejected, usage. */
export interface StepReport extends Omit<Proposal, "updates" | "keys" | "view"> {
  /** The optimizer's name, e.g. `OptoPrime`. */
  readonly optimizer: string;
  /** 1 for the first step of this optimizer, then 2, … */
  readonly step: number;
  /** Values changed, before and after. */
  readonly applied: readonly AppliedChange[];
  /** Token totals. */
  readonly usage: StepUsage;
  /** Wall-clock duration of the step in milliseconds. */
  readonly durationMs: number;
}

/** Sum of the usage of several calls. */
export function totalUsage(calls: readonly ModelCall[]): StepUsage {
  let inputTokens = 0;
  let outputTokens = 0;
  let cacheReadTokens = 0;
  let cacheWriteTokens = 0;
  for (const c of calls) {
    inputTokens += c.usage?.inputTokens ?? 0;
    outputTokens += c.usage?.outputTokens ?? 0;
    cacheReadTokens += c.usage?.cacheReadTokens ?? 0;
    cacheWriteTokens += c.usage?.cacheWriteTokens ?? 0;
  }
  return { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, calls: calls.length };
}

/** A JSON-safe copy of a step report (parameters replaced by their names; values kept as data). */
export function stepReportToJSON(report: StepReport): Record<string, unknown> {
  return {
    optimizer: report.optimizer,
    step: report.step,
    suggestion: report.suggestion,
    reasoning: report.reasoning,
    answer: report.answer,
    terminate: report.terminate,
    error: report.error,
    errorCode: report.errorCode,
    applied: report.applied.map((a) => ({ key: a.key, name: a.name, before: a.before, after: a.after })),
    rejected: report.rejected,
    calls: report.calls,
    usage: report.usage,
    durationMs: report.durationMs,
    details: report.details,
  };
}

/**
 * A readable diff of applied changes: one block per parameter (headed by its key and name, or the
 * function whose code it is), `-` lines for the old value and `+` lines for the new one
 * (multi-line values such as code are compared line by line).
 */
export function formatChanges(applied: readonly AppliedChange[]): string {
  return applied
    .map((a) => {
      const before = formatValue(a.before).split("\n");
      const after = formatValue(a.after).split("\n");
      const bundled = a.parameter.info.bundle;
      const label = typeof bundled === "string" ? `code of ${bundled}` : a.name;
      return [`@@ ${a.key} (${label})`, ...lineDiff(before, after)].join("\n");
    })
    .join("\n");
}

/** Minimal line diff (longest common subsequence), `  ` kept, `- ` removed, `+ ` added. */
function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length;
  const m = b.length;
  if (n * m > 250_000) return [...a.map((l) => `- ${l}`), ...b.map((l) => `+ ${l}`)];
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < n) out.push(`- ${a[i++]}`);
  while (j < m) out.push(`+ ${b[j++]}`);
  return out;
}
